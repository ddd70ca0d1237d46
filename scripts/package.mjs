// `npm run package`: the deployment package, built offline. osls needs credentials to exist, not to be valid.
// Beside the central stack it writes the member stack (deploy/member.yml) as member-template.json, what the StackSet takes.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cloudFormationYaml } from './cfn-yaml.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const env = { AWS_ACCESS_KEY_ID: 'offline', AWS_SECRET_ACCESS_KEY: 'offline', AWS_REGION: 'us-east-1', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...process.env };
const result = spawnSync('npx', ['--no-install', 'osls', 'package', ...args], { stdio: 'inherit', env, cwd: root });
if (result.status !== 0) process.exit(result.status ?? 1);

const at = args.findIndex((a) => a === '--package' || a === '-p');
const out = resolve(root, at >= 0 && args[at + 1] ? args[at + 1] : '.serverless');
const member = cloudFormationYaml(readFileSync(join(root, 'deploy', 'member.yml'), 'utf8'));
writeFileSync(join(out, 'member-template.json'), `${JSON.stringify(member, null, 2)}\n`);
console.log(`Member stack written to ${join(out, 'member-template.json')}`);
