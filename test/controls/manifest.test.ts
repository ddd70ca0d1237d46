import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENTS_DIR } from '../helpers/fixtures.js';

const root = join(EVENTS_DIR, '..');
const manifest = JSON.parse(readFileSync(join(root, 'policies', 'build', 'manifest.json'), 'utf8')) as {
  opaVersion: string;
  sources: Record<string, string>;
  wasm: { sha256: string };
  controls: string;
};
const sha256 = (file: string) => createHash('sha256').update(readFileSync(join(root, file))).digest('hex');

function regoSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'build' ? [] : regoSources(join(dir, e.name))) : e.name.endsWith('.rego') && !e.name.endsWith('_test.rego') ? [relative(root, join(dir, e.name))] : [],
  );
}

describe('the committed policy build', () => {
  it('was built from exactly the Rego sources in the tree (rebuild with npm run policies:build when this fails)', () => {
    const current = Object.fromEntries(regoSources(join(root, 'policies')).sort().map((f) => [f, sha256(f)]));
    expect(manifest.sources).toEqual(current);
  });

  it('records the wasm and control metadata it shipped', () => {
    expect(sha256('policies/build/policy.wasm')).toBe(manifest.wasm.sha256);
    expect(sha256('policies/build/controls.json')).toBe(manifest.controls);
  });

  it('was built with the pinned opa version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { config: { opaVersion: string } };
    expect(manifest.opaVersion).toBe(pkg.config.opaVersion);
  });

  it('carries the eleven controls with their stable IDs', () => {
    const controls = JSON.parse(readFileSync(join(root, 'policies', 'build', 'controls.json'), 'utf8')) as { id: string; severity: string }[];
    expect(controls.map((c) => c.id)).toEqual([
      'customer-managed-key',
      'no-public-principal',
      'no-untrusted-cross-account',
      'no-untrusted-replica',
      'pending-deletion',
      'replication-healthy',
      'required-tags',
      'rotated-within-period',
      'rotation-enabled',
      'rotation-succeeding',
      'unused',
    ]);
  });
});
