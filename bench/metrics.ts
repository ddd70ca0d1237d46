export interface Metric {
  metric: string;
  value: number;
  unit: string;
  /** The target, when it sets one: `>=` a floor, `<=` a ceiling. */
  target?: { op: '>=' | '<='; value: number };
}

export function meets(m: Metric): boolean | undefined {
  if (!m.target) return undefined;
  return m.target.op === '>=' ? m.value >= m.target.value : m.value <= m.target.value;
}

export function report(metrics: Metric[], json: boolean, print: (line: string) => void): void {
  for (const m of metrics) {
    if (json) {
      print(JSON.stringify({ metric: m.metric, value: m.value, unit: m.unit, ...(m.target ? { target: `${m.target.op} ${m.target.value}`, met: meets(m) } : {}) }));
    } else {
      const verdict = m.target ? `  (target ${m.target.op} ${m.target.value}: ${meets(m) ? 'met' : 'NOT MET'})` : '';
      print(`${m.metric.padEnd(40)} ${formatValue(m.value).padStart(12)} ${m.unit}${verdict}`);
    }
  }
}

function formatValue(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

/** Runs `work` repeatedly for about `seconds` after a warm-up; returns operations per second. */
export function opsPerSecond(work: () => number, seconds = 2): number {
  const warmUpEnd = performance.now() + 300;
  while (performance.now() < warmUpEnd) work();
  let operations = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) operations += work();
  return operations / ((performance.now() - start) / 1000);
}
