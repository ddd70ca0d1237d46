import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateEntrypoint, loadControls, parseParamsText } from '../../src/controls/index.js';
import { toPolicySecret } from '../../src/controls/input.js';
import { readSnapshot } from '../../src/inventory/index.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

const secrets = readSnapshot(readFileSync(join(EVENTS_DIR, 'snapshots', 'acme-prod.json')), 'acme-prod.json').secrets;
const params = parseParamsText(readFileSync(join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json'), 'utf8'), 'acme-prod.params.json');
const now = Date.parse('2026-11-20T00:00:00Z') / 1000;

// vigil calls opa_eval itself (src/controls/engine.ts); opa-wasm's evaluate() is the reference it must agree with.
describe('evaluating through the wasm ABI directly', () => {
  it("answers exactly as opa-wasm's evaluate() for every fixture secret, on both entry points", async () => {
    const { policy, controls } = await loadControls();
    const input = { now, params, secrets: secrets.map((s) => toPolicySecret(s, now)) };
    expect(evaluateEntrypoint(policy, input, 'vigil/decisions')).toEqual(policy.evaluate(input, 'vigil/decisions'));
    const selected = { ...input, controls: controls.slice(0, 3).map((c) => c.package) };
    expect(evaluateEntrypoint(policy, selected, 'vigil/selected')).toEqual(policy.evaluate(selected, 'vigil/selected'));
  });

  it('grows wasm memory for an input larger than it holds, and still agrees', async () => {
    const { policy } = await loadControls();
    const statement = (n: number) => ({ Sid: `S${n}-é`, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${String(222233330000 + n)}:root` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' });
    const big = secrets.map((s, i) => toPolicySecret({ ...s, arn: `${s.arn}-${i}`, resourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 400 }, (_, n) => statement(n)) }) }, now));
    const input = { now, params, secrets: big };
    const before = policy.mem.buffer.byteLength;
    expect(JSON.stringify(input).length).toBeGreaterThan(before - (policy.dataHeapPtr as number));
    expect(evaluateEntrypoint(policy, input, 'vigil/decisions')).toEqual(policy.evaluate(input, 'vigil/decisions'));
  });
});

describe('the builtins the compiled policy needs from JavaScript', () => {
  it('are none, so the Lambda bundles may leave out the ones opa-wasm implements in JavaScript (yaml.*)', async () => {
    const { policy } = await loadControls();
    const exports = (policy.wasmInstance as { exports: Record<string, (...args: number[]) => number> }).exports;
    const addr = exports['opa_json_dump']?.(exports['builtins']?.() ?? 0) ?? 0;
    const memory = new Uint8Array(policy.mem.buffer);
    expect(JSON.parse(new TextDecoder().decode(memory.subarray(addr, memory.indexOf(0, addr))))).toEqual({});
  });
});
