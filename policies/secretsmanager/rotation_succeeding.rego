# METADATA
# title: Rotation succeeds on schedule
# description: |
#   A secret with rotation on rotated when it should: its next rotation date has not passed by more than the rotation
#   window and graceHours, its last rotation is not older than interval + window + grace, AWS Config does not report
#   RotationOccurringAsScheduled false, and no AWSPENDING version has outlived the window.
# custom:
#   id: rotation-succeeding
#   severity: MEDIUM
#   remediation: Read the rotation function's CloudWatch logs and the RotationFailed events in CloudTrail, fix the cause (permissions, network access to the database, the function's code), then rotate again with aws secretsmanager rotate-secret --secret-id <arn>.
#   awsConfigRule: secretsmanager-scheduled-rotation-success-check
#   securityHub: SecretsManager.2
#   frameworks:
#     NIST-SP-800-53-r5: ["AC-2(1)", "AC-3(15)"]
#   frameworkSource: Security Hub CSPM "Related requirements" of SecretsManager.2 (AWS Security Hub User Guide, Secrets Manager controls). The HIPAA conformance pack does not include this rule, so no HIPAA mapping is claimed; the NIST and PCI packs' mappings of it were not readable here.
#   evidence:
#     secret: [nextRotationAt, lastRotatedAt, rotationIntervalSeconds, rotationOccurringAsScheduled]
#     params: [graceHours]
package secretsmanager.rotation_succeeding

import data.lib.status

decisions := [decide(s, slack_seconds(s)) | some s in input.secrets]

grace_seconds := status.param("graceHours", 24) * status.hour_seconds

# Without a stated duration, a rotation window lasts the rest of the day it opens on.
window_seconds(s) := s.rotationWindowSeconds if is_number(s.rotationWindowSeconds)

else := status.day_seconds

# How long after a rotation falls due it may still be under way: the rotation window, then graceHours.
slack_seconds(s) := window_seconds(s) + grace_seconds

decide(s, slack) := status.not_applicable("A replica rotates with its primary secret.") if s.isReplica

else := status.not_applicable("Rotation is off; the rotation-enabled control reports that.") if not s.rotationEnabled

else := status.fail("AWS Config reports that rotation is not occurring as scheduled.", evidence(s)) if {
	s.rotationOccurringAsScheduled == false
}

else := status.fail(status.text(["The next rotation was due ", status.days_between(s.nextRotationAt, input.now), " days ago and has not happened."]), evidence(s)) if {
	is_number(s.nextRotationAt)
	input.now > s.nextRotationAt + slack
}

else := status.fail(status.text(["Last rotated ", status.days_between(s.lastRotatedAt, input.now), " days ago, longer than the ", status.days(s.rotationIntervalSeconds), "-day schedule allows."]), evidence(s)) if {
	is_number(s.lastRotatedAt)
	is_number(s.rotationIntervalSeconds)
	input.now > (s.lastRotatedAt + s.rotationIntervalSeconds) + slack
}

else := status.fail(status.text(["Rotation is on but the secret has never rotated in the ", status.days_between(s.createdAt, input.now), " days since it was created."]), evidence(s)) if {
	s.lastRotatedAt == null
	not status.unreadable(s, "lastRotatedAt")
	is_number(s.createdAt)
	is_number(s.rotationIntervalSeconds)
	input.now > (s.createdAt + s.rotationIntervalSeconds) + slack
}

else := status.fail(status.text(["Version ", stuck, " is still labelled AWSPENDING after the rotation window: a rotation is stuck."]), evidence(s)) if {
	stuck := stuck_pending(s, slack)
}

else := status.pass("AWS Config reports that rotation is occurring as scheduled.", evidence(s)) if {
	s.rotationOccurringAsScheduled == true
	status.unreadable(s, "lastRotatedAt")
}

else := status.error(status.text(["When the secret last rotated could not be read (", status.unreadable(s, "lastRotatedAt"), ")."]), evidence(s)) if {
	status.unreadable(s, "lastRotatedAt")
}

else := status.pass("Rotation is on and on schedule.", evidence(s))

# A version labelled AWSPENDING but not AWSCURRENT, created longer ago than the window and the grace.
stuck_pending(s, slack) := v.versionId if {
	some v in object.get(s, "versions", [])
	"AWSPENDING" in v.stages
	not "AWSCURRENT" in v.stages
	is_number(v.createdAt)
	input.now > v.createdAt + slack
}

# Beside the fields METADATA declares: the window as judged (with its default) and the time judged at.
evidence(s) := {"rotationWindowSeconds": window_seconds(s), "now": input.now}
