export * from './snapshot.js';
export * from './aws.js';
export * from './state.js';
export * from './sweep.js';
export * from './sweep-job.js';
export * from './sweep-state.js';
export * from './json-stream.js';
