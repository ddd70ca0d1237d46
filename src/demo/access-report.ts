import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createSweepHandler } from '../../functions/sweep.js';
import type { AwsOptions } from '../aws/clients.js';
import { s3Client } from '../aws/clients/s3.js';
import type { ControlParams } from '../controls/index.js';
import { accessSentence, plural, type JsonReport } from '../reports/index.js';

export interface AccessSweepPlan {
  aws: (region: string) => AwsOptions;
  account: string;
  region: string;
  bucket: string;
  topicArn: string;
  stateTable: string;
  params: ControlParams;
  /** The sweep's clock, epoch seconds: its evaluation time. */
  clock: () => number;
  reportDir: string;
}

export interface AccessSweep {
  report: JsonReport;
  /** Where the sweep Lambda stored its reports, and the files copied from there into the report directory. */
  location: string;
  files: string[];
}

/**
 * The scheduled sweep Lambda's full refresh (functions/sweep.ts, as deployed) on the emulator, with the state table the
 * audit keeps readers in; its reports are copied from the bucket's latest/ into the demo's report directory.
 */
export async function sweepWithReaders(plan: AccessSweepPlan): Promise<AccessSweep> {
  const s3 = s3Client(plan.aws(plan.region));
  await s3.send(new CreateBucketCommand({ Bucket: plan.bucket }));
  const sweep = createSweepHandler({
    env: { AWS_REGION: plan.region, VIGIL_REPORT_BUCKET: plan.bucket, VIGIL_ALERT_TOPIC_ARN: plan.topicArn, VIGIL_STATE_TABLE: plan.stateTable, VIGIL_PARAMS: JSON.stringify(plan.params) },
    aws: plan.aws,
    clock: plan.clock,
    invokeSelf: async () => {
      throw new Error('the demo sweep ran out of time and would continue in a new invocation, which the emulator cannot start');
    },
  });
  // The full refresh: the incident changed a key that no secret's LastChangedDate shows, and the demo's event handler keeps no state.
  await sweep({ full: true }, { getRemainingTimeInMillis: () => 900_000, invokedFunctionArn: `arn:aws:lambda:${plan.region}:${plan.account}:function:vigil-sweep` });
  const prefix = `reports/${plan.account}/${plan.region}/latest/`;
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: plan.bucket, Prefix: prefix }));
  mkdirSync(plan.reportDir, { recursive: true });
  const files = new Map<string, string>();
  for (const key of (listed.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []))) {
    const body = (await (await s3.send(new GetObjectCommand({ Bucket: plan.bucket, Key: key }))).Body?.transformToString()) ?? '';
    files.set(key.slice(prefix.length), body);
    writeFileSync(join(plan.reportDir, key.slice(prefix.length)), body);
  }
  const json = files.get('report.json');
  if (json === undefined) throw new Error(`the sweep stored no report.json under s3://${plan.bucket}/${prefix}`);
  const report = JSON.parse(json) as JsonReport;
  return { report, location: `s3://${plan.bucket}/${prefix}`, files: [...files.keys()].sort() };
}

/** A principal's reads in the period, over every secret it read. */
interface PrincipalReads {
  principal: string;
  secrets: string[];
  fresh: number;
  reads: number;
  vpcEndpoints: Set<string>;
  sourceIps: Set<string>;
}

const shortList = (items: readonly string[], shown: number) => (items.length > shown ? `${items.slice(0, shown).join(', ')} and ${items.length - shown} more` : items.join(', '));

/** Where a principal read from: its VPC endpoints when it used any (their source addresses are private), else its addresses. */
const networkOf = (p: PrincipalReads) => (p.vpcEndpoints.size ? `through ${shortList([...p.vpcEndpoints].sort(), 2)}` : `from ${shortList([...p.sourceIps].sort(), 2)}`);

/** What the access report says, in the lines a person reads first: who read how many secrets, and which readers are new. */
export function accessLines(report: JsonReport): string[] {
  const access = report.access;
  if (!access) return ['The report has no access view.'];
  const lines = [accessSentence(access)];
  if (!access.audited) return lines;
  const byPrincipal = new Map<string, PrincipalReads>();
  for (const secret of report.secrets) {
    const fresh = new Set(secret.newReaders ?? []);
    for (const reader of secret.readers ?? []) {
      const p = byPrincipal.get(reader.principal) ?? { principal: reader.principal, secrets: [], fresh: 0, reads: 0, vpcEndpoints: new Set<string>(), sourceIps: new Set<string>() };
      p.secrets.push(secret.name);
      if (fresh.has(reader.principal)) p.fresh += 1;
      p.reads += reader.reads;
      for (const endpoint of reader.vpcEndpoints) p.vpcEndpoints.add(endpoint);
      for (const ip of reader.sourceIps) p.sourceIps.add(ip);
      byPrincipal.set(reader.principal, p);
    }
  }
  const since = access.newReadersBasis === 'previous-report' ? `the last sweep (${access.newReadersSince})` : `${access.newReadersSince} (learningDays)`;
  for (const p of [...byPrincipal.values()].sort((a, b) => b.secrets.length - a.secrets.length || (a.principal < b.principal ? -1 : 1))) {
    const which = p.secrets.length <= 3 ? ` (${p.secrets.join(', ')})` : '';
    const standing = p.fresh === 0 ? `a reader since before ${since}` : p.fresh === p.secrets.length ? `a new reader of ${p.secrets.length === 1 ? 'it' : `all ${p.secrets.length}`} since ${since}` : `a new reader of ${p.fresh} of them since ${since}`;
    lines.push(`${p.principal} read ${plural(p.secrets.length, 'secret')}${which}, ${plural(p.reads, 'time')} ${networkOf(p)}: ${standing}.`);
  }
  const changed = report.secrets.filter((s) => s.newReaders?.length);
  if (!changed.length) return lines;
  const newcomers = [...new Set(changed.flatMap((s) => s.newReaders ?? []))].sort();
  lines.push(`Secrets with new readers: ${changed.length}, ${shortList(changed.map((s) => s.name), 3)}; new readers: ${newcomers.join(', ')}.`);
  // A secret read by its usual reader and a new one is the change an owner asks about first.
  for (const s of changed.filter((c) => (c.readers ?? []).some((r) => !c.newReaders?.includes(r.principal))).slice(0, 3)) {
    const usual = (s.readers ?? []).map((r) => r.principal).filter((p) => !s.newReaders?.includes(p));
    lines.push(`${s.name}: read by its usual ${usual.length === 1 ? 'reader' : 'readers'} ${usual.join(', ')} and, new, ${s.newReaders?.join(', ')}.`);
  }
  return lines;
}
