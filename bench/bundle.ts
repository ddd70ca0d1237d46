import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric } from './metrics.js';

const FUNCTIONS: Record<string, string> = { onEvent: 'on-event', sweep: 'sweep', configRule: 'config-rule' };
const ROUNDS = 15;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function wallMs(args: string[], cwd: string): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1' } });
  if (run.status !== 0) throw new Error(`bench: ${args.join(' ')} failed: ${run.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Each function's minified bundle (without the wasm), and its cold start: import + policy load, less a bare Node start. */
export function benchBundles(root: string): Metric[] {
  const out = mkdtempSync(join(tmpdir(), 'vigil-bundle-'));
  execFileSync(process.execPath, [join(root, 'scripts', 'package.mjs'), '--package', out], { cwd: root, stdio: 'ignore' });
  // Unpacked inside the project, so `@aws-sdk/*` resolves from node_modules as it does from the Lambda runtime.
  const unpacked = join(root, '.cache', 'bundles');
  rmSync(unpacked, { recursive: true, force: true });
  const metrics: Metric[] = [];
  const probes: Record<string, string> = {};
  for (const [fn, file] of Object.entries(FUNCTIONS)) {
    const dir = join(unpacked, fn);
    mkdirSync(dir, { recursive: true });
    execFileSync('unzip', ['-q', join(out, `${fn}.zip`), '-d', dir]);
    const bundle = join(dir, 'functions', `${file}.cjs`);
    metrics.push({ metric: `bundle.kb.${fn}`, value: statSync(bundle).size / 1024, unit: 'KB (minified, without the wasm)', target: { op: '<=', value: 500 } });
    // The handler starts loading its policy as it is required (as in a Lambda's init phase); the probe waits for it.
    probes[fn] = `require(${JSON.stringify(bundle)}).policyLoaded.then((ok) => { if (!ok) { console.error('the bundled handler could not load its policy'); process.exit(3); } });`;
  }
  // Rounds interleave a bare start with each probe, so a busy moment on the machine weighs on both sides of the difference.
  const bare: number[] = [];
  const cold: Record<string, number[]> = Object.fromEntries(Object.keys(probes).map((fn) => [fn, []]));
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(wallMs(['-e', ''], root));
    for (const [fn, probe] of Object.entries(probes)) cold[fn]?.push(wallMs(['-e', probe], root));
  }
  const bareMs = median(bare);
  for (const fn of Object.keys(probes)) {
    metrics.push({ metric: `init.ms.${fn}`, value: median(cold[fn] ?? []) - bareMs, unit: `ms (fresh node: require the bundle, which loads its policy, less a bare start of ${bareMs.toFixed(0)} ms; medians of ${ROUNDS})`, target: { op: '<=', value: 150 } });
  }
  rmSync(out, { recursive: true, force: true });
  return metrics;
}
