import { CreateSecretCommand, PutResourcePolicyCommand, UpdateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandJsonReport, type JsonReport } from '../../src/reports/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsClient } from '../../src/aws/clients/kms.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { DEFAULT_PARAMS, evaluateSecrets } from '../../src/controls/index.js';
import { policyDocument } from '../../src/demo/account.js';
import { readInventory, rememberSweep } from '../../src/inventory/index.js';
import { FileStateStore } from '../../src/state/index.js';
import { runCli } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

const ACCOUNT = '123456789012';
let emulator: Emulator;
const arns: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  const sm = secretsManagerClient(emulator.aws());
  for (let i = 0; i < 12; i += 1) arns.push((await sm.send(new CreateSecretCommand({ Name: `incremental/${i}`, SecretString: 'x', Tags: [{ Key: 'team', Value: 't' }] }))).ARN as string);
});

afterAll(async () => {
  await emulator?.stop();
});

async function sweep(store: FileStateStore, full = false) {
  const aws = emulator.aws();
  const inventory = await readInventory({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws), store, full, policyRatePerSecond: 1000 });
  const findings = await evaluateSecrets(inventory.states, { now: Date.parse('2026-12-04T12:00:00Z') / 1000, params: DEFAULT_PARAMS });
  await rememberSweep(store, inventory, findings, Date.now() / 1000);
  await store.putMeta({ filledAt: Date.now() / 1000 });
  const publicFailures = inventory.states.filter((_, i) => findings[i]?.some((f) => f.controlId === 'no-public-principal' && f.status === 'FAIL')).map((s) => s.arn);
  return { inventory, publicFailures };
}

describe('the incremental sweep', () => {
  it('reads every secret the first time, none the second, and sees a policy changed between sweeps', async () => {
    const store = await FileStateStore.open();
    const first = await sweep(store);
    expect(first.inventory.apiCalls.getResourcePolicy).toBe(12);
    expect(first.inventory.memory?.fresh.size).toBe(12);

    const second = await sweep(store);
    expect(second.inventory.apiCalls).toMatchObject({ listSecrets: 1, getResourcePolicy: 0 });
    expect(second.inventory.memory?.fresh.size).toBe(0);

    // A change AWS records in LastChangedDate: the next sweep reads that secret, and only it.
    await new Promise((r) => setTimeout(r, 1100));
    await secretsManagerClient(emulator.aws()).send(new UpdateSecretCommand({ SecretId: arns[2], Description: 'moved' }));
    const third = await sweep(store);
    expect([...(third.inventory.memory?.fresh ?? [])]).toEqual([arns[2]]);

    // moto leaves LastChangedDate alone on PutResourcePolicy (what AWS does is not documented either way): the event
    // Lambda marks the secret dirty, and the next sweep reads it.
    await secretsManagerClient(emulator.aws()).send(new PutResourcePolicyCommand({ SecretId: arns[3], ResourcePolicy: policyDocument('public', ACCOUNT) }));
    expect((await sweep(store)).publicFailures).toEqual([]);
    await store.markDirty(arns[3] as string, 'PutResourcePolicy');
    const fourth = await sweep(store);
    expect(fourth.publicFailures).toEqual([arns[3]]);
    expect([...(fourth.inventory.memory?.fresh ?? [])]).toEqual([arns[3]]);
  });

  it('reads a secret an event marked dirty, and every secret on a full refresh', async () => {
    const store = await FileStateStore.open();
    await sweep(store);
    await store.markDirty(arns[5] as string, 'ReplicateSecretToRegions');
    const marked = await sweep(store);
    expect([...(marked.inventory.memory?.fresh ?? [])]).toEqual([arns[5]]);
    expect((await store.getSecret(arns[5] as string))?.dirty).toBe(false);
    const full = await sweep(store, true);
    expect(full.inventory.apiCalls.getResourcePolicy).toBe(12);
  });
});

describe('vigil sweep --state', () => {
  it('gives the same findings offline, from the state file, as the live sweep that filled it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-state-cli-')), 'state.jsonl');
    const now = ['--now', '2026-12-04T12:00:00Z'];
    const live = await runCli(['sweep', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--state', file, '--format', 'json', ...now]);
    expect(live.exitCode, live.stderr).toBe(0);
    const again = await runCli(['sweep', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--state', file, '--format', 'json', ...now]);
    const offline = await runCli(['sweep', '--state', file, '--offline', '--format', 'json', ...now]);
    expect(offline.exitCode, offline.stderr).toBe(0);
    const findings = (text: string) => expandJsonReport(JSON.parse(text) as JsonReport).findings.map((f) => `${f.resource.arn} ${f.controlId} ${f.status}`).sort();
    expect(findings(offline.stdout)).toEqual(findings(live.stdout));
    expect(findings(again.stdout)).toEqual(findings(live.stdout));
    const scope = (text: string) => (JSON.parse(text) as { scope: { freshness?: { readFresh: number; fromStore: number } } }).scope.freshness;
    expect(scope(live.stdout)).toMatchObject({ readFresh: arns.length, fromStore: 0 });
    expect(scope(again.stdout)).toMatchObject({ readFresh: 0, fromStore: arns.length });
  });

  it('writes the same report files offline as live, the public statement quoted in full in report.html', async () => {
    await secretsManagerClient(emulator.aws()).send(new PutResourcePolicyCommand({ SecretId: arns[11], ResourcePolicy: policyDocument('public', ACCOUNT) }));
    const dir = mkdtempSync(join(tmpdir(), 'vigil-state-out-'));
    const file = join(dir, 'state.jsonl');
    const now = ['--now', '2026-12-04T12:00:00Z'];
    const live = await runCli(['sweep', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--state', file, '--out', join(dir, 'live'), ...now]);
    expect(live.exitCode, live.stderr).toBe(0);
    const offline = await runCli(['sweep', '--state', file, '--offline', '--out', join(dir, 'offline'), ...now]);
    expect(offline.exitCode, offline.stderr).toBe(0);
    for (const run of ['live', 'offline']) {
      const html = readFileSync(join(dir, run, 'report.html'), 'utf8');
      const row = html.split('</tr>').find((r) => r.includes('incremental/11') && r.includes('data-control="no-public-principal"')) ?? '';
      expect(row, run).toContain('statement &#34;AnyoneCanRead&#34;, in full:</div><pre class="statement">');
      expect(row, run).toContain('&#34;Principal&#34;: &#34;*&#34;');
    }
    // All but when it was made, where the secrets came from, and what only the live read knew (moto lacks ListResourcePolicies).
    const body = (run: string) => {
      const { generatedAt: _generated, scope: _scope, unreadable, ...rest } = JSON.parse(readFileSync(join(dir, run, 'report.json'), 'utf8')) as JsonReport;
      return { ...rest, unreadable: unreadable.filter((u) => u.field !== 'ListResourcePolicies') };
    };
    expect(body('offline')).toEqual(body('live'));
    expect(readFileSync(join(dir, 'offline', 'findings.csv'), 'utf8')).toBe(readFileSync(join(dir, 'live', 'findings.csv'), 'utf8'));
  });

  it('refuses --offline without --state, with exit code 2', async () => {
    const run = await runCli(['sweep', '--offline']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--offline needs --state FILE');
  });
});
