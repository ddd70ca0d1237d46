# METADATA
# title: Used within the period
# description: |
#   The secret was retrieved within unusedForDays days (default 90). LastAccessedDate is a date, truncated to midnight,
#   so days are counted whole; a secret never accessed counts from its creation, so new secrets have a grace period.
#   When the access audit has seen the secret read (input lastReader), the reason also names who read it last, and when.
# custom:
#   id: unused
#   severity: MEDIUM
#   remediation: Confirm nothing needs the secret (CloudTrail GetSecretValue events, application owners), then schedule its deletion with aws secretsmanager delete-secret --secret-id <arn> --recovery-window-in-days 30.
#   awsConfigRule: secretsmanager-secret-unused
#   securityHub: SecretsManager.3
#   frameworks:
#     NIST-SP-800-53-r5: ["AC-2(1)", "AC-3(15)"]
#   frameworkSource: Security Hub CSPM "Related requirements" of SecretsManager.3 (AWS Security Hub User Guide, Secrets Manager controls). The HIPAA conformance pack does not include this rule, so no HIPAA mapping is claimed; the NIST and PCI packs' mappings of it were not readable here.
#   evidence:
#     secret: [lastAccessedAt, createdAt, lastReader]
#     params: [unusedForDays]
package secretsmanager.unused

import data.lib.status

decisions := [cite_last_reader(s, decide(s, status.days_since(s.lastAccessedAt))) | some s in input.secrets]

limit := status.param("unusedForDays", 90)

decide(s, accessed) := status.error(status.text(["When the secret was last accessed could not be read (", status.unreadable(s, "lastAccessedAt"), ")."]), {}) if {
	status.unreadable(s, "lastAccessedAt")
}

else := status.fail(status.text(["Not accessed for ", accessed, " days; the limit is ", limit, " days."]), {}) if {
	is_number(accessed)
	accessed > limit
}

else := status.pass(status.text(["Last accessed ", accessed, " days ago."]), {}) if is_number(accessed)

else := never_accessed(status.days_since(s.createdAt))

# A secret never accessed is judged by its age.
never_accessed(created) := status.error("The secret was never accessed and its creation date is unknown.", {}) if created == null

else := status.fail(status.text(["Never accessed in the ", created, " days since it was created; the limit is ", limit, " days."]), {}) if {
	created > limit
}

else := status.pass(status.text(["Never accessed, but created only ", created, " days ago."]), {})

# The access audit's last reader, when the sweep has one: whoever must confirm nothing needs the secret starts there.
cite_last_reader(s, d) := {"status": d.status, "reason": status.text([d.reason, " The last read vigil saw was by ", s.lastReader.principal, " at ", s.lastReader.lastSeenAt, "."]), "evidence": d.evidence} if {
	is_string(s.lastReader.principal)
	is_string(s.lastReader.lastSeenAt)
}

else := d
