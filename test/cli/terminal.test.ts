import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { WriteStream } from 'node:tty';
import { describe, expect, it } from 'vitest';
import { colourWanted } from '../../src/cli/main.js';
import { progressReporter } from '../../src/cli/progress.js';
import { expandJsonReport, type JsonReport } from '../../src/reports/index.js';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

const SNAPSHOT = join(EVENTS_DIR, 'snapshots', 'acme-prod.json');
const NOW = '2026-11-20T00:00:00Z';

function fakeStream(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true }) as unknown as NodeJS.WriteStream;
  let written = '';
  (stream as unknown as PassThrough).on('data', (chunk: Buffer) => (written += chunk.toString()));
  return { stream, written: () => written };
}

describe('vigil on a terminal', () => {
  it('offers only snapshot\'s options in snapshot --help', async () => {
    const run = await runCli(['snapshot', '--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('--out <file>');
    expect(run.stdout).toContain('--region <region>');
    for (const other of ['--snapshot', '--fail-on', '--params', '--format', '--all-regions', 'repeatable']) expect(run.stdout).not.toContain(other);
  });

  it('writes only the formats --formats names', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-formats-'));
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--now', NOW, '--out', out, '--formats', 'json,html']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['report.html', 'report.json']);
  });

  it('lists failures in the table, and every finding with --verbose', async () => {
    const plain = await runCli(['sweep', '--snapshot', SNAPSHOT, '--now', NOW]);
    expect(plain.stdout).not.toMatch(/^PASS /m);
    expect(plain.stdout).toMatch(/passing or not-applicable findings not listed \(--verbose lists every finding\)/);
    const verbose = await runCli(['sweep', '--snapshot', SNAPSHOT, '--now', NOW, '--verbose']);
    expect(verbose.stdout).toMatch(/^PASS +prod\/db\/orders {2}rotation-enabled/m);
    expect(plain.stdout).not.toContain('\u001b[');
  });

  it('filters what is shown by control and status', async () => {
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--now', NOW, '--format', 'json', '--control', 'unused', '--status', 'FAIL']);
    const report = expandJsonReport(JSON.parse(run.stdout) as JsonReport);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f) => f.controlId === 'unused' && f.status === 'FAIL')).toBe(true);
    // Asking the table for passes lists them, without --verbose as well.
    const passes = await runCli(['sweep', '--snapshot', SNAPSHOT, '--now', NOW, '--control', 'pending-deletion', '--status', 'PASS']);
    expect(passes.stdout).toMatch(/^PASS +\S+ {2}pending-deletion: /m);
    expect(passes.stdout).not.toMatch(/not listed/);
    expect(passes.stdout.split('\n').filter((line) => /^(FAIL|ERROR|NOT_APPLICABLE|CRITICAL|HIGH|MEDIUM|LOW) /.test(line))).toEqual([]);
  });

  it('colours only a terminal that shows colour, and never with NO_COLOR', () => {
    const tty = { isTTY: true, hasColors: () => true };
    expect(colourWanted(tty, {})).toBe(true);
    expect(colourWanted(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourWanted({ isTTY: false, hasColors: () => true }, {})).toBe(false);
    // Node's own test of a terminal, which no-color.org's rule (an empty NO_COLOR is unset) must get past.
    const real = { isTTY: true, hasColors: (env: Record<string, string | undefined>) => WriteStream.prototype.hasColors.call({} as WriteStream, 16, env) };
    expect(colourWanted(real, { TERM: 'xterm-256color', NO_COLOR: '' })).toBe(true);
    expect(colourWanted(real, { TERM: 'xterm-256color', NO_COLOR: '1' })).toBe(false);
    expect(colourWanted(real, { TERM: 'dumb' })).toBe(false);
  });

  it('shows progress only on a terminal, and leaves line wrap alone', () => {
    const pipe = fakeStream(false);
    const quiet = progressReporter(pipe.stream);
    quiet.update('us-east-1', 5, 10);
    quiet.stop();
    expect(pipe.written()).toBe('');
    const terminal = fakeStream(true);
    const bar = progressReporter(terminal.stream);
    bar.update('us-east-1', 5, 10);
    bar.stop();
    expect(terminal.written()).not.toContain('\u001b[?7l');
  });

  it('lists the controls with their parameters', async () => {
    const run = await runCli(['controls', '--format', 'json']);
    const { controls } = JSON.parse(run.stdout) as { controls: { id: string; parameters: Record<string, unknown> }[] };
    expect(controls).toHaveLength(11);
    expect(controls.find((c) => c.id === 'unused')?.parameters).toEqual({ unusedForDays: 90 });
    expect(controls.find((c) => c.id === 'no-untrusted-cross-account')?.parameters).toEqual({ trustedAccounts: [], trustedOrgIds: [] });
    expect(controls.find((c) => c.id === 'no-untrusted-replica')?.parameters).toEqual({ trustedAccounts: [], trustedOrgIds: [], accountOrgIds: {} });
    expect(controls.find((c) => c.id === 'replication-healthy')?.parameters).toEqual({});
  });
});
