import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENTS_DIR } from '../helpers/fixtures.js';

const ROOT = join(EVENTS_DIR, '..');
// The shell tools scripts/tools.sh itself uses; no go, python3, java, mvn, apt-get or sudo.
const BASICS = ['bash', 'sed', 'grep', 'cksum', 'cut', 'id', 'head', 'mkdir', 'ln', 'rm', 'cat', 'readlink', 'dirname', 'env'];

/** A project with vigil's package.json and tools.sh, and a PATH holding only node and the shell basics. */
function bareMachine() {
  const root = mkdtempSync(join(tmpdir(), 'vigil-tools-'));
  mkdirSync(join(root, 'scripts'));
  cpSync(join(ROOT, 'scripts', 'tools.sh'), join(root, 'scripts', 'tools.sh'));
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  const path = join(root, 'path');
  mkdirSync(path);
  symlinkSync(process.execPath, join(path, 'node'));
  for (const tool of BASICS) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) symlinkSync(found, join(path, tool));
  }
  return { root, path };
}
const runTools = (root: string, path: string) => spawnSync(join(path, 'bash'), [join(root, 'scripts', 'tools.sh')], { encoding: 'utf8', env: { PATH: path, HOME: root, CI: 'true' }, timeout: 60_000 });

describe('npm test\'s own set-up (scripts/tools.sh)', () => {
  it('names, for each tool it cannot install, the system package that provides it, and fails under CI', () => {
    const { root, path } = bareMachine();
    const run = runTools(root, path);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('opa 1.22.0 is not installed, and Go is needed to build it (Debian/Ubuntu: apt-get install golang-go');
    expect(run.stderr).toContain('python3 is missing, needed for moto and cfn-lint (Debian/Ubuntu: apt-get install python3 python3-venv)');
    expect(run.stderr).toContain('Java 17 or later is missing (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless)');
    expect(run.stderr).toContain('it runs nothing until they are there (CI or not)');
  });

  it('costs a second run nothing: what it found is remembered and only checked to be there', () => {
    const { root, path } = bareMachine();
    // A first run found everything: the tools linked, the harness built, its record written.
    const bin = join(root, '.cache', 'tools', 'bin');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['opa', 'moto_server', 'cfn-lint', 'chromium']) writeFileSync(join(bin, tool), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    for (const tool of ['java', 'mvn']) writeFileSync(join(path, tool), '#!/bin/sh\necho "ran $0" >&2\nexit 1\n', { mode: 0o755 });
    mkdirSync(join(root, 'test', 'event-ruler', 'target', 'classes'), { recursive: true });
    const config = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { config: Record<string, string> }).config;
    const script = spawnSync(join(path, 'cksum'), { input: readFileSync(join(root, 'scripts', 'tools.sh')), encoding: 'utf8' }).stdout.split(' ')[0];
    writeFileSync(join(dirname(bin), 'ready'), `opa=${config['opaVersion']} moto=${config['motoVersion']} cfn-lint=${config['cfnLintVersion']} script=${script}\n`);
    const run = runTools(root, path);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    // A linked tool that is gone makes it look again (and, on this bare machine, fail).
    chmodSync(join(bin, 'opa'), 0o644);
    expect(runTools(root, path).status).toBe(1);
  });
});
