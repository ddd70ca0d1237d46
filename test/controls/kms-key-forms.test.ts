import { describe, expect, it } from 'vitest';
import { ParamsError, evaluateSecrets, parseParams } from '../../src/controls/index.js';
import { secretState } from '../helpers/state.js';

// allowedKmsKeyArns takes a key the ways AWS names one (issue 15): key ARN, key id, alias name, alias ARN.
const KEY_ID = '0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d';
const KEY_ARN = `arn:aws:kms:us-east-1:123456789012:key/${KEY_ID}`;
const NOW = Date.UTC(2026, 11, 1) / 1000;

async function statusWith(allowed: string[], kmsKeyId: string, aliases?: string[]) {
  const state = secretState({ name: 'app/db', kmsKeyId, kmsKey: { arn: KEY_ARN, keyManager: 'CUSTOMER', keyState: 'Enabled', ...(aliases ? { aliases } : {}) } });
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

  it("resolves an alias through the key's aliases (kms:ListAliases), in each form the secret and the parameter name the key", async () => {
    const aliases = ['alias/approved', 'alias/team-key'];
    // The secret names the key by ARN, by id, by another alias (name or ARN): the allowed alias is one of the key's.
    for (const named of [KEY_ARN, KEY_ID, 'alias/team-key', 'arn:aws:kms:us-east-1:123456789012:alias/team-key']) {
      expect(await statusWith(['alias/approved'], named, aliases), named).toBe('PASS');
      expect(await statusWith(['arn:aws:kms:us-east-1:123456789012:alias/approved'], named, aliases), named).toBe('PASS');
      expect(await statusWith(['alias/elsewhere'], named, aliases), named).toBe('FAIL');
      expect(await statusWith(['arn:aws:kms:eu-west-1:123456789012:alias/approved'], named, aliases), named).toBe('FAIL');
      expect(await statusWith([KEY_ARN], named, aliases), named).toBe('PASS');
      expect(await statusWith([KEY_ID], named, aliases), named).toBe('PASS');
    }
    // Without the key's aliases, an alias entry matches only the alias the secret names.
    expect(await statusWith(['alias/approved'], KEY_ARN)).toBe('FAIL');
    expect(await statusWith(['alias/team-key'], 'alias/team-key')).toBe('PASS');
  });

  it('refuses what names no key, with its path', () => {
    for (const bad of ['prod-secrets', 'arn:aws:kms:us-east-1:123456789012:key/other', 'key/0b4a5c6d', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x']) {
      expect(() => parseParams({ allowedKmsKeyArns: [KEY_ARN, bad] }, 'params.json')).toThrow(ParamsError);
      expect(() => parseParams({ allowedKmsKeyArns: [KEY_ARN, bad] }, 'params.json')).toThrow('params.json.allowedKmsKeyArns[1]: expected a KMS key ARN, a key id, an alias name (alias/...) or an alias ARN');
    }
  });
});
