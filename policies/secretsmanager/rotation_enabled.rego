# METADATA
# title: Automatic rotation is enabled
# description: |
#   The secret rotates automatically (by a rotation Lambda, managed by the service that owns it, or, for a managed
#   external secret, by Secrets Manager through its ExternalSecretRotationRoleArn, with no Lambda), and, when
#   maxRotationIntervalDays is set, at least that often (AutomaticallyAfterDays, rate() or cron() schedule).
# custom:
#   id: rotation-enabled
#   severity: MEDIUM
#   remediation: Turn on automatic rotation (aws secretsmanager rotate-secret --secret-id <arn> --rotation-lambda-arn <function> --rotation-rules AutomaticallyAfterDays=30), or shorten the schedule to the required interval.
#   awsConfigRule: secretsmanager-rotation-enabled-check
#   securityHub: SecretsManager.1
#   frameworks:
#     NIST-SP-800-53-r5: ["AC-2(1)", "AC-3(15)"]
#     PCI-DSS-v4.0.1: ["8.3.9", "8.6.3"]
#     HIPAA-Security-Rule: ["164.308(a)(4)(ii)(B)"]
#   frameworkSource: HIPAA and PCI DSS from the conformance packs' mapping of secretsmanager-rotation-enabled-check in the AWS Config conformance packs, as mirrored rule by rule in AWS's cdk-nag packs (cdklabs/cdk-nag src/packs/hipaa-security.ts, pci-dss-400.ts, nist-800-53-r5.ts; the pack pages' own tables were not readable here); PCI DSS (pack v4.0, numbering unchanged in v4.0.1) agrees with Security Hub. NIST from Security Hub CSPM "Related requirements" of SecretsManager.1 (AWS Security Hub User Guide, Secrets Manager controls); the NIST pack mirror lists a set of transit-encryption controls (AC-4, SC-8...) that does not fit rotation, so it is not adopted.
#   evidence:
#     secret: [rotationEnabled, rotationLambdaArn, owningService, secretType, externalRotationRoleArn, rotationSchedule, rotationIntervalSeconds]
#     params: [maxRotationIntervalDays]
package secretsmanager.rotation_enabled

import data.lib.status

decisions := [decide(s) | some s in input.secrets]

decide(s) := status.not_applicable("A replica rotates with its primary secret.") if s.isReplica

else := status.fail("Automatic rotation is off: the secret keeps the same value until someone changes it by hand.", {}) if {
	not s.rotationEnabled
}

else := status.error(status.text(["The rotation schedule could not be read (", status.unreadable(s, "rotationSchedule"), ")."]), {}) if {
	is_number(max_interval_days)
	status.unreadable(s, "rotationSchedule")
}

else := status.fail("Rotation is on but its schedule never fires again.", {}) if {
	is_number(max_interval_days)
	s.rotationSchedule != null
	s.rotationIntervalSeconds == null
}

else := status.fail(status.text(["Rotation runs only every ", status.days(s.rotationIntervalSeconds), " days, more than the ", max_interval_days, " days allowed."]), {}) if {
	s.rotationIntervalSeconds > max_interval_seconds
}

else := status.pass(pass_reason(s), {})

max_interval_days := status.param("maxRotationIntervalDays", null)

max_interval_seconds := max_interval_days * status.day_seconds if is_number(max_interval_days)

pass_reason(s) := status.text(["Rotation of this managed external secret (", s.secretType, ") runs on its schedule through ", object.get(s, "externalRotationRoleArn", null), "."]) if {
	is_string(object.get(s, "secretType", null))
	is_string(object.get(s, "externalRotationRoleArn", null))
}

else := status.text(["Rotation is managed by ", s.owningService, "."]) if {
	s.owningService != null
	s.rotationLambdaArn == null
}

else := "Automatic rotation is on."
