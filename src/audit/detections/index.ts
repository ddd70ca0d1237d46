// One pure function per detection kind of DESIGN.md's table; src/audit/detect.ts runs each read through them.
export { honeytokenRead } from './honeytoken-read.js';
export { bulkRetrieval } from './bulk-retrieval.js';
export { batchRetrieval } from './batch-retrieval.js';
export { accessDeniedProbing, pruneProbing, type Probing } from './access-denied-probing.js';
export { rootRead } from './root-read.js';
export { newReader } from './new-reader.js';
export { newReaderAccount } from './new-reader-account.js';
export { newNetworkPath } from './new-network-path.js';
export { burstCounter, pruneBursts, storedBurst, type BurstCounter, type RaisedNear } from './bursts.js';
export { newAccountOf, outsideVpc, type AuditParams, type SecretRead, type Signal } from './signal.js';
