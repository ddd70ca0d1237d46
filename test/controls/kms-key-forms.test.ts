import { describe, expect, it } from 'vitest';
import { ParamsError, evaluateSecrets, parseParams } from '../../src/controls/index.js';
import { secretState } from '../helpers/state.js';

// allowedKmsKeyArns takes a key the ways AWS names one (issue 15): key ARN, key id, alias name, alias ARN.
const KEY_ID = '0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d';
const KEY_ARN = `arn:aws:kms:us-east-1:123456789012:key/${KEY_ID}`;
const NOW = Date.UTC(2026, 11, 1) / 1000;

async function statusWith(allowed: string[], kmsKeyId: string) {
  const state = secretState({ name: 'app/db', kmsKeyId, kmsKey: { arn: KEY_ARN, keyManager: 'CUSTOMER', keyState: 'Enabled' } });
  const findings = await evaluateSecrets([state], { now: NOW, params: parseParams({ allowedKmsKeyArns: allowed }), controlIds: ['customer-managed-key'] });
  return findings[0]?.[0]?.status;
}

describe('allowedKmsKeyArns', () => {
  it('matches a key by its ARN or its id, and an alias by name or ARN, however the secret names its key', async () => {
    expect(await statusWith([KEY_ARN], 'alias/prod-secrets')).toBe('PASS');
    expect(await statusWith([KEY_ID], KEY_ARN)).toBe('PASS');
    expect(await statusWith([KEY_ID], 'alias/prod-secrets')).toBe('PASS');
    expect(await statusWith(['alias/prod-secrets'], 'arn:aws:kms:us-east-1:123456789012:alias/prod-secrets')).toBe('PASS');
    expect(await statusWith(['arn:aws:kms:us-east-1:123456789012:alias/prod-secrets'], 'alias/prod-secrets')).toBe('PASS');
    expect(await statusWith(['alias/other'], 'alias/prod-secrets')).toBe('FAIL');
    expect(await statusWith(['arn:aws:kms:us-east-1:444455556666:alias/prod-secrets'], 'alias/prod-secrets')).toBe('FAIL');
  });

  it('refuses what names no key, with its path', () => {
    for (const bad of ['prod-secrets', 'arn:aws:kms:us-east-1:123456789012:key/other', 'key/0b4a5c6d', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x']) {
      expect(() => parseParams({ allowedKmsKeyArns: [KEY_ARN, bad] }, 'params.json')).toThrow(ParamsError);
      expect(() => parseParams({ allowedKmsKeyArns: [KEY_ARN, bad] }, 'params.json')).toThrow('params.json.allowedKmsKeyArns[1]: expected a KMS key ARN, a key id, an alias name (alias/...) or an alias ARN');
    }
  });
});
