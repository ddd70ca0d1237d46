// `npm run bench [-- --json]`: vigil's speed figures, each beside the target its issue sets.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report, type Metric } from './metrics.js';
import { benchEval } from './eval.js';
import { benchNormalise } from './normalise.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const json = process.argv.includes('--json');
const metrics: Metric[] = [...benchNormalise(join(root, 'events')), ...(await benchEval())];
report(metrics, json, (line) => process.stdout.write(`${line}\n`));
