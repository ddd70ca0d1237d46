package secretsmanager.rotation_enabled_test

import data.lib.secret_test as t
import data.secretsmanager.rotation_enabled

decide(overrides, params) := d if {
	d := rotation_enabled.decisions[0] with input as t.input_for(overrides, params)
}

test_pass_when_rotation_is_on if decide({}, {}).status == "PASS"

test_fail_when_rotation_is_off if {
	d := decide({"rotationEnabled": false}, {})
	d.status == "FAIL"
	contains(d.reason, "Automatic rotation is off")
}

test_not_applicable_for_a_replica if decide({"isReplica": true, "rotationEnabled": false}, {}).status == "NOT_APPLICABLE"

test_pass_for_a_service_managed_secret_without_a_rotation_function if {
	d := decide({"owningService": "rds", "rotationLambdaArn": null}, {})
	d.status == "PASS"
	d.reason == "Rotation is managed by rds."
}

test_fail_when_interval_exceeds_the_maximum if {
	d := decide({"rotationIntervalSeconds": 45 * t.day}, {"maxRotationIntervalDays": 30})
	d.status == "FAIL"
	d.reason == "Rotation runs only every 45 days, more than the 30 days allowed."
}

test_pass_when_interval_is_within_the_maximum if decide({"rotationIntervalSeconds": 7 * t.day}, {"maxRotationIntervalDays": 30}).status == "PASS"

test_pass_without_a_maximum_whatever_the_interval if decide({"rotationIntervalSeconds": 365 * t.day}, {}).status == "PASS"

test_fail_when_the_schedule_never_fires_again if {
	d := decide({"rotationSchedule": "cron(0 0 1 1 ? 2001)", "rotationIntervalSeconds": null}, {"maxRotationIntervalDays": 30})
	d.status == "FAIL"
	contains(d.reason, "never fires")
}

test_error_when_the_schedule_is_unreadable_and_a_maximum_applies if {
	d := decide({"unreadable": {"rotationSchedule": "unsupported cron expression"}}, {"maxRotationIntervalDays": 30})
	d.status == "ERROR"
	contains(d.reason, "unsupported cron expression")
}

external := {
	"secretType": "SalesforceClientCredentials",
	"externalRotationRoleArn": "arn:aws:iam::111122223333:role/vigil-external-rotation",
	"rotationLambdaArn": null,
}

test_pass_for_a_managed_external_secret_without_a_lambda if {
	d := rotation_enabled.decisions[0] with input as t.input_for(external, {})
	d.status == "PASS"
	contains(d.reason, "managed external secret (SalesforceClientCredentials)")
}

test_fail_for_a_managed_external_secret_whose_rotation_is_off if {
	d := rotation_enabled.decisions[0] with input as t.input_for(object.union(external, {"rotationEnabled": false}), {})
	d.status == "FAIL"
}
