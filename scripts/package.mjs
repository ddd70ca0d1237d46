// `npm run package`: the deployment package, built offline. osls needs credentials to exist, not to be valid.
import { spawnSync } from 'node:child_process';

const env = { AWS_ACCESS_KEY_ID: 'offline', AWS_SECRET_ACCESS_KEY: 'offline', AWS_REGION: 'us-east-1', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...process.env };
const result = spawnSync('npx', ['--no-install', 'osls', 'package', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
