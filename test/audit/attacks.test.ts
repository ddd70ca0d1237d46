import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR, fixtureFiles } from '../helpers/fixtures.js';
import { ordinaryTraffic, readRecord } from './traffic.js';

// Recorded attack shapes (events/cloudtrail/attacks/, sources in events/README.md) go through `vigil audit` as a user runs it,
// each beside 20 days of recorded ordinary traffic: each fires exactly its kinds, and the ordinary traffic fires nothing.

const ACCOUNT = '111122223333';
const arnOf = (name: string, suffix = 'Ab12Cd') => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-${suffix}`;

interface Detection {
  kind: string;
  severity: string;
  principal: string;
  principalAccount?: string;
  secretArns: string[];
  eventIds: string[];
}
interface AuditOutput {
  detections: Detection[];
  readers: { secretArn: string; principal: string; reads: number; denied: number; vpcEndpoints: string[] }[];
  invalid: unknown[];
}

/** What each recorded attack must fire, and nothing else. */
const EXPECTED: Record<string, { kind: string; severity: string; principal: string; secrets: number; events: number }[]> = {
  'stratus-retrieve-secrets.json': [{ kind: 'bulk-retrieval', severity: 'HIGH', principal: `arn:aws:iam::${ACCOUNT}:user/christophe`, secrets: 20, events: 20 }],
  'stratus-batch-retrieve-secrets.json': [{ kind: 'batch-retrieval', severity: 'MEDIUM', principal: `arn:aws:iam::${ACCOUNT}:user/christophe`, secrets: 0, events: 5 }],
  'stratus-batch-retrieve-catch-all.json': [{ kind: 'batch-retrieval', severity: 'HIGH', principal: `arn:aws:iam::${ACCOUNT}:user/christophe`, secrets: 0, events: 1 }],
  'stratus-honeytoken-read.json': [{ kind: 'honeytoken-read', severity: 'CRITICAL', principal: `arn:aws:iam::${ACCOUNT}:user/christophe`, secrets: 1, events: 1 }],
  'panther-access-denied-probing.json': [{ kind: 'access-denied-probing', severity: 'MEDIUM', principal: `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/us-west-2/AWSReservedSSO_DevAdmin_635426549a280cc6`, secrets: 6, events: 6 }],
  'panther-access-denied-then-read.json': [{ kind: 'access-denied-probing', severity: 'HIGH', principal: `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/us-west-2/AWSReservedSSO_DevAdmin_635426549a280cc6`, secrets: 7, events: 7 }],
  'root-console-read.json': [{ kind: 'root-read', severity: 'HIGH', principal: `arn:aws:iam::${ACCOUNT}:root`, secrets: 1, events: 1 }],
  'cross-account-aws-account-read.json': [{ kind: 'new-reader-account', severity: 'HIGH', principal: 'account:444455556666', secrets: 1, events: 1 }],
  'new-reader-in-vpc.json': [{ kind: 'new-reader', severity: 'MEDIUM', principal: `arn:aws:iam::${ACCOUNT}:role/reporting-batch`, secrets: 1, events: 1 }],
  'instance-credentials-outside-vpc.json': [{ kind: 'new-network-path', severity: 'MEDIUM', principal: `arn:aws:iam::${ACCOUNT}:role/service/payments-api`, secrets: 1, events: 1 }],
};

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-attacks-'));
  const secret = (arn: string, name: string, tags: { Key: string; Value: string }[] = []) => ({ describe: { ARN: arn, Name: name, Tags: tags } });
  const snapshot = {
    snapshotVersion: 1,
    account: ACCOUNT,
    region: 'us-east-1',
    capturedAt: '2026-11-01T00:00:00Z',
    secrets: [
      secret(arnOf('prod/payments/db'), 'prod/payments/db'),
      secret(arnOf('prod/decoy/admin-db'), 'prod/decoy/admin-db', [{ Key: 'vigil:honeytoken', Value: 'true' }]),
      secret(arnOf('prod/billing/stripe-key', 'Ef34Gh'), 'prod/billing/stripe-key'),
    ],
  };
  writeFileSync(join(dir, 'snapshot.json'), JSON.stringify(snapshot));
  // Twenty days of the payments application reading its secret, as CloudTrail delivers a log file to S3.
  writeFileSync(join(dir, 'ordinary.json.gz'), gzipSync(JSON.stringify({ Records: ordinaryTraffic(3000, 20) })));
  return dir;
}

async function audit(dir: string, ...files: string[]): Promise<AuditOutput> {
  const run = await runCli(['audit', ...files, '--snapshot', join(dir, 'snapshot.json'), '--format', 'json']);
  expect(run.stderr).toBe('');
  expect(run.exitCode).toBe(0);
  return JSON.parse(run.stdout) as AuditOutput;
}

describe('recorded attacks', () => {
  it('has an expectation for every recorded attack file', () => {
    expect(fixtureFiles('cloudtrail/attacks').map((f) => f.replace('cloudtrail/attacks/', ''))).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file} fires ${expected.map((e) => `${e.kind} ${e.severity}`).join(', ')} and nothing else`, async () => {
      const dir = workspace();
      const out = await audit(dir, join(dir, 'ordinary.json.gz'), join(EVENTS_DIR, 'cloudtrail', 'attacks', file));
      expect(out.invalid).toEqual([]);
      expect(out.detections.map((d) => ({ kind: d.kind, severity: d.severity, principal: d.principal, secrets: d.secretArns.length, events: d.eventIds.length }))).toEqual(expected);
    });
  }

  it('fires the same when the records come as EventBridge events, as the audit queue receives them', async () => {
    const dir = workspace();
    for (const [file, expected] of Object.entries(EXPECTED)) {
      const { Records } = JSON.parse(readFileSync(join(EVENTS_DIR, 'cloudtrail', 'attacks', file), 'utf8')) as { Records: { eventID: string; eventTime: string; awsRegion: string; recipientAccountId: string }[] };
      const events = Records.map((r) => ({ version: '0', id: `eb-${r.eventID}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.secretsmanager', account: r.recipientAccountId, time: r.eventTime, region: r.awsRegion, resources: [], detail: r }));
      const envelopes = join(dir, `eventbridge-${file}`);
      writeFileSync(envelopes, JSON.stringify(events));
      const out = await audit(dir, join(dir, 'ordinary.json.gz'), envelopes);
      expect(out.detections.map((d) => `${d.kind} ${d.severity}`), file).toEqual(expected.map((e) => `${e.kind} ${e.severity}`));
    }
  });

  it('names the secrets of the stratus run, in the order of event time, and the decoy by its ARN', async () => {
    const dir = workspace();
    const bulk = (await audit(dir, join(EVENTS_DIR, 'cloudtrail/attacks/stratus-retrieve-secrets.json'))).detections[0];
    // The detonation's records are not in event time in the file; the burst still names all twenty secrets once.
    expect(new Set(bulk?.secretArns.map((arn) => /retrieve-secret-(\d+)-/.exec(arn)?.[1]))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => String(i))));
    const decoy = (await audit(dir, join(EVENTS_DIR, 'cloudtrail/attacks/stratus-honeytoken-read.json'))).detections[0];
    expect(decoy?.secretArns).toEqual([arnOf('prod/decoy/admin-db')]);
  });

  it('names the other account of a caller it does not identify (AWSAccount)', async () => {
    const dir = workspace();
    const out = await audit(dir, join(EVENTS_DIR, 'cloudtrail/attacks/cross-account-aws-account-read.json'));
    expect(out.detections[0]).toMatchObject({ principalAccount: '444455556666' });
  });
});

describe('recorded ordinary traffic', () => {
  it('stays silent: an application role reading its secret thousands of times from changing sessions and addresses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-ordinary-'));
    const log = join(dir, 'month.json.gz');
    writeFileSync(log, gzipSync(JSON.stringify({ Records: ordinaryTraffic(6000, 30) })));
    const out = await audit(workspace(), log);
    expect(out.detections).toEqual([]);
    expect(out.readers).toMatchObject([{ secretArn: arnOf('prod/payments/db'), principal: `arn:aws:iam::${ACCOUNT}:role/service/payments-api`, reads: 6000, denied: 0, vpcEndpoints: ['vpce-0a1b2c3d4e5f60718'] }]);
  });

  it('counts each read once when the trail also logs its network activity event, and a denial by the endpoint policy as a denial', async () => {
    const dir = workspace();
    // The VPC endpoint owner's copy of each read (eventCategory NetworkActivity), as a trail logging network activity writes it.
    const reads = ordinaryTraffic(2000, 20);
    const copies = reads.map((r) => readRecord('GetSecretValue-network-activity-vpce.json', { time: String(r['eventTime']), ip: String(r['sourceIPAddress']), session: String((r['userIdentity'] as { arn: string }).arn.split('/').at(-1)) }));
    const denied = readRecord('GetSecretValue-vpce-access-denied.json', { time: '2026-11-20T09:00:00Z' });
    const log = join(dir, 'with-network-activity.json.gz');
    writeFileSync(log, gzipSync(JSON.stringify({ Records: [...reads, ...copies, denied] })));
    const out = await audit(dir, log);
    expect(out.invalid).toEqual([]);
    expect(out.detections).toEqual([]);
    expect(out.readers.map((r) => [r.principal, r.reads, r.denied]).sort()).toEqual([
      ['account:444455556666', 0, 1],
      [`arn:aws:iam::${ACCOUNT}:role/service/payments-api`, 2000, 0],
    ]);
  });
});
