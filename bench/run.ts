// `npm run bench [-- --json]`: vigil's speed figures, each beside the target its issue sets.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report, type Metric } from './metrics.js';
import { benchBundles } from './bundle.js';
import { benchEval } from './eval.js';
import { benchNormalise } from './normalise.js';
import { benchReplay } from './replay.js';
import { benchReport } from './report.js';
import { benchState } from './state.js';
import { benchSweep } from './sweep.js';
import { benchSweep2026 } from './sweep-2026.js';
import { benchOrg } from './org.js';
import { benchAudit } from './audit.js';
import { benchAuditLatency } from './audit-latency.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const json = process.argv.includes('--json');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const suites: Record<string, () => Promise<Metric[]> | Metric[]> = {
  normalise: () => benchNormalise(join(root, 'events')),
  eval: benchEval,
  replay: () => benchReplay(join(root, 'events')),
  sweep: benchSweep,
  'sweep-2026': benchSweep2026,
  state: benchState,
  report: () => benchReport(root),
  bundle: () => benchBundles(root),
  org: benchOrg,
  audit: () => benchAudit(root),
  'audit-latency': benchAuditLatency,
};
const metrics: Metric[] = [];
for (const [name, run] of Object.entries(suites)) if (!only || only === name) metrics.push(...(await run()));
report(metrics, json, (line) => process.stdout.write(`${line}\n`));
