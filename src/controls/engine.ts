import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as opaWasm from '@open-policy-agent/opa-wasm';
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import type { SecretState } from '../model/index.js';
import { exemptionFor, hasExemptionTag } from './exemptions.js';
import { toPolicySecret, type PolicySecret } from './input.js';
import { DEFAULT_PARAMS, paramsForAccount, type ControlParams } from './params.js';
import type { Control, Finding, Status } from './types.js';

/** The compiled policy could not be found or loaded: a packaging fault, not bad input. */
export class PolicyUnavailableError extends Error {
  override readonly name = 'PolicyUnavailableError';
}

interface Decision {
  status: Status;
  reason: string;
  evidence: Record<string, unknown>;
}

interface ControlEngine {
  policy: LoadedPolicy;
  controls: Control[];
  /** Each control's mappings, as every one of its findings carries them (one frozen object per control). */
  mappings: Map<string, Finding['mappings']>;
}

type OpaEval = (reserved: number, entrypoint: number, data: number, input: number, inputLength: number, heap: number, format: number) => number;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * One evaluation through OPA's wasm ABI 1.2 `opa_eval` (docs: openpolicyagent.org/docs/wasm): the input JSON is
 * encoded straight into wasm memory above the data heap, and the JSON result is read back up to its terminating NUL
 * with one native scan. opa-wasm's evaluate() makes the same call but finds that NUL byte by byte in JavaScript,
 * a tenth of vigil's evaluation time (npm run bench: eval.secrets_per_second). Modules older than ABI 1.2 go through it.
 */
export function evaluateEntrypoint(policy: LoadedPolicy, input: unknown, entrypoint: string): unknown {
  const opaEval = (policy.wasmInstance as { exports?: Record<string, unknown> }).exports?.['opa_eval'] as OpaEval | undefined;
  const entrypointId = (policy.entrypoints as Record<string, number>)[entrypoint];
  if (!opaEval || (policy.minorVersion as number) < 2 || entrypointId === undefined) return policy.evaluate(input, entrypoint);
  const text = JSON.stringify(input);
  const inputAddr = policy.dataHeapPtr as number;
  const room = text.length * 3; // the most UTF-8 bytes a UTF-16 string can take
  const shortfall = inputAddr + room - policy.mem.buffer.byteLength;
  if (shortfall > 0) policy.mem.grow(Math.ceil(shortfall / 65_536));
  const { written } = utf8Encoder.encodeInto(text, new Uint8Array(policy.mem.buffer, inputAddr, room));
  const resultAddr = opaEval(0, entrypointId, policy.dataAddr, inputAddr, written, inputAddr + written, 0);
  const memory = new Uint8Array(policy.mem.buffer);
  const end = memory.indexOf(0, resultAddr);
  return JSON.parse(utf8Decoder.decode(memory.subarray(resultAddr, end)));
}

// opa-wasm's ES-module entry has loadPolicySync only on its default export, though its types name it; its CommonJS entry
// (what a bundle gets) has both.
const { loadPolicySync } = (opaWasm as { default?: typeof opaWasm }).default ?? opaWasm;

/**
 * Reads and instantiates a compiled policy. Synchronously: `new WebAssembly.Module` leaves each function to be compiled
 * on its first call, so only the functions the controls use are ever compiled; opa-wasm's asynchronous loadPolicy has
 * V8 compile the whole module first, 20–35 ms more to load here (npm run bench: eval.load_policy_ms), work a cold start
 * on two cores partly hid on the second one.
 */
export function loadPolicyFile(path: string): LoadedPolicy {
  return loadPolicySync(readFileSync(path));
}

// Secrets per wasm call: large enough to amortise the call, small enough to keep the wasm heap modest.
const BATCH = 50;
let engine: Promise<ControlEngine> | undefined;

/** The folder holding policy.wasm and controls.json: beside a bundled handler, or policies/build in a checkout. */
export function findPolicyDir(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'policy.wasm')) && existsSync(join(dir, 'controls.json'))) return dir;
    const built = join(dir, 'policies', 'build');
    if (existsSync(join(built, 'policy.wasm'))) return built;
    const parent = dirname(dir);
    if (parent === dir) throw new PolicyUnavailableError(`policy.wasm was not found beside ${start} or in a policies/build folder above it; run npm run policies:build`);
    dir = parent;
  }
}

/**
 * Starts loading the compiled controls at module load, so a Lambda compiles the wasm in its init phase.
 * Resolves true once loaded, false if loading failed; the failure itself surfaces, with its message, on first use.
 */
export function preloadControls(): Promise<boolean> {
  return loadControls().then(
    () => true,
    () => false,
  );
}

/** Loads the compiled controls once per process; later calls reuse them. */
export function loadControls(policyDir?: string): Promise<ControlEngine> {
  engine ??= (async () => {
    const dir = policyDir ?? findPolicyDir();
    try {
      const policy = loadPolicyFile(join(dir, 'policy.wasm'));
      const controls = JSON.parse(readFileSync(join(dir, 'controls.json'), 'utf8')) as Control[];
      const mappings = new Map(controls.map((c) => [c.id, Object.freeze({ awsConfigRule: c.awsConfigRule, securityHub: c.securityHub, frameworks: c.frameworks, source: c.frameworkSource })]));
      return { policy, controls, mappings };
    } catch (cause) {
      throw new PolicyUnavailableError(`the compiled controls in ${dir} could not be loaded: ${(cause as Error).message}`, { cause });
    }
  })();
  engine.catch(() => {
    engine = undefined;
  });
  return engine;
}

