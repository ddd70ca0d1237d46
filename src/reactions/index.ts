export * from './apply.js';
export * from './decide.js';
export * from './keys.js';
export * from './types.js';
export * from './patterns.js';
export * from './known.js';
export * from './event-time.js';
