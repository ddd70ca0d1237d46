// The rule patterns of src/reactions/event-patterns.json, each bounded to the accounts vigil watches (the stack's own and the
// `watchedAccounts` parameter's), so a permissive bus policy cannot feed vigil another account's events.
const patterns = require('../src/reactions/event-patterns.json');
// The access audit's read rule (AuditReadRule): src/audit/read-pattern.json, which the demo installs in the emulator too.
const auditReads = require('../src/audit/read-pattern.json');

module.exports = async ({ resolveVariable }) => {
  const listed = String((await resolveVariable('param:watchedAccounts')) ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  for (const id of listed) if (!/^\d{12}$/.test(id)) throw new Error(`param watchedAccounts: "${id}" is not a 12-digit AWS account id`);
  const account = [{ Ref: 'AWS::AccountId' }, ...listed];
  // The organisation bus: its policy admits only the organisation's accounts, and an event of an account outside it cannot
  // be read (the member role is assumed only within the organisation); `orgAccounts`, when set, bounds the rules too.
  const orgListed = String((await resolveVariable('param:orgAccounts')) ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  for (const id of orgListed) if (!/^\d{12}$/.test(id)) throw new Error(`param orgAccounts: "${id}" is not a 12-digit AWS account id`);
  const org = (pattern) => (orgListed.length ? { ...pattern, account: orgListed } : pattern);
  const capital = (name) => name[0].toUpperCase() + name.slice(1);
  return {
    ...Object.fromEntries(Object.entries(patterns).map(([name, pattern]) => [name, { ...pattern, account }])),
    ...Object.fromEntries(Object.entries(patterns).map(([name, pattern]) => [`org${capital(name)}`, org(pattern)])),
    // The access audit's read rule, bounded the same way.
    auditReads: { ...auditReads, account },
    orgAuditReads: org(auditReads),
  };
};
