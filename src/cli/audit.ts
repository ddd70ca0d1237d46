import { readFileSync } from 'node:fs';
import { auditReads, fromStored, loadAuditState, readEventsOf, saveAuditChanges, secretDirectory, stringPool, viewsOf, type Detection, type KnownSecret, type ReadEvent, type ReaderView } from '../audit/index.js';
import { InvalidEventError, parseAwsDate } from '../events/index.js';
import { readSnapshot } from '../inventory/index.js';
import { FileStateStore } from '../state/index.js';
import { guard, loadParams, readEventFile } from './io.js';
import { plural } from '../reports/writer.js';
import type { Io } from './sweep.js';

export interface AuditOptions {
  snapshot?: string;
  state?: string;
  params?: string;
  now?: string;
  format: 'json' | 'text';
}

/** `vigil audit`: who read which secret, and what of it looks like theft. Offline: no AWS call. */
export async function runAudit(files: string[], options: AuditOptions, io: Io): Promise<number> {
  const params = loadParams(options.params);
  const now = options.now ? guard(() => parseAwsDate(options.now, '--now')) * 1000 : undefined;
  const secrets = options.snapshot ? guard(() => readSnapshot(readFileSync(options.snapshot as string), options.snapshot as string)).secrets : [];
  const store = await guardAsync(() => FileStateStore.open(options.state));

  const reads: ReadEvent[] = [];
  const invalid: { file: string; path: string; problem: string }[] = [];
  const strings = stringPool();
  for (const file of files) {
    const batch = readEventsOf(readEventFile(file), { reads: [], skipped: 0, invalid: [], strings });
    for (const read of batch.reads) {
      // A record dated after --now is no record of the period judged.
      if (now !== undefined && read.time > now) batch.invalid.push(new InvalidEventError(read.eventId, `eventTime ${new Date(read.time).toISOString()} is after --now`));
      else reads.push(read);
    }
    for (const error of batch.invalid) {
      invalid.push({ file, path: error.path, problem: error.problem });
      io.stderr(`vigil: ${file}: ${error.message}\n`);
    }
  }
  // Without a snapshot, the secrets a sweep with the same --state stored name the secrets a read calls by name.
  const directory = secretDirectory(options.snapshot ? secrets : await storedSecrets(store));
  const state = await loadAuditState(store, reads, directory);
  const run = auditReads(reads, state, { params, directory, writeAll: true });
  await saveAuditChanges(store, run.changes);
  await store.save();
  // The readers of every secret read in the input, with all vigil remembers of them.
  const readers = viewsOf((await Promise.all([...state.secrets.keys()].map((secret) => store.getReaders(secret)))).flat().map(fromStored));
  io.stdout(options.format === 'json' ? `${JSON.stringify({ detections: run.detections, readers, invalid }, null, 2)}\n` : renderText(run.detections, readers, run.judged));
  return reads.length === 0 && invalid.length > 0 ? 2 : 0;
}

async function storedSecrets(store: FileStateStore): Promise<KnownSecret[]> {
  const known: KnownSecret[] = [];
  for await (const record of store.allSecrets()) known.push({ arn: record.arn, name: record.state.name, account: record.state.account, region: record.state.region, tags: record.state.tags });
  return known;
}

function renderText(detections: Detection[], readers: ReaderView[], judged: number): string {
  const lines: string[] = [];
  for (const d of detections) {
    lines.push(`${d.severity.padEnd(8)} ${d.kind}  ${d.principal}  ${d.firstEventTime} .. ${d.lastEventTime}`);
    lines.push(`         ${d.secretArns.length ? d.secretArns.slice(0, 5).join(', ') + (d.secretArns.length > 5 ? ` and ${d.secretArns.length - 5} more` : '') : 'secrets by filter'}; ${plural(d.eventIds.length, 'event')}`);
  }
  if (detections.length) lines.push('');
  lines.push('Readers:');
  for (const r of readers) lines.push(`  ${r.secretArn}  ${r.principal}  reads ${r.reads}, denied ${r.denied}, last ${r.lastSeen}${r.vpcEndpoints.length ? `, via ${r.vpcEndpoints.join(', ')}` : ''}`);
  lines.push('', `${plural(judged, 'read event')}, ${plural(detections.length, 'detection')}, ${plural(readers.length, 'reader')}`);
  return `${lines.join('\n')}\n`;
}


async function guardAsync<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    return guard(() => {
      throw error;
    });
  }
}
