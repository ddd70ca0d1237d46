export * from './snapshot.js';
export * from './state.js';
