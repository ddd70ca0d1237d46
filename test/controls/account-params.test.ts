import { describe, expect, it } from 'vitest';
import { ParamsError, evaluateSecrets, parseParams, paramsForAccount } from '../../src/controls/index.js';
import { secretState } from '../helpers/state.js';

// Organisations: one params document, an entry per account that differs (DESIGN.md, "Organisations"; README, "Parameters").
const PAYMENTS = '222233334444';
const RETAIL = '555566667777';
const NOW = Date.UTC(2026, 11, 1) / 1000;

const inAccount = (account: string, name: string) =>
  secretState({ name, account, arn: `arn:aws:secretsmanager:us-east-1:${account}:secret:${name}-AbCdEf`, tags: { team: 'data' } });

describe('parameters per account', () => {
  const params = parseParams({ requiredTagKeys: ['team', 'owner'], graceHours: 12, accounts: { [PAYMENTS]: { requiredTagKeys: ['team'] } } });

  it('gives an account its own entry over the document, and every other parameter from the document', () => {
    expect(paramsForAccount(params, PAYMENTS)).toMatchObject({ requiredTagKeys: ['team'], graceHours: 12, maxDaysSinceRotation: 90 });
    expect(paramsForAccount(params, RETAIL)).toMatchObject({ requiredTagKeys: ['team', 'owner'], graceHours: 12 });
  });

  it('judges the secrets of several accounts in one sweep each with its account’s parameters, in input order', async () => {
    const states = [inAccount(RETAIL, 'a'), inAccount(PAYMENTS, 'b'), inAccount(RETAIL, 'c')];
    const findings = await evaluateSecrets(states, { now: NOW, params, controlIds: ['required-tags'] });
    expect(findings.map(([f]) => [f?.resource.name, f?.status])).toEqual([
      ['a', 'FAIL'],
      ['b', 'PASS'],
      ['c', 'FAIL'],
    ]);
  });

  it('refuses an entry that is not a 12-digit account, an unknown or invalid parameter in an entry, or nested accounts, naming where', () => {
    expect(() => parseParams({ accounts: { prod: {} } }, 'params.json')).toThrow(ParamsError);
    expect(() => parseParams({ accounts: { prod: {} } }, 'params.json')).toThrow('params.json.accounts.prod: expected a 12-digit account ID as the key');
    expect(() => parseParams({ accounts: { [PAYMENTS]: { trustedAcounts: [] } } }, 'params.json')).toThrow(`params.json.accounts.${PAYMENTS}: unknown parameter "trustedAcounts"`);
    expect(() => parseParams({ accounts: { [PAYMENTS]: { trustedAccounts: ['12'] } } }, 'params.json')).toThrow(`params.json.accounts.${PAYMENTS}.trustedAccounts[0]: expected a 12-digit account ID as a string`);
    expect(() => parseParams({ accounts: { [PAYMENTS]: { accounts: {} } } }, 'params.json')).toThrow(`params.json.accounts.${PAYMENTS}: an account's parameters cannot hold "accounts" again`);
  });
});
