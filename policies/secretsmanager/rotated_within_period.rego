# METADATA
# title: Rotated within the required period
# description: |
#   The secret rotated within maxDaysSinceRotation days (default 90). A secret younger than that which never rotated passes.
# custom:
#   id: rotated-within-period
#   severity: MEDIUM
#   remediation: Rotate the secret now (aws secretsmanager rotate-secret --secret-id <arn>) and turn on automatic rotation so it stays within the period.
#   awsConfigRule: secretsmanager-secret-periodic-rotation
#   securityHub: SecretsManager.4
#   frameworks:
#     NIST-SP-800-53-r5: ["AC-2(1)", "AC-3(15)"]
#   frameworkSource: Security Hub CSPM "Related requirements" of SecretsManager.4 (AWS Security Hub User Guide, Secrets Manager controls). The HIPAA conformance pack does not include this rule, so no HIPAA mapping is claimed; the NIST and PCI packs' mappings of it were not readable here.
package secretsmanager.rotated_within_period

import data.lib.status

decisions := [decide(s, object.get(input, "params", {}), input.now) | some s in input.secrets]

max_days(params) := object.get(params, "maxDaysSinceRotation", 90)

decide(s, params, now) := status.not_applicable("A replica rotates with its primary secret.") if s.isReplica

else := status.error(status.text(["When the secret last rotated could not be read (", status.unreadable(s, "lastRotatedAt"), ")."]), evidence(s, params)) if {
	status.unreadable(s, "lastRotatedAt")
}

else := status.fail(status.text(["Last rotated ", status.days_between(s.lastRotatedAt, now), " days ago; the limit is ", max_days(params), " days."]), evidence(s, params)) if {
	is_number(s.lastRotatedAt)
	status.days_between(s.lastRotatedAt, now) > max_days(params)
}

else := status.pass(status.text(["Rotated ", status.days_between(s.lastRotatedAt, now), " days ago."]), evidence(s, params)) if {
	is_number(s.lastRotatedAt)
}

else := status.error("The secret has never rotated and its creation date is unknown.", evidence(s, params)) if {
	not is_number(s.createdAt)
}

else := status.fail(status.text(["Never rotated in the ", status.days_between(s.createdAt, now), " days since it was created; the limit is ", max_days(params), " days."]), evidence(s, params)) if {
	status.days_between(s.createdAt, now) > max_days(params)
}

else := status.pass(status.text(["Never rotated, but created only ", status.days_between(s.createdAt, now), " days ago."]), evidence(s, params))

evidence(s, params) := {"lastRotatedAt": s.lastRotatedAt, "createdAt": s.createdAt, "maxDaysSinceRotation": max_days(params)}
