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
#   evidence:
#     secret: [lastRotatedAt, createdAt]
#     params: [maxDaysSinceRotation]
package secretsmanager.rotated_within_period

import data.lib.status

decisions := [decide(s, status.days_since(s.lastRotatedAt)) | some s in input.secrets]

max_days := status.param("maxDaysSinceRotation", 90)

decide(s, rotated) := status.not_applicable("A replica rotates with its primary secret.") if s.isReplica

else := status.error(status.text(["When the secret last rotated could not be read (", status.unreadable(s, "lastRotatedAt"), ")."]), {}) if {
	status.unreadable(s, "lastRotatedAt")
}

else := status.fail(status.text(["Last rotated ", rotated, " days ago; the limit is ", max_days, " days."]), {}) if {
	is_number(rotated)
	rotated > max_days
}

else := status.pass(status.text(["Rotated ", rotated, " days ago."]), {}) if is_number(rotated)

else := never_rotated(status.days_since(s.createdAt))

# A secret that never rotated is judged by its age.
never_rotated(created) := status.error("The secret has never rotated and its creation date is unknown.", {}) if created == null

else := status.fail(status.text(["Never rotated in the ", created, " days since it was created; the limit is ", max_days, " days."]), {}) if {
	created > max_days
}

else := status.pass(status.text(["Never rotated, but created only ", created, " days ago."]), {})
