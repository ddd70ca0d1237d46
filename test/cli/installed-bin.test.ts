import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandJsonReport, type JsonReport } from '../../src/reports/index.js';
import { ROOT, runProcess } from '../helpers/bin.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

// The package as a user gets it: packed (prepack builds it), installed into a prefix of its own with `npm install -g`,
// and run through the symlink npm puts on PATH. The dependencies' tarballs come from the npm cache where `npm ci` left them,
// but npm asks the registry for each one's metadata (npm ci never fetched it): on a fresh machine that is about 95 requests.
// npm waits five minutes for a request that stalls and then tries twice more; here it gives up on one after 30 s and asks again.
const FETCH = ['--prefer-offline', '--fetch-timeout=30000', '--fetch-retries=4', '--fetch-retry-mintimeout=1000', '--fetch-retry-maxtimeout=10000', '--no-audit', '--no-fund'];
const SNAPSHOT = join(EVENTS_DIR, 'snapshots', 'acme-prod.json');
const PARAMS = join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json');
const NOW = '2026-11-20T00:00:00Z';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let vigil: string;
let installed: string;

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), 'vigil-installed-'));
  const pack = await runProcess(npm, ['pack', '--json', '--pack-destination', work], { timeoutMs: 600_000 });
  expect(pack.exitCode, pack.stderr).toBe(0);
  const tarball = join(work, (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string }[])[0]?.filename ?? '');
  const prefix = join(work, 'prefix');
  const install = await runProcess(npm, ['install', '--global', '--prefix', prefix, ...FETCH, tarball], { cwd: work, timeoutMs: 600_000 });
  expect(install.exitCode, install.stderr).toBe(0);
  vigil = join(prefix, 'bin', 'vigil');
  installed = join(prefix, 'lib', 'node_modules', 'vigil');
}, 900_000);

describe('the installed vigil bin', () => {
  it('prints its version, the package\'s', async () => {
    const run = await runProcess(vigil, ['--version'], { cwd: tmpdir() });
    expect(run).toMatchObject({ exitCode: 0, stdout: `${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n` });
  });

  it('runs a sweep of a snapshot and prints the JSON report', async () => {
    const run = await runProcess(vigil, ['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--format', 'json'], { cwd: tmpdir() });
    expect(run.exitCode, run.stderr).toBe(0);
    const report = expandJsonReport(JSON.parse(run.stdout) as JsonReport);
    expect(report.findings).toHaveLength(15 * 11);
    expect(report.scope.account).toBe('111122223333');
  });

  it('exits 1 when --fail-on trips, with one stderr line naming the findings that tripped it', async () => {
    const run = await runProcess(vigil, ['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--fail-on', 'CRITICAL'], { cwd: tmpdir() });
    expect(run.exitCode).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    // The fixture's CRITICAL controls: no-public-principal fails for payments-key, and two policies could not be read.
    expect(lines[0]).toBe('vigil: --fail-on CRITICAL tripped by 3 findings: prod/api/payments-key no-public-principal (CRITICAL FAIL), prod/api/broken-policy no-public-principal (CRITICAL ERROR), prod/api/restricted no-public-principal (CRITICAL ERROR)');
  });

  it('runs linked to the checkout, as README installs it (npm install -g .)', async () => {
    // The pack above built dist/ (prepack); a directory install links the checkout itself.
    const prefix = mkdtempSync(join(tmpdir(), 'vigil-linked-'));
    const link = await runProcess(npm, ['install', '--global', '--prefix', prefix, ...FETCH, ROOT], { cwd: tmpdir(), timeoutMs: 600_000 });
    expect(link.exitCode, link.stderr).toBe(0);
    const run = await runProcess(join(prefix, 'bin', 'vigil'), ['sweep', '--snapshot', SNAPSHOT, '--now', NOW, '--format', 'json'], { cwd: tmpdir() });
    expect(run.exitCode, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as JsonReport).summary.secrets).toBe(15);
  }, 600_000);

  it('runs the same through another symlink and as node dist/...', async () => {
    const link = join(mkdtempSync(join(tmpdir(), 'vigil-link-')), 'vigil');
    symlinkSync(vigil, link);
    expect(await runProcess(link, ['--version'], { cwd: tmpdir() })).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
    const direct = await runProcess(process.execPath, [join(installed, 'dist', 'src', 'cli', 'bin.js'), 'sweep', '--snapshot', SNAPSHOT, '--now', NOW, '--format', 'json'], { cwd: tmpdir() });
    expect(direct.exitCode, direct.stderr).toBe(0);
    expect((JSON.parse(direct.stdout) as JsonReport).summary.secrets).toBe(15);
  });
});
