export * from './detect.js';
export * from './directory.js';
export * from './messages.js';
export * from './records.js';
export * from './store.js';
export * from './views.js';
export type * from './types.js';
export { emptyAuditState, readerKey } from './types.js';
export * from './alert.js';
