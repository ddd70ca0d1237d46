// `npm run fuzz [-- --runs N]`: every loader under a million generated and mutated inputs (split across them), and the
// resource-policy analysis against the independent model of DESIGN.md (fuzz/policy-model.ts) on generated policies.
// A counterexample is written to events/fuzz-counterexamples/ as a fixture, and the run exits 1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { findPolicyDir, loadPolicyFile } from '../src/controls/engine.js';
import { fuzzTargets, policyTarget } from './properties.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const total = runsArg ? Number(runsArg.slice('--runs='.length)) : 1_000_000;
const targets = [...fuzzTargets(root), policyTarget(loadPolicyFile(join(findPolicyDir(join(root, 'policies', 'build')), 'policy.wasm')))];
let failed = false;
for (const target of targets) {
  const runs = Math.ceil(total / targets.length);
  const start = Date.now();
  const result = fc.check(fc.property(target.input, (input) => target.check(input)), { numRuns: runs });
  if (result.failed) {
    failed = true;
    const dir = join(root, 'events', 'fuzz-counterexamples');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${target.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result.counterexample?.[0] ?? null, null, 2)}\n`);
    process.stdout.write(`${target.name}: COUNTEREXAMPLE after ${result.numRuns} runs (seed ${result.seed}): ${String(result.errorInstance)}\n  saved as ${file}\n`);
  } else {
    process.stdout.write(`${target.name}: ${runs.toLocaleString('en-US')} cases, no counterexample (${((Date.now() - start) / 1000).toFixed(0)} s, seed ${result.seed})\n`);
  }
}
process.exitCode = failed ? 1 : 0;
