export * from './types.js';
export * from './records.js';
export * from './file.js';
export * from './dynamodb.js';
export * from './transitions.js';
