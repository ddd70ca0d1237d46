import { DEFAULT_PARAMS, ParamsError, parseParams, type ControlParams } from '../controls/params.js';

const LIST_PARAMS = new Set(['allowedKmsKeyArns', 'trustedAccounts', 'trustedOrgIds', 'requiredTagKeys']);
const NUMBER_PARAMS = new Set(['maxRotationIntervalDays', 'graceHours', 'maxDaysSinceRotation', 'unusedForDays']);

export interface RuleParameters {
  controlId: string;
  params: ControlParams;
}

/**
 * A Config rule's input parameters: `controlId` and that control's parameters, which Config passes as strings
 * ("90"; lists as "a,b" or as a JSON list). An empty document means the defaults.
 */
export function parseRuleParameters(raw: Record<string, unknown>, knownControls: readonly string[]): RuleParameters {
  const { controlId, ...rest } = raw;
  if (typeof controlId !== 'string' || !knownControls.includes(controlId)) {
    throw new ParamsError('ruleParameters.controlId', `expected one of ${knownControls.join(', ')}, received ${JSON.stringify(controlId ?? null)}`);
  }
  const typed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (typeof value !== 'string') typed[key] = value;
    else if (NUMBER_PARAMS.has(key)) typed[key] = value.trim() === '' ? undefined : Number(value);
    else if (LIST_PARAMS.has(key)) typed[key] = value.trim().startsWith('[') ? safeJson(value, key) : value.split(',').map((v) => v.trim()).filter(Boolean);
    else typed[key] = value;
  }
  const params = Object.keys(typed).length ? parseParams(typed, 'ruleParameters') : DEFAULT_PARAMS;
  return { controlId, params };
}

function safeJson(text: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ParamsError(`ruleParameters.${key}`, 'expected a comma-separated list or a JSON list');
  }
}
