import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_SECRETS } from '../src/demo/account.js';
import { ensureMotoServer, startEmulator } from '../src/demo/emulator.js';
import { runDemo } from '../src/demo/run.js';
import { EVENTS_DIR } from './helpers/fixtures.js';

const ROOT = join(EVENTS_DIR, '..');

describe('vigil demo, as a newcomer runs it', () => {
  it('seeds an emulator, writes every report, plays the incident and the theft, shows the alerts on-call received and who read each secret', () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), 'demo', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).not.toMatch(/Error|error/);
    expect(run.status).toBe(0);
    const stdout = run.stdout;
    expect(stdout).toContain(`Open this first: ${join(out, 'report.html')}`);
    expect(readdirSync(out).sort()).toEqual(['access.csv', 'findings.asff.json', 'findings.csv', 'findings.ocsf.json', 'frameworks.json', 'report.html', 'report.json', 'report.md']);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { summary: { secrets: number } };
    expect(report.summary.secrets).toBe(DEMO_SECRETS.length);
    const subjects = stdout.split('\n').filter((l) => l.trimStart().startsWith('── ')).map((l) => l.trim().slice(3));
    expect(subjects).toEqual([
      '[CRITICAL] prod/orders/db-credentials now fails no-public-principal (123456789012 us-east-1)',
      '[HIGH] prod/orders/db-credentials now fails no-untrusted-cross-account (123456789012 us-east-1)',
      '[CRITICAL] Secret prod/legacy/ftp-password force-deleted, no recovery (123456789012 us-east-1)',
      '[HIGH] Rotation of prod/payments/db-credentials failed (123456789012 us-east-1)',
      expect.stringMatching(/^\[CRITICAL\] KMS key scheduled for deletion: \d+ secrets at risk \(123456789012 us-east-1\)$/),
      // The theft, through the read rule, SQS and the audit function: the burst and the honeytoken, nothing for the application's reads.
      'vigil HIGH: bulk-retrieval by 123456789012:user/ci/deploy-bot (21 secrets)',
      expect.stringMatching(/^vigil CRITICAL: honeytoken-read by 123456789012:user\/ci\/deploy-bot \(prod\/admin\/master-db-credential/),
    ]);
    expect(stdout).toContain('the read rule routed the 26 reads (ListSecrets is no read) to the audit function in one batch.');
    expect(stdout).toContain('Network: source IPs 198.51.100.23');
    const theftAlerts = stdout.slice(stdout.indexOf('6. What on-call received about the theft'), stdout.indexOf('\n7. '));
    expect(theftAlerts).toContain('bulk-retrieval');
    expect(theftAlerts).not.toContain('payments-api');
    // What the emulator cannot hold, from recorded secrets: an untrusted cross-account replica, and a replica's second policy judged by name.
    expect(stdout).toContain('FAIL HIGH no-untrusted-replica on prod/ledger/db-credentials: The secret is replicated to account 999988887777');
    expect(stdout).toContain('FAIL HIGH no-untrusted-cross-account on shared/partner-token: The "cross-account-replication" resource policy\'s statement "CrossAccountReplication" reaches 999988887777');
    expect(stdout).toContain('FAIL MEDIUM replication-healthy on shared/partner-token');
    expect(stdout).toContain('EventBridge delivered 4 events to vigil\'s handler through the deployed rule patterns.');
    expect(stdout).toMatch(/Done in [\d.]+ s: 31 secrets swept, \d+ failing findings before the incident and \d+ after, 5 incident alerts and 2 theft detections delivered, no secret value read\./);
    // The last sweep, with the readers the audit kept: the stolen key new on every secret it read, the application its usual reader.
    const newSince = /(\d+) secrets? read by (\d+) principals?, (\d+) not read; (\d+) with new readers since (\S+)\./.exec(stdout);
    expect(newSince?.slice(1, 5)).toEqual(['21', '2', '10', '21']);
    expect(stdout).toContain(`arn:aws:iam::123456789012:user/ci/deploy-bot read 21 secrets, 21 times from 198.51.100.23: a new reader of all 21 since the last sweep (${newSince?.[5]}`);
    expect(stdout).toContain('arn:aws:iam::123456789012:role/service/payments-api read 1 secret (prod/payments/db-credentials), 5 times through vpce-0a1b2c3d4e5f60718: a reader since before the last sweep');
    expect(stdout).toContain('prod/payments/db-credentials: read by its usual reader arn:aws:iam::123456789012:role/service/payments-api and, new, arn:aws:iam::123456789012:user/ci/deploy-bot.');
    expect(stdout).toMatch(/On-call's queue got its summary: "vigil sweep 123456789012: \d+ failing"/);
    const rows = readFileSync(join(out, 'access.csv'), 'utf8').trim().split('\r\n').slice(1).map((line) => line.split(','));
    const byBot = rows.filter((r) => r[4] === 'arn:aws:iam::123456789012:user/ci/deploy-bot');
    expect(byBot).toHaveLength(21);
    expect(new Set(byBot.map((r) => r[6]))).toEqual(new Set(['new']));
    expect(byBot.map((r) => r[2])).toContain('prod/admin/master-db-credentials');
    expect(rows.filter((r) => r[4] === 'arn:aws:iam::123456789012:role/service/payments-api').map((r) => [r[2], r[6], r[9]])).toEqual([['prod/payments/db-credentials', '', '5']]);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<section id="access"><h2>Who read each secret</h2>');
    expect(html).toMatch(/<section class="secret-access" data-secret="prod\/payments\/db-credentials" data-new-readers="1"><h3>prod\/payments\/db-credentials <span class="cnt">2 readers, 1 new<\/span>/);
    expect(html).toContain('arn:aws:iam::123456789012:user/ci/deploy-bot <span class="new">new reader</span>');
    const everything = stdout + run.stderr + readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8')).join('');
    expect(everything).not.toContain('demo-placeholder-for-');
  });
});

