export * from './engine.js';
export * from './exemptions.js';
export * from './params.js';
export * from './policy-text.js';
export * from './schedule.js';
export * from './types.js';
