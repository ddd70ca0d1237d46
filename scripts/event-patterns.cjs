// The rule patterns of src/reactions/event-patterns.json, each bounded to the accounts vigil watches (the stack's own and the
// `watchedAccounts` parameter's), so a permissive bus policy cannot feed vigil another account's events.
const patterns = require('../src/reactions/event-patterns.json');

module.exports = async ({ resolveVariable }) => {
  const listed = String((await resolveVariable('param:watchedAccounts')) ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  for (const id of listed) if (!/^\d{12}$/.test(id)) throw new Error(`param watchedAccounts: "${id}" is not a 12-digit AWS account id`);
  const account = [{ Ref: 'AWS::AccountId' }, ...listed];
  // The access audit's read rule (AuditReadRule), bounded the same way.
  const auditReads = { source: ['aws.secretsmanager'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['GetSecretValue', 'BatchGetSecretValue'] } };
  return { ...Object.fromEntries(Object.entries(patterns).map(([name, pattern]) => [name, { ...pattern, account }])), auditReads: { ...auditReads, account } };
};