export async function listControls(): Promise<Control[]> {
  return (await loadControls()).controls;
}

export interface EvaluationOptions {
  /** Evaluation time, epoch seconds. */
  now: number;
  params?: ControlParams;
  /** Only these controls (ids), in control-id order; the others are not evaluated. Every control when absent. */
  controlIds?: readonly string[];
  /** Per secret ARN, the principal vigil saw read it last (the access audit's baselines): the `unused` control cites it. */
  lastReaders?: ReadonlyMap<string, { principal: string; lastSeen: number }>;
}

/** Every control (or those of `controlIds`) for every secret: `result[i]` holds one Finding per control for `states[i]`, in control-id order. */
export async function evaluateSecrets(states: readonly SecretState[], options: EvaluationOptions): Promise<Finding[][]> {
  const engine = await loadControls();
  const wanted = options.controlIds;
  const controls = wanted ? engine.controls.filter((c) => wanted.includes(c.id)) : engine.controls;
  const unknown = wanted?.filter((id) => !engine.controls.some((c) => c.id === id)) ?? [];
  if (unknown.length > 0) throw new RangeError(`unknown control id ${unknown.join(', ')}; the controls are ${engine.controls.map((c) => c.id).join(', ')}`);
  const params = options.params ?? DEFAULT_PARAMS;
  if (Object.keys(params.accounts).length > 0) return evaluateByAccount(states, { ...options, params });
  const results: Finding[][] = [];
  for (let start = 0; start < states.length; start += BATCH) {
    const batch = states.slice(start, start + BATCH);
    const secrets = batch.map((s) => toPolicySecret(s, options.now, options.lastReaders?.get(s.arn)));
    const [evaluated] = (
      wanted ? evaluateEntrypoint(engine.policy, { now: options.now, params, secrets, controls: controls.map((c) => c.package) }, 'vigil/selected') : evaluateEntrypoint(engine.policy, { now: options.now, params, secrets }, 'vigil/decisions')
    ) as [{ result: Record<string, Decision[]> }];
    batch.forEach((state, i) => {
      // The findings of one secret share its resource, as those of one control share its mappings: frozen, never copied.
      const resource = Object.freeze({ arn: state.arn, name: state.name, account: state.account, region: state.region });
      const exemptible = hasExemptionTag(state.tags);
      results.push(
        controls.map((control) => {
          const decision = evaluated.result[control.package]?.[i];
          if (!decision) throw new PolicyUnavailableError(`control ${control.id} returned no decision for ${state.arn}`);
          const finding: Finding = {
            controlId: control.id,
            title: control.title,
            status: decision.status,
            severity: control.severity,
            resource,
            reason: decision.reason,
            evidence: evidenceOf(control, secrets[i] as PolicySecret, params, decision),
            remediation: control.remediation.replaceAll('<arn>', state.arn),
            mappings: engine.mappings.get(control.id) as Finding['mappings'],
          };
          const exemption = exemptible ? exemptionFor(state.tags, control, options.now, params) : undefined;
          if (exemption) finding.exemption = exemption;
          return finding;
        }),
      );
    });
  }
  return results;
}

/** Secrets of several accounts, each account's with its own parameters (`params.accounts`), the results in input order. */
async function evaluateByAccount(states: readonly SecretState[], options: EvaluationOptions & { params: ControlParams }): Promise<Finding[][]> {
  const byAccount = new Map<string, number[]>();
  states.forEach((state, i) => {
    const indexes = byAccount.get(state.account);
    if (indexes) indexes.push(i);
    else byAccount.set(state.account, [i]);
  });
  const results = new Array<Finding[]>(states.length);
  for (const [account, indexes] of byAccount) {
    const findings = await evaluateSecrets(
      indexes.map((i) => states[i] as SecretState),
      { ...options, params: paramsForAccount(options.params, account) },
    );
    indexes.forEach((at, k) => (results[at] = findings[k] as Finding[]));
  }
  return results;
}

export async function evaluateSecret(state: SecretState, options: EvaluationOptions): Promise<Finding[]> {
  const [findings] = await evaluateSecrets([state], options);
  return findings ?? [];
}

/** A decision's evidence, after the secret's fields and the parameters its control's METADATA says it decides on. */
function evidenceOf(control: Control, secret: PolicySecret, params: ControlParams, decision: Decision): Record<string, unknown> {
  const declared = control.evidence;
  if (!declared || decision.status === 'NOT_APPLICABLE') return decision.evidence;
  const evidence: Record<string, unknown> = {};
  for (const field of declared.secret ?? []) {
    const value = (secret as unknown as Record<string, unknown>)[field];
    if (value !== undefined) evidence[field] = value;
  }
  for (const name of declared.params ?? []) evidence[name] = (params as Record<string, unknown>)[name];
  return Object.assign(evidence, decision.evidence);
}
