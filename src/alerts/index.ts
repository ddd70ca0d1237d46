export * from './publish.js';
export * from './render.js';
