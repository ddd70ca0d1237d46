import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metric } from './metrics.js';

const SECRETS = 100_000;
const here = dirname(fileURLToPath(import.meta.url));

/**
 * A snapshot of `count` secrets: the acme-prod fixture's fifteen (passing, failing, exempted, unreadable) repeated under
 * new names, so the report has the fixture's mix of statuses.
 */
export function writeGeneratedSnapshot(eventsDir: string, count: number, file: string): void {
  const fixture = JSON.parse(readFileSync(join(eventsDir, 'snapshots', 'acme-prod.json'), 'utf8')) as { secrets: { describe: { ARN: string; Name: string } }[] } & Record<string, unknown>;
  const secrets = Array.from({ length: count }, (_, i) => {
    const template = fixture.secrets[i % fixture.secrets.length] as (typeof fixture.secrets)[number];
    const suffix = `-${String(i).padStart(6, '0')}`;
    // The ARN ends in "-" and six random characters, which stay last.
    const arn = template.describe.ARN;
    return { ...template, describe: { ...template.describe, ARN: `${arn.slice(0, -7)}${suffix}${arn.slice(-7)}`, Name: `${template.describe.Name}${suffix}` } };
  });
  writeFileSync(file, JSON.stringify({ ...fixture, secrets }));
}

/** `vigil sweep --snapshot` of 100,000 secrets with `--out` (every format), as a child process: its peak memory and report sizes. */
export function benchReport(root: string): Metric[] {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-report-'));
  try {
    const snapshot = join(dir, 'snapshot.json');
    writeGeneratedSnapshot(join(root, 'events'), SECRETS, snapshot);
    const out = join(dir, 'reports');
    const rssFile = join(dir, 'max-rss');
    const start = performance.now();
    const run = spawnSync(
      process.execPath,
      ['--import', join(here, 'max-rss.js'), join(root, 'dist', 'src', 'cli', 'bin.js'), 'sweep', '--snapshot', snapshot, '--params', join(root, 'events', 'snapshots', 'acme-prod.params.json'), '--now', '2026-11-20T00:00:00Z', '--out', out],
      { env: { ...process.env, VIGIL_BENCH_MAX_RSS_FILE: rssFile }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 },
    );
    const seconds = (performance.now() - start) / 1000;
    if (run.status !== 0) process.stderr.write(`report bench: vigil sweep exited ${run.status ?? run.signal}: ${run.stderr.toString().slice(0, 2000)}\n`);
    const peakMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
    const size = (name: string) => statSync(join(out, name)).size;
    const files = readdirSync(out);
    const total = files.reduce((n, f) => n + size(f), 0);
    return [
      { metric: 'report.bytes_per_secret.json', value: size('report.json') / SECRETS, unit: `bytes of report.json per secret (${SECRETS.toLocaleString('en-US')} secrets, every control)`, target: { op: '<=', value: 2000 } },
      { metric: 'report.peak_rss_mb.100k', value: peakMb, unit: `MB peak RSS of vigil sweep --snapshot --out, ${files.length} files, ${Math.round(total / 1e6).toLocaleString('en-US')} MB written`, target: { op: '<=', value: 1024 } },
      { metric: 'report.exit_code.100k', value: run.status ?? -1, unit: 'exit code of that sweep', target: { op: '<=', value: 0 } },
      { metric: 'report.seconds.100k', value: seconds, unit: 's wall for that sweep, snapshot to every report file' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
