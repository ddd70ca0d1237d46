import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric } from './metrics.js';

const FUNCTIONS: Record<string, string> = { onEvent: 'on-event', sweep: 'sweep', configRule: 'config-rule' };

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
  const bare = median(Array.from({ length: 7 }, () => wallMs(['-e', ''], root)));
  for (const [fn, file] of Object.entries(FUNCTIONS)) {
    const dir = join(unpacked, fn);
    mkdirSync(dir, { recursive: true });
    execFileSync('unzip', ['-q', join(out, `${fn}.zip`), '-d', dir]);
    const bundle = join(dir, 'functions', `${file}.mjs`);
    metrics.push({ metric: `bundle.kb.${fn}`, value: statSync(bundle).size / 1024, unit: 'KB (minified, without the wasm)', target: { op: '<=', value: 500 } });
    const probe = `const t=Date.now();await import(${JSON.stringify(bundle)});const {loadPolicy}=await import('@open-policy-agent/opa-wasm');const {readFileSync}=await import('node:fs');await loadPolicy(readFileSync(${JSON.stringify(join(dir, 'policies', 'build', 'policy.wasm'))}));`;
    const cold = median(Array.from({ length: 7 }, () => wallMs(['--input-type=module', '-e', probe], root)));
    metrics.push({ metric: `init.ms.${fn}`, value: cold - bare, unit: `ms (fresh node: import the bundle + load the policy, less a bare start of ${bare.toFixed(0)} ms; median of 7)`, target: { op: '<=', value: 150 } });
  }
  rmSync(out, { recursive: true, force: true });
  return metrics;
}
