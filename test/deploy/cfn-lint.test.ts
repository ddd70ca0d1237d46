import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintTemplate } from '../helpers/cfn-lint.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cfn-lint-'));
const templateFile = (name: string, template: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(template));
  return file;
};
const topic = (properties: Record<string, unknown>) => ({ AWSTemplateFormatVersion: '2010-09-09', Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: properties } } });

describe('the template check (cfn-lint)', () => {
  it('passes a template cfn-lint finds nothing wrong with', () => {
    expect(lintTemplate(templateFile('clean.json', topic({ DisplayName: 'alerts' })))).toMatchObject({ kind: 'clean' });
  });

  it('reports lint errors as errors, with what cfn-lint said', () => {
    const outcome = lintTemplate(templateFile('errors.json', topic({ NoSuchProperty: 1 })));
    expect(outcome.kind).toBe('errors');
    expect(outcome.output).toContain('E3002');
  });

  it('fails, apart from lint errors, when cfn-lint crashes (exit 1) instead of counting it clean', () => {
    const crashing = join(dir, 'crashing-cfn-lint');
    writeFileSync(crashing, '#!/bin/sh\necho "Traceback (most recent call last):" >&2\necho "ModuleNotFoundError: No module named cfnlint" >&2\nexit 1\n');
    chmodSync(crashing, 0o755);
    const outcome = lintTemplate(templateFile('any.json', topic({})), crashing);
    expect(outcome.kind).toBe('crashed');
    expect(outcome.output).toContain('exit 1');
    expect(outcome.output).toContain('ModuleNotFoundError');
  });

  it('fails when cfn-lint is not installed, and says how to install it', () => {
    const outcome = lintTemplate(templateFile('any.json', topic({})), join(dir, 'no-such-cfn-lint'));
    expect(outcome).toEqual({ kind: 'crashed', output: expect.stringContaining('run bash scripts/tools.sh') });
  });
});
