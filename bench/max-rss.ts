// Preloaded into a child the report bench runs (node --import): writes the child's peak resident set size, in KiB, on exit.
import { writeFileSync } from 'node:fs';

const file = process.env['VIGIL_BENCH_MAX_RSS_FILE'];
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
