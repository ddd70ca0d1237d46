import { ParamsError } from '../controls/params.js';

/**
 * A Config rule's input parameters: `controlId` alone. The control parameters are the deployment's params document
 * (VIGIL_PARAMS), the one the sweep and the event Lambda read, so that Config never judges by other thresholds.
 */
export function parseRuleControlId(raw: Record<string, unknown>, knownControls: readonly string[]): string {
  const { controlId, ...rest } = raw;
  if (typeof controlId !== 'string' || !knownControls.includes(controlId)) {
    throw new ParamsError('ruleParameters.controlId', `expected one of ${knownControls.join(', ')}, received ${JSON.stringify(controlId ?? null)}`);
  }
  const [other] = Object.keys(rest);
  if (other !== undefined) {
    throw new ParamsError(`ruleParameters.${other}`, 'a Config rule takes only controlId: control parameters come from the params document (VIGIL_PARAMS, the deploy parameter "params") that the sweep and the event Lambda read too');
  }
  return controlId;
}
