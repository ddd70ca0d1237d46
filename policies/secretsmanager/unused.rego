# METADATA
# title: Used within the period
# description: |
#   The secret was retrieved within unusedForDays days (default 90). LastAccessedDate is a date, truncated to midnight,
#   so days are counted whole; a secret never accessed counts from its creation, so new secrets have a grace period.
# custom:
#   id: unused
#   severity: MEDIUM
#   remediation: Confirm nothing needs the secret (CloudTrail GetSecretValue events, application owners), then schedule its deletion with aws secretsmanager delete-secret --secret-id <arn> --recovery-window-in-days 30.
#   awsConfigRule: secretsmanager-secret-unused
#   securityHub: SecretsManager.3
#   frameworks:
#     NIST-SP-800-53-r5: ["AC-2(1)", "AC-3(15)"]
#   frameworkSource: Security Hub CSPM "Related requirements" of SecretsManager.3 (AWS Security Hub User Guide, Secrets Manager controls). The HIPAA conformance pack does not include this rule, so no HIPAA mapping is claimed; the NIST and PCI packs' mappings of it were not readable here.
package secretsmanager.unused

import data.lib.status

decisions := [decide(s, object.get(input, "params", {}), input.now) | some s in input.secrets]

limit(params) := object.get(params, "unusedForDays", 90)

decide(s, params, now) := status.error(status.text(["When the secret was last accessed could not be read (", status.unreadable(s, "lastAccessedAt"), ")."]), evidence(s, params)) if {
	status.unreadable(s, "lastAccessedAt")
}

else := status.fail(status.text(["Not accessed for ", status.days_between(s.lastAccessedAt, now), " days; the limit is ", limit(params), " days."]), evidence(s, params)) if {
	is_number(s.lastAccessedAt)
	status.days_between(s.lastAccessedAt, now) > limit(params)
}

else := status.pass(status.text(["Last accessed ", status.days_between(s.lastAccessedAt, now), " days ago."]), evidence(s, params)) if {
	is_number(s.lastAccessedAt)
}

else := status.error("The secret was never accessed and its creation date is unknown.", evidence(s, params)) if {
	not is_number(s.createdAt)
}

else := status.fail(status.text(["Never accessed in the ", status.days_between(s.createdAt, now), " days since it was created; the limit is ", limit(params), " days."]), evidence(s, params)) if {
	status.days_between(s.createdAt, now) > limit(params)
}

else := status.pass(status.text(["Never accessed, but created only ", status.days_between(s.createdAt, now), " days ago."]), evidence(s, params))

evidence(s, params) := {"lastAccessedAt": s.lastAccessedAt, "createdAt": s.createdAt, "unusedForDays": limit(params)}
