import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_SECRETS } from '../src/demo/account.js';
import { EVENTS_DIR } from './helpers/fixtures.js';

const ROOT = join(EVENTS_DIR, '..');

describe('vigil demo, as a newcomer runs it', () => {
  it('seeds an emulator, writes every report, plays the incident and shows the alerts on-call received', () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'demo', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).not.toMatch(/Error|error/);
    expect(run.status).toBe(0);
    const stdout = run.stdout;
    expect(stdout).toContain(`Open this first: ${join(out, 'report.html')}`);
    expect(readdirSync(out).sort()).toEqual(['findings.asff.json', 'findings.csv', 'findings.ocsf.json', 'frameworks.json', 'report.html', 'report.json', 'report.md']);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { summary: { secrets: number } };
    expect(report.summary.secrets).toBe(DEMO_SECRETS.length);
    const subjects = stdout.split('\n').filter((l) => l.trimStart().startsWith('── ')).map((l) => l.trim().slice(3));
    expect(subjects).toEqual([
      '[CRITICAL] prod/orders/db-credentials now fails no-public-principal (123456789012 us-east-1)',
      '[HIGH] prod/orders/db-credentials now fails no-untrusted-cross-account (123456789012 us-east-1)',
      '[CRITICAL] Secret prod/legacy/ftp-password force-deleted, no recovery (123456789012 us-east-1)',
      '[HIGH] Rotation of prod/payments/db-credentials failed (123456789012 us-east-1)',
      expect.stringMatching(/^\[CRITICAL\] KMS key scheduled for deletion: \d+ secrets at risk \(123456789012 us-east-1\)$/),
    ]);
    expect(stdout).toContain('EventBridge delivered 4 events to vigil\'s handler through the deployed rule patterns.');
    expect(stdout).toMatch(/Done in [\d.]+ s: 31 secrets swept, \d+ failing findings, 5 alerts delivered, no secret value read\./);
    const everything = stdout + run.stderr + readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8')).join('');
    expect(everything).not.toContain('demo-placeholder-for-');
  });
});
