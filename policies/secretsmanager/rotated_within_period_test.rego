package secretsmanager.rotated_within_period_test

import data.lib.secret_test as t
import data.secretsmanager.rotated_within_period

decide(overrides, params) := d if {
	d := rotated_within_period.decisions[0] with input as t.input_for(overrides, params)
}

test_pass_when_rotated_recently if decide({}, {}).reason == "Rotated 10 days ago."

test_fail_when_last_rotation_is_older_than_the_default_90_days if {
	d := decide({"lastRotatedAt": t.now - (91 * t.day)}, {})
	d.status == "FAIL"
	d.reason == "Last rotated 91 days ago; the limit is 90 days."
}

test_limit_comes_from_params if decide({"lastRotatedAt": t.now - (31 * t.day)}, {"maxDaysSinceRotation": 30}).status == "FAIL"

test_pass_when_never_rotated_but_younger_than_the_period if {
	d := decide({"lastRotatedAt": null, "createdAt": t.now - (20 * t.day)}, {})
	d.status == "PASS"
	d.reason == "Never rotated, but created only 20 days ago."
}

test_fail_when_never_rotated_and_older_than_the_period if decide({"lastRotatedAt": null}, {}).status == "FAIL"

test_error_when_never_rotated_and_creation_unknown if decide({"lastRotatedAt": null, "createdAt": null}, {}).status == "ERROR"

test_not_applicable_for_a_replica if decide({"isReplica": true}, {}).status == "NOT_APPLICABLE"

test_error_when_last_rotation_is_unreadable if {
	d := decide({"lastRotatedAt": null, "unreadable": {"lastRotatedAt": "not recorded in an AWS Config configuration item"}}, {})
	d.status == "ERROR"
	contains(d.reason, "not recorded in an AWS Config configuration item")
}

test_pass_for_a_managed_external_secret_rotated_recently_without_a_lambda if {
	overrides := {"secretType": "SalesforceClientCredentials", "rotationLambdaArn": null}
	d := rotated_within_period.decisions[0] with input as t.input_for(overrides, {})
	d.status == "PASS"
}
