import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsOptions } from '../aws/clients.js';

/** The repository (or installed package) root: the folder holding package.json above this module. */
export function projectRoot(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
  return dir;
}

/** moto's server, as the tests and the demo run it: on PATH, or in the project's .venv (scripts/tools.sh puts it there). */
export function motoServerPath(): string {
  const found = findMotoServer();
  if (found) return found;
  throw new Error('moto_server is not installed: run bash scripts/tools.sh (it installs moto into .venv), or pip install "moto[server]"');
}

/** Where a Python install is looked for and made: the project root, PATH and the python3 to create a .venv with. */
export interface PythonSetting {
  root: string;
  path: string;
  python3: string;
}

const defaultPythonSetting = (): PythonSetting => ({ root: projectRoot(), path: process.env['PATH'] ?? '', python3: 'python3' });

function findMotoServer(setting = defaultPythonSetting()): string | undefined {
  for (const local of [join(setting.root, '.cache', 'tools', 'bin', 'moto_server'), join(setting.root, '.venv', 'bin', 'moto_server')]) {
    if (existsSync(local)) return local;
  }
  for (const dir of setting.path.split(':')) {
    if (dir && existsSync(join(dir, 'moto_server'))) return join(dir, 'moto_server');
  }
  return undefined;
}

/** moto's server, installing it into the project's .venv first when it is nowhere to be found. */
export function ensureMotoServer(say: (line: string) => void, setting = defaultPythonSetting()): string {
  const found = findMotoServer(setting);
  if (found) return found;
  const { root } = setting;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { config?: { motoVersion?: string } };
  const version = pkg.config?.motoVersion ?? '5.2.1';
  const python = spawnSync(setting.python3, ['--version'], { encoding: 'utf8' });
  if (python.error || python.status !== 0) {
    throw new Error(`the demo runs AWS locally with moto, a Python program, and python3 was not found. Install Python 3 (3.9 or later), or start moto yourself and pass --endpoint-url`);
  }
  say(`Installing the local AWS emulator (moto[server]==${version}) into .venv; this happens once…`);
  const venv = join(root, '.venv');
  const pip = join(venv, 'bin', 'pip');
  // A .venv that scripts/tools.sh made (cfn-lint in it) is used as it is; only a missing one is created.
  if (!existsSync(pip)) {
    const created = spawnSync(setting.python3, ['-m', 'venv', venv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (created.status !== 0) throw new Error(venvFailure(`${created.stderr || created.stdout || ''}`));
  }
  const installed = spawnSync(pip, ['install', '--quiet', `moto[server]==${version}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (installed.status !== 0) throw new Error(`could not install moto (${pip} install moto[server]==${version}): ${(installed.stderr || installed.stdout || '').trim().slice(-500)}`);
  return join(venv, 'bin', 'moto_server');
}

/** Why `python3 -m venv` failed, naming the system package when it is Debian's or Ubuntu's split-off venv module. */
export function venvFailure(output: string): string {
  if (/ensurepip is not available|No module named venv|python3(\.\d+)?-venv/.test(output)) {
    return 'python3 cannot create a virtual environment: its venv module is not installed. Install it (Debian/Ubuntu: sudo apt-get install python3-venv) and run the demo again';
  }
  return `could not create .venv (python3 -m venv): ${output.trim().slice(-500)}`;
}

export interface Emulator {
  endpoint: string;
  aws: (region?: string) => AwsOptions;
  reset: () => Promise<void>;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts a private moto server on a free loopback port and waits until it answers. */
export async function startEmulator(serverPath = motoServerPath()): Promise<Emulator> {
  const port = await freePort();
  const child: ChildProcess = spawn(serverPath, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return emulatorAt(endpoint, () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  );
}

/** An emulator already listening at `endpoint` (the demo's --endpoint-url); `stop` is what ends it, if anything. */
export function emulatorAt(endpoint: string, stop: () => Promise<void> = async () => undefined): Emulator {
  return {
    endpoint,
    aws: (region = 'us-east-1') => ({ region, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 }),
    reset: async () => {
      const answer = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!answer.ok) throw new Error(`${endpoint} is not a moto emulator: POST /moto-api/reset answered ${answer.status}`);
    },
    stop,
  };
}
