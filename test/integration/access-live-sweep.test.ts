import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import type { JsonReport } from '../../src/reports/index.js';
import { DAY, T0, readRecord } from '../audit/traffic.js';
import { runCli } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

const ACCOUNT = '123456789012';
const APP = `arn:aws:iam::${ACCOUNT}:role/service/payments-api`;
let emulator: Emulator;
let payments: string;

beforeAll(async () => {
  emulator = await startEmulator();
  payments = (await secretsManagerClient(emulator.aws()).send(new CreateSecretCommand({ Name: 'prod/payments/db', SecretString: 'placeholder' }))).ARN as string;
});

afterAll(async () => {
  await emulator?.stop();
});

describe('vigil audit --state, then vigil sweep --state of the live account', () => {
  it('lists the readers of each secret, reads by name resolved through the secrets the state stored, and keeps them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-access-live-'));
    const state = join(dir, 'state.json');
    const live = ['sweep', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--state', state];
    expect((await runCli([...live, '--format', 'json'])).exitCode).toBe(0);

    // The application calls its secret by name, as applications do.
    const records = Array.from({ length: 12 }, (_, i) => readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 + i * DAY, secretId: 'prod/payments/db', account: ACCOUNT }));
    const log = join(dir, 'trail.json.gz');
    writeFileSync(log, gzipSync(JSON.stringify({ Records: records })));
    const audit = await runCli(['audit', log, '--state', state, '--format', 'json']);
    expect(audit.exitCode).toBe(0);
    expect(JSON.parse(audit.stdout).readers.map((r: { secretArn: string }) => r.secretArn)).toEqual([payments]);

    for (const out of ['first', 'again']) {
      const run = await runCli([...live, '--out', join(dir, out)]);
      expect(run.exitCode, run.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, out, 'report.json'), 'utf8')) as JsonReport;
      const secret = report.secrets.find((s) => s.arn === payments);
      expect(secret?.readers?.map((r) => [r.principal, r.reads])).toEqual([[APP, 12]]);
      expect(report.access).toMatchObject({ audited: true, secretsRead: 1, principals: 1 });
      expect(readFileSync(join(dir, out, 'access.csv'), 'utf8')).toContain(`,${APP},${ACCOUNT},`);
    }
  });
});
