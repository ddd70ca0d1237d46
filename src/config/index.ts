export * from './enrich.js';
export * from './evaluations.js';
export * from './rule-params.js';
