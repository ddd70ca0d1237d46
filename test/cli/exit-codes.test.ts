import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVigil } from '../helpers/bin.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

// DESIGN.md's exit codes, through a real child process: 0 ran, 1 --fail-on tripped, 2 usage or input, 3 AWS.
const SNAPSHOT = join(EVENTS_DIR, 'snapshots', 'acme-prod.json');
const PARAMS = join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json');
const NOW = '2026-11-20T00:00:00Z';
const dir = mkdtempSync(join(tmpdir(), 'vigil-exit-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
// No credentials, config or region from the machine running the tests.
const CLEAN = { AWS_CONFIG_FILE: join(dir, 'no-config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '1' };

/** One line naming the problem, then at most a hint: never a stack trace, never the whole help. */
function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trimEnd().split('\n').filter((line) => !line.startsWith('(Did you mean'));
  expect(lines.length, stderr).toBeLessThanOrEqual(2);
  expect(lines[0]).toMatch(pattern);
  if (lines[1] !== undefined) expect(lines[1]).toMatch(/^\(vigil( \w+)? --help lists what it takes\)$/);
  expect(stderr).not.toMatch(/^\s+at /m);
}

let html: Server;
let htmlUrl: string;

beforeAll(async () => {
  html = createServer((_, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>It works!</body></html>'));
  await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
  htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => html.close(() => resolve())));

describe('vigil exit codes', () => {
  it('exits 0 when it ran and nothing tripped', async () => {
    const run = await runVigil(['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--format', 'json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('exits 1 when --fail-on counts an ERROR finding: what could not be judged is not compliant', async () => {
    // Only prod/api/restricted: every failure it has is an ERROR (its policy and key could not be read).
    const doc = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { secrets: { describe: { Name: string } }[] };
    const restricted = file('restricted.json', JSON.stringify({ ...doc, secrets: doc.secrets.filter((s) => s.describe.Name === 'prod/api/restricted') }));
    const run = await runVigil(['sweep', '--snapshot', restricted, '--params', PARAMS, '--now', NOW, '--fail-on', 'HIGH']);
    expect(run.exitCode).toBe(1);
    expectOneLine(run.stderr, /^vigil: --fail-on HIGH tripped by 2 findings: prod\/api\/restricted no-public-principal \(CRITICAL ERROR\), prod\/api\/restricted no-untrusted-cross-account \(HIGH ERROR\)$/);
    const low = await runVigil(['sweep', '--snapshot', restricted, '--params', PARAMS, '--now', NOW, '--fail-on', 'LOW']);
    expect(low.stderr).toContain('tripped by 3 findings');
  });

  it('trips --fail-on-new only on failures absent from --previous', async () => {
    const previous = file('previous.json', (await runVigil(['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--format', 'json'])).stdout);
    const same = await runVigil(['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--previous', previous, '--fail-on-new', 'LOW']);
    expect(same.exitCode, same.stderr).toBe(0);
    // A day later with stricter parameters: rotated-within-period fails for more secrets than it did.
    const strict = file('strict.json', JSON.stringify({ ...(JSON.parse(readFileSync(PARAMS, 'utf8')) as object), maxDaysSinceRotation: 1 }));
    const worse = await runVigil(['sweep', '--snapshot', SNAPSHOT, '--params', strict, '--now', NOW, '--previous', previous, '--fail-on-new', 'LOW']);
    expect(worse.exitCode).toBe(1);
    expectOneLine(worse.stderr, /^vigil: --fail-on-new LOW tripped by \d+ findings: .*rotated-within-period \(MEDIUM FAIL\)/);
    expect(worse.stderr).not.toContain('no-public-principal');
  });

  it.each([
    ['an unknown option', ['sweep', '--snapshot', SNAPSHOT, '--bogus'], /^error: unknown option '--bogus'$/],
    ['an unknown command', ['sweeep'], /^error: unknown command 'sweeep'/],
    ['a severity in the wrong case', ['sweep', '--snapshot', SNAPSHOT, '--fail-on', 'high'], /^error: option '--fail-on <severity>' argument 'high' is invalid/],
    ['a missing required option', ['snapshot', '--region', 'us-east-1'], /^error: required option '--out <file>' not specified$/],
    ['a file that does not exist', ['sweep', '--snapshot', join(dir, 'nope.json')], /^vigil: .*nope\.json: cannot read \(ENOENT\)$/],
    ['a snapshot that is not JSON', ['sweep', '--snapshot', file('broken.json', '{"snapshotVersion": 1,')], /^vigil: .*broken\.json: /],
    ['a bad parameter value', ['sweep', '--snapshot', SNAPSHOT, '--params', file('bad-params.json', '{"trustedAccounts": [123]}')], /^vigil: .*bad-params\.json\.trustedAccounts\[0\]: /],
    ['an unknown parameter', ['sweep', '--snapshot', SNAPSHOT, '--params', file('unknown-params.json', '{"unusedDays": 3}')], /unknown parameter "unusedDays"/],
    ['a date that does not parse', ['sweep', '--snapshot', SNAPSHOT, '--now', 'yesterday'], /^vigil: --now/],
    ['a --previous that is not a report', ['sweep', '--snapshot', SNAPSHOT, '--previous', file('not-report.json', '{}')], /not a vigil JSON report/],
    ['an unknown control to show', ['sweep', '--snapshot', SNAPSHOT, '--control', 'rotation'], /^vigil: --control rotation: no such control/],
    ['--snapshot with --region, which it would ignore', ['sweep', '--snapshot', SNAPSHOT, '--region', 'us-east-1'], /^vigil: --snapshot reads a file, so --region would be ignored: drop it or --snapshot$/],
    ['--snapshot with --endpoint-url, which it would ignore', ['sweep', '--snapshot', SNAPSHOT, '--endpoint-url', 'http://127.0.0.1:5000'], /^vigil: --snapshot reads a file, so --endpoint-url would be ignored: drop it or --snapshot$/],
    ['--snapshot with --all-regions, which it would ignore', ['sweep', '--snapshot', SNAPSHOT, '--all-regions'], /^vigil: --snapshot reads a file, so --all-regions would be ignored: drop it or --snapshot$/],
    ['--snapshot with several live options', ['sweep', '--snapshot', SNAPSHOT, '--all-regions', '--endpoint-url', 'http://127.0.0.1:5000'], /^vigil: --snapshot reads a file, so --all-regions, --endpoint-url would be ignored: drop them or --snapshot$/],
    ['an unknown --formats name', ['sweep', '--snapshot', SNAPSHOT, '--out', dir, '--formats', 'json,pdf'], /^error: option '--formats <list>' argument 'json,pdf' is invalid/],
    ['an --out that looks like a file', ['sweep', '--snapshot', SNAPSHOT, '--out', join(dir, 'x.json.gz')], /^vigil: --out .*x\.json\.gz looks like a file name: --out names the folder the reports go into/],
    ['an --out that is a file', ['sweep', '--snapshot', SNAPSHOT, '--out', file('taken', 'x')], /^vigil: --out .*taken is a file: --out names the folder/],
  ])('exits 2 on %s, with one line and a hint', async (_, args, pattern) => {
    const run = await runVigil(args, CLEAN);
    expect(run.exitCode, run.stderr).toBe(2);
    expectOneLine(run.stderr, pattern);
    expect(run.stdout).toBe('');
    expect(existsSync(join(dir, 'x.json.gz'))).toBe(false);
  });

  it('validates a region name before any call', async () => {
    const run = await runVigil(['sweep', '--region', 'us-east1', '--endpoint-url', 'http://127.0.0.1:9'], CLEAN);
    expect(run.exitCode).toBe(2);
    expectOneLine(run.stderr, /^vigil: --region us-east1: not a region name \(expected the form us-east-1\)$/);
    const fromEnv = await runVigil(['sweep', '--endpoint-url', 'http://127.0.0.1:9'], { ...CLEAN, AWS_REGION: 'useast-1' });
    expect(fromEnv.exitCode).toBe(2);
    expectOneLine(fromEnv.stderr, /^vigil: AWS_REGION useast-1: not a region name/);
  });

  it('refuses an endpoint without a scheme', async () => {
    const run = await runVigil(['sweep', '--region', 'us-east-1', '--endpoint-url', '127.0.0.1:5000'], CLEAN);
    expect(run.exitCode).toBe(2);
    expectOneLine(run.stderr, /^vigil: --endpoint-url 127\.0\.0\.1:5000: expected a URL with its scheme/);
  });

  it('exits 3 when AWS cannot be reached', async () => {
    const run = await runVigil(['sweep', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9'], CLEAN);
    expect(run.exitCode).toBe(3);
    expectOneLine(run.stderr, /^vigil: AWS could not be reached: connect ECONNREFUSED 127\.0\.0\.1:9$/);
  });

  it('exits 3 with one line when the endpoint answers HTML', async () => {
    const run = await runVigil(['sweep', '--region', 'us-east-1', '--endpoint-url', htmlUrl], CLEAN);
    expect(run.exitCode).toBe(3);
    expectOneLine(run.stderr, /^vigil: the endpoint answered HTTP 200 with text\/html, not an AWS API response: is --endpoint-url right\?$/);
  });

  it('names a profile that does not exist, and uses the region of one that does', async () => {
    const config = file('aws-config', '[profile eu]\nregion = eu-west-2\n[profile typo]\nregion = us-east1\n');
    const credentials = file('aws-credentials', '[eu]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    const env = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '1' };
    const missing = await runVigil(['sweep', '--region', 'us-east-1', '--profile', 'nobody', '--endpoint-url', 'http://127.0.0.1:9'], env);
    expect(missing.exitCode).toBe(2);
    expectOneLine(missing.stderr, /^vigil: --profile nobody: no such profile with credentials in ~\/\.aws\/config or ~\/\.aws\/credentials$/);
    // Named through AWS_PROFILE, as CI jobs do: the same line, naming the variable, not advice to set it.
    const fromEnv = await runVigil(['sweep', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9'], { ...env, AWS_PROFILE: 'nobody' });
    expect(fromEnv.exitCode).toBe(2);
    expectOneLine(fromEnv.stderr, /^vigil: AWS_PROFILE=nobody: no such profile with credentials in ~\/\.aws\/config or ~\/\.aws\/credentials$/);
    const noRegion = await runVigil(['sweep', '--endpoint-url', 'http://127.0.0.1:9'], { ...env, AWS_PROFILE: 'nobody' });
    expect(noRegion.exitCode).toBe(2);
    expectOneLine(noRegion.stderr, /^vigil: no region: .* \(profile nobody names none, or is not in ~\/\.aws\/config\)$/);
    const typo = await runVigil(['sweep', '--profile', 'typo', '--endpoint-url', 'http://127.0.0.1:9'], env);
    expectOneLine(typo.stderr, /^vigil: profile typo's region us-east1: not a region name/);
    // The profile's region reaches the snapshot's one-region check: eu-west-2, not "no region".
    const snapshot = await runVigil(['snapshot', '--profile', 'eu', '--endpoint-url', htmlUrl, '--out', join(dir, 'eu.json')], env);
    expect(snapshot.exitCode).toBe(3);
    const none = await runVigil(['snapshot', '--endpoint-url', htmlUrl, '--out', join(dir, 'none.json')], env);
    expect(none.exitCode).toBe(2);
    expectOneLine(none.stderr, /^vigil: no region: pass --region/);
  });

  it('says in one line which credentials it uses when a profile and access keys in the environment are both set (as in CI)', async () => {
    const config = file('aws-config-ci', '[profile eu]\nregion = eu-west-2\n');
    const credentials = file('aws-credentials-ci', '[eu]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    const env = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_ACCESS_KEY_ID: 'from-env', AWS_SECRET_ACCESS_KEY: 'from-env', AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '1' };
    const missing = await runVigil(['sweep', '--region', 'us-east-1', '--profile', 'nobody', '--endpoint-url', 'http://127.0.0.1:9'], env);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).not.toContain('Multiple credential sources');
    expect(missing.stderr.trimEnd().split('\n').filter((line) => !line.includes('the profile is used'))).toEqual([expect.stringMatching(/^vigil: --profile nobody: no such profile/)]);
    const used = await runVigil(['sweep', '--profile', 'eu', '--endpoint-url', htmlUrl], env);
    expect(used.exitCode).toBe(3);
    expect(used.stderr.trimEnd().split('\n')).toEqual(['vigil: a profile and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are both set: the profile is used', expect.stringMatching(/^vigil: the endpoint answered HTTP 200 with text\/html/)]);
  });

  it('refuses what a snapshot cannot hold before any call: a second --region, --all-regions', async () => {
    const two = await runVigil(['snapshot', '--region', 'us-east-1', '--region', 'eu-west-1', '--endpoint-url', 'http://127.0.0.1:9', '--out', join(dir, 'two.json')], CLEAN);
    expect(two.exitCode).toBe(2);
    expectOneLine(two.stderr, /^vigil: a snapshot holds one region; pass one --region \(got us-east-1, eu-west-1\)$/);
    const all = await runVigil(['snapshot', '--all-regions', '--endpoint-url', 'http://127.0.0.1:9', '--out', join(dir, 'all.json')], CLEAN);
    expect(all.exitCode).toBe(2);
    expectOneLine(all.stderr, /unknown option '--all-regions'/);
  });
});
