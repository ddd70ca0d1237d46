import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

async function lintTest(source: string): Promise<string[]> {
  const eslint = new ESLint();
  const [result] = await eslint.lintText(source, { filePath: 'test/probe.test.ts' });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('the linter that npm test runs', () => {
  it.each(['it.only', 'it.skip', 'describe.only', 'describe.skip', 'test.todo', 'it.skipIf(true)'])('fails on %s', async (call) => {
    const rules = await lintTest(`import { describe, it, test } from 'vitest';\nvoid describe; void it; void test;\n${call}('x', () => {});\n`);
    expect(rules).toContain('no-restricted-properties');
  });

  it('fails on an unused import', async () => {
    expect(await lintTest(`import { join } from 'node:path';\nexport const x = 1;\n`)).toContain('@typescript-eslint/no-unused-vars');
  });

  it('passes a plain test', async () => {
    expect(await lintTest(`import { expect, it } from 'vitest';\nit('adds', () => { expect(1 + 1).toBe(2); });\n`)).toEqual([]);
  });
});
