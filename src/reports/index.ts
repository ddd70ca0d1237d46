export * from './render.js';
export * from './report.js';
