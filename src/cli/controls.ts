import { listControls, type ControlParams } from '../controls/index.js';
import { loadParams } from './io.js';
import type { Io } from './sweep.js';

export interface ControlsOptions {
  params?: string;
  format: 'json' | 'text';
}

// Parameters of the controls whose METADATA declares none as evidence (their findings carry richer evidence of their own).
const UNDECLARED: Record<string, (keyof ControlParams)[]> = {
  'no-untrusted-cross-account': ['trustedAccounts', 'trustedOrgIds'],
  'required-tags': ['requiredTagKeys'],
};

/** `vigil controls`: every control, its severity, and the parameters it reads with the values in force. */
export async function runControls(options: ControlsOptions, io: Io): Promise<number> {
  const params: ControlParams = loadParams(options.params);
  const controls = (await listControls()).map((c) => ({
    id: c.id,
    severity: c.severity,
    title: c.title,
    awsConfigRule: c.awsConfigRule,
    securityHub: c.securityHub,
    parameters: Object.fromEntries((c.evidence?.params ?? UNDECLARED[c.id] ?? []).map((name) => [name, params[name as keyof ControlParams]])),
  }));
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify({ controls }, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const c of controls) {
    lines.push(`${c.id}  ${c.severity}  ${c.title}`);
    const names = Object.keys(c.parameters);
    lines.push(names.length ? `  parameters: ${names.map((n) => `${n}=${JSON.stringify(c.parameters[n])}`).join(', ')}` : '  parameters: none');
  }
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

