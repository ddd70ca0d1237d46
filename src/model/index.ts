export * from './secret-state.js';
export * from './kms.js';
