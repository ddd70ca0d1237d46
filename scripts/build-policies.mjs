// `npm run policies:build`: compiles policies/*.rego to policies/build/ (policy.wasm, controls.json, manifest.json).
// `--check`: builds into a temporary folder and fails when the result differs from what is committed (CI runs it).
// `--test`: opa fmt, opa check --strict (with the same capabilities), opa test with the coverage gate, then --check.
//
// The wasm may use only the builtins @open-policy-agent/opa-wasm implements. OPA v1 also needs to be told the
// `rego_v1` parser feature exists, which that capabilities file predates, so the build adds that feature and nothing else.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const policiesDir = join(root, 'policies');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const opaVersion = pkg.config.opaVersion;
// Every control's decisions, and those of only the controls the input names (an event touches a few).
const ENTRYPOINTS = ['vigil/decisions', 'vigil/selected'];
const COVERAGE_THRESHOLD = 95;
const check = process.argv.includes('--check');
const test = process.argv.includes('--test');

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
// The opa scripts/tools.sh found or built (npm test runs it first), else the one on PATH.
const opaPath = existsSync(join(root, '.cache', 'tools', 'bin', 'opa')) ? join(root, '.cache', 'tools', 'bin', 'opa') : 'opa';
function opa(...args) {
  try {
    return execFileSync(opaPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if (error.code === 'ENOENT') throw error;
    fail(`opa ${args[0]} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}

function requireOpa() {
  let version;
  try {
    version = /^Version: (.+)$/m.exec(execFileSync(opaPath, ['version'], { encoding: 'utf8' }))?.[1];
  } catch {
    fail(`opa is not installed: bash scripts/tools.sh installs it (npm test runs it first), or go install github.com/open-policy-agent/opa@v${opaVersion}`);
  }
  if (version !== opaVersion) fail(`opa ${version} is at ${opaPath}, but vigil pins ${opaVersion} (package.json config.opaVersion): run bash scripts/tools.sh`);
}

function fail(message) {
  process.stderr.write(`policies:build: ${message}\n`);
  process.exit(1);
}

/** Every .rego source but the tests, relative to the repository, sorted. */
export function policySources() {
  const walk = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'build' ? [] : walk(path);
      return entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego') ? [path] : [];
    });
  return walk(policiesDir).map((p) => relative(root, p)).sort();
}

const wasmCapabilitiesPath = join(root, 'node_modules', '@open-policy-agent', 'opa-wasm', 'capabilities.json');

/** opa-wasm's capabilities plus the rego_v1 parser feature, written into `dir`; returns the file's path. */
function writeCapabilities(dir) {
  const wasmCapabilities = JSON.parse(readFileSync(wasmCapabilitiesPath, 'utf8'));
  const path = join(dir, 'capabilities.json');
  writeFileSync(path, JSON.stringify({ ...wasmCapabilities, features: ['rego_v1'] }));
  return path;
}

function build(outDir) {
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'vigil-policies-'));
  const capabilitiesPath = writeCapabilities(work);
  const bundle = join(work, 'bundle.tar.gz');
  const sources = policySources();
  opa('build', '-t', 'wasm', ...ENTRYPOINTS.flatMap((e) => ['-e', e]), '--capabilities', capabilitiesPath, '-o', bundle, ...sources);
  execFileSync('tar', ['-xzf', bundle, '-C', work, '/policy.wasm'], { stdio: 'pipe' });
  const wasm = readFileSync(join(work, 'policy.wasm'));
  // opa inspect reads one folder; give it the sources alone, not build/ output it would load as data.
  const inspected = join(work, 'src');
  for (const source of sources) cpSync(join(root, source), join(inspected, source));
  const annotations = JSON.parse(opa('inspect', '-a', '--format', 'json', inspected)).annotations ?? [];
  rmSync(work, { recursive: true, force: true });
  const controls = annotations
    .filter((a) => a.annotations.scope === 'package' && a.annotations.custom?.id && a.path?.[1]?.value === 'secretsmanager')
    .map((a) => ({ package: a.path[2].value, title: a.annotations.title, description: a.annotations.description?.trim() ?? '', ...a.annotations.custom }))
    .sort((x, y) => x.id.localeCompare(y.id));

  writeFileSync(join(outDir, 'policy.wasm'), wasm);
  writeFileSync(join(outDir, 'controls.json'), `${JSON.stringify(controls, null, 2)}\n`);
  const manifest = {
    opaVersion,
    entrypoints: ENTRYPOINTS,
    capabilities: { from: `@open-policy-agent/opa-wasm@${readPackageVersion()} capabilities.json`, sha256: sha256(readFileSync(wasmCapabilitiesPath)), addedFeatures: ['rego_v1'] },
    sources: Object.fromEntries(sources.map((s) => [s, sha256(readFileSync(join(root, s)))])),
    wasm: { sha256: sha256(wasm), bytes: wasm.length },
    controls: sha256(readFileSync(join(outDir, 'controls.json'))),
  };
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function readPackageVersion() {
  return JSON.parse(readFileSync(join(root, 'node_modules', '@open-policy-agent', 'opa-wasm', 'package.json'), 'utf8')).version;
}

function runTests() {
  const work = mkdtempSync(join(tmpdir(), 'vigil-policies-test-'));
  const capabilities = writeCapabilities(work);
  const unformatted = opa('fmt', '--list', policiesDir).trim();
  if (unformatted) fail(`opa fmt would change these files (run opa fmt -w policies):\n${unformatted}`);
  opa('check', '--strict', '--capabilities', capabilities, '--ignore', 'build', policiesDir);
  opa('test', '--ignore', 'build', policiesDir); // readable failures first; the coverage run below speaks JSON
  const report = JSON.parse(opa('test', '--coverage', '--format', 'json', '--ignore', 'build', policiesDir));
  rmSync(work, { recursive: true, force: true });
  const low = Object.entries(report.files ?? {})
    .filter(([, file]) => file.coverage < 100)
    .map(([name, file]) => `  ${name}: ${file.coverage.toFixed(1)}% (lines not covered: ${(file.not_covered ?? []).map((r) => (r.start.row === r.end.row ? r.start.row : `${r.start.row}-${r.end.row}`)).join(', ')})`);
  process.stdout.write(`policies:test: opa fmt, opa check --strict and opa test passed; coverage ${report.coverage.toFixed(1)}% (gate ${COVERAGE_THRESHOLD}%)\n${low.join('\n')}${low.length ? '\n' : ''}`);
  if (report.coverage < COVERAGE_THRESHOLD) fail(`Rego coverage ${report.coverage.toFixed(1)}% is under the ${COVERAGE_THRESHOLD}% gate`);
}

requireOpa();
if (test) runTests();
if (check || test) {
  const out = mkdtempSync(join(tmpdir(), 'vigil-policies-check-'));
  const fresh = build(out);
  const committedDir = join(root, 'policies', 'build');
  const differences = ['policy.wasm', 'controls.json', 'manifest.json'].filter((f) => {
    try {
      return sha256(readFileSync(join(out, f))) !== sha256(readFileSync(join(committedDir, f)));
    } catch {
      return true;
    }
  });
  rmSync(out, { recursive: true, force: true });
  if (differences.length) fail(`policies/build is stale (${differences.join(', ')} differ from a fresh build of the sources): run npm run policies:build and commit the result`);
  process.stdout.write(`policies:build --check: policies/build matches a fresh build (wasm ${fresh.wasm.sha256.slice(0, 12)}…, ${Object.keys(fresh.sources).length} sources)\n`);
} else {
  const manifest = build(join(root, 'policies', 'build'));
  process.stdout.write(`policies:build: wrote policies/build (wasm ${manifest.wasm.bytes} bytes, ${Object.keys(manifest.sources).length} sources)\n`);
}
