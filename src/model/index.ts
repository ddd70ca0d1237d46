export * from './secret-state.js';