describe('vigil demo, run again', () => {
  it('runs twice against one emulator, each time from an empty account', async () => {
    const emulator = await startEmulator();
    try {
      const run = async () => {
        const lines: string[] = [];
        const summary = await runDemo({ endpointUrl: emulator.endpoint, outDir: mkdtempSync(join(tmpdir(), 'vigil-demo-again-')), print: (l) => lines.push(l), clock: () => Date.now() / 1000 });
        return { secrets: summary.secrets, alerts: summary.alerts.length, access: summary.access, reset: lines.some((l) => l.startsWith(`Reset the emulator at ${emulator.endpoint}`)) };
      };
      const first = await run();
      expect(await run()).toEqual(first);
      expect(first).toEqual({ secrets: DEMO_SECRETS.length, alerts: 7, access: { secretsRead: 21, principals: 2, secretsWithNewReaders: 21 }, reset: true });
    } finally {
      await emulator.stop();
    }
  });
});

describe('the demo\'s own moto install', () => {
  /** A project root without moto, and a python3 that logs how it is called; `venv` is what `python3 -m venv` does. */
  function fakeProject(venv: string) {
    const root = mkdtempSync(join(tmpdir(), 'vigil-venv-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ config: { motoVersion: '5.2.1' } }));
    const python3 = join(root, 'python3');
    writeFileSync(python3, `#!/bin/sh\necho "$@" >> ${root}/python3.log\n[ "$1" = "--version" ] && exit 0\n${venv}\n`);
    chmodSync(python3, 0o755);
    return { root, python3, setting: { root, path: '', python3 } };
  }
  const pipThatInstallsMoto = (root: string) => {
    mkdirSync(join(root, '.venv', 'bin'), { recursive: true });
    const pip = join(root, '.venv', 'bin', 'pip');
    writeFileSync(pip, `#!/bin/sh\necho "$@" >> ${root}/pip.log\ntouch ${root}/.venv/bin/moto_server\n`);
    chmodSync(pip, 0o755);
  };

  it('installs moto into a .venv that scripts/tools.sh made, without creating it again', () => {
    const { root, setting } = fakeProject('exit 1');
    pipThatInstallsMoto(root);
    writeFileSync(join(root, '.venv', 'pyvenv.cfg'), 'made by scripts/tools.sh\n');
    expect(ensureMotoServer(() => undefined, setting)).toBe(join(root, '.venv', 'bin', 'moto_server'));
    expect(readFileSync(join(root, 'python3.log'), 'utf8')).toBe('--version\n');
    expect(readFileSync(join(root, 'pip.log'), 'utf8')).toBe('install --quiet moto[server]==5.2.1\n');
    expect(readFileSync(join(root, '.venv', 'pyvenv.cfg'), 'utf8')).toBe('made by scripts/tools.sh\n');
  });

  it('names python3-venv when python3 cannot create a virtual environment', () => {
    const { root, setting } = fakeProject('echo "The virtual environment was not created successfully because ensurepip is not available." >&2; exit 1');
    expect(() => ensureMotoServer(() => undefined, setting)).toThrow(/apt-get install python3-venv/);
    expect(existsSync(join(root, 'pip.log'))).toBe(false);
  });
});
