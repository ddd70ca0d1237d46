import { ConfigServiceClient, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { annotation, evaluationOf, parseRuleControlId, putEvaluations } from '../../src/config/index.js';

const CONTROLS = ['rotation-enabled', 'unused', 'required-tags'];
const config = mockClient(ConfigServiceClient);
beforeEach(() => config.reset());
const when = new Date('2026-11-20T00:00:00Z');

describe('Config rule parameters', () => {
  it('take the control the rule evaluates', () => {
    expect(parseRuleControlId({ controlId: 'unused' }, CONTROLS)).toBe('unused');
  });

  it('refuse an unknown control, naming it', () => {
    expect(() => parseRuleControlId({ controlId: 'rotation-enbled' }, CONTROLS)).toThrow('ruleParameters.controlId: expected one of rotation-enabled, unused, required-tags, received "rotation-enbled"');
  });

  it('refuse control parameters, which come from the one params document every vigil Lambda reads', () => {
    expect(() => parseRuleControlId({ controlId: 'unused', unusedForDays: '30' }, CONTROLS)).toThrow('ruleParameters.unusedForDays: a Config rule takes only controlId: control parameters come from the params document (VIGIL_PARAMS');
  });
});

describe('evaluations', () => {
  it('maps PASS, FAIL, NOT_APPLICABLE and ERROR to Config compliance', () => {
    expect(['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR'].map((s) => evaluationOf('arn:x', s as 'PASS', 'r', when).ComplianceType)).toEqual(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']);
  });

  it('keeps the annotation within 256 characters and still says what was read live', () => {
    const text = annotation('x'.repeat(400), ['resource policy', 'KMS key state']);
    expect(text).toHaveLength(256);
    expect(text.endsWith(' (Read live: resource policy, KMS key state.)')).toBe(true);
    expect(annotation('Short reason.', [], { active: true, until: '2026-12-31', reason: 'r', tag: 't' })).toBe('Short reason. Exempted until 2026-12-31.');
  });

  it('sends at most 100 per call, with the result token and test mode', async () => {
    config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    const evaluations = Array.from({ length: 250 }, (_, i) => evaluationOf(`arn:${i}`, 'PASS', 'ok', when));
    const result = await putEvaluations(new ConfigServiceClient({ region: 'us-east-1' }), evaluations, 'token-1', { testMode: true });
    expect(result).toMatchObject({ sent: 250, failed: [], calls: 3 });
    const calls = config.commandCalls(PutEvaluationsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Evaluations?.length)).toEqual([100, 100, 50]);
    expect(calls.every((c) => c.ResultToken === 'token-1' && c.TestMode === true)).toBe(true);
  });

  it('sends again the evaluations Config refused, and reports those it keeps refusing', async () => {
    config
      .on(PutEvaluationsCommand)
      .resolvesOnce({ FailedEvaluations: [evaluationOf('arn:1', 'PASS', 'ok', when), evaluationOf('arn:2', 'PASS', 'ok', when)] })
      .resolvesOnce({ FailedEvaluations: [evaluationOf('arn:2', 'PASS', 'ok', when)] })
      .resolves({ FailedEvaluations: [evaluationOf('arn:2', 'PASS', 'ok', when)] });
    const evaluations = ['arn:0', 'arn:1', 'arn:2'].map((id) => evaluationOf(id, 'PASS', 'ok', when));
    const result = await putEvaluations(new ConfigServiceClient({ region: 'us-east-1' }), evaluations, 't', { testMode: false, sleep: async () => undefined });
    expect(config.commandCalls(PutEvaluationsCommand).map((c) => c.args[0].input.Evaluations?.map((e) => e.ComplianceResourceId))).toEqual([['arn:0', 'arn:1', 'arn:2'], ['arn:1', 'arn:2'], ['arn:2']]);
    expect(result.sent).toBe(2);
    expect(result.failed.map((e) => e.ComplianceResourceId)).toEqual(['arn:2']);
  });
});
