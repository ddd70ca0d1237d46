package secretsmanager.rotation_succeeding_test

import data.lib.secret_test as t
import data.secretsmanager.rotation_succeeding

decide(overrides, params) := d if {
	d := rotation_succeeding.decisions[0] with input as t.input_for(overrides, params)
}

test_pass_when_rotation_is_on_schedule if decide({}, {}).status == "PASS"

test_not_applicable_when_rotation_is_off if decide({"rotationEnabled": false}, {}).status == "NOT_APPLICABLE"

test_not_applicable_for_a_replica if decide({"isReplica": true}, {}).status == "NOT_APPLICABLE"

test_fail_when_config_reports_rotation_not_as_scheduled if decide({"rotationOccurringAsScheduled": false}, {}).status == "FAIL"

test_fail_when_the_next_rotation_date_passed_beyond_window_and_grace if {
	d := decide({"nextRotationAt": t.now - (3 * t.day)}, {})
	d.status == "FAIL"
	d.reason == "The next rotation was due 3 days ago and has not happened."
}

test_pass_when_the_next_rotation_is_overdue_within_window_and_grace if {
	decide({"nextRotationAt": t.now - (47 * 3600), "lastRotatedAt": t.now - (31 * t.day)}, {}).status == "PASS"
}

test_grace_hours_come_from_params if {
	decide({"nextRotationAt": t.now - (30 * 3600), "lastRotatedAt": t.now - (5 * t.day)}, {"graceHours": 1}).status == "FAIL"
}

test_fail_when_last_rotation_is_older_than_interval_window_and_grace if {
	d := decide({"nextRotationAt": null, "lastRotatedAt": t.now - (33 * t.day)}, {})
	d.status == "FAIL"
	d.reason == "Last rotated 33 days ago, longer than the 30-day schedule allows."
}

test_stated_window_counts_toward_overdue if {
	decide({"nextRotationAt": null, "lastRotatedAt": t.now - (31 * t.day), "rotationWindowSeconds": 3 * 3600}, {"graceHours": 12}).status == "FAIL"
}

test_fail_when_enabled_long_ago_and_never_rotated if {
	d := decide({"nextRotationAt": null, "lastRotatedAt": null}, {})
	d.status == "FAIL"
	contains(d.reason, "never rotated in the 200 days")
}

test_pass_when_enabled_recently_and_not_yet_rotated if {
	decide({"nextRotationAt": null, "lastRotatedAt": null, "createdAt": t.now - (5 * t.day)}, {}).status == "PASS"
}

test_fail_when_an_awspending_version_outlived_the_window if {
	versions := [
		{"versionId": "v-current", "stages": ["AWSCURRENT"], "createdAt": t.now - (10 * t.day)},
		{"versionId": "v-stuck", "stages": ["AWSPENDING"], "createdAt": t.now - (3 * t.day)},
	]
	d := decide({"versions": versions}, {})
	d.status == "FAIL"
	contains(d.reason, "v-stuck is still labelled AWSPENDING")
}

test_pass_when_awspending_sits_on_the_current_version if {
	versions := [{"versionId": "v1", "stages": ["AWSCURRENT", "AWSPENDING"], "createdAt": t.now - (10 * t.day)}]
	decide({"versions": versions}, {}).status == "PASS"
}

test_pass_when_a_pending_version_is_still_within_the_window if {
	versions := [{"versionId": "v2", "stages": ["AWSPENDING"], "createdAt": t.now - 3600}]
	decide({"versions": versions}, {}).status == "PASS"
}

config_item := {"lastRotatedAt": null, "nextRotationAt": null, "unreadable": {"lastRotatedAt": "not recorded in an AWS Config configuration item"}}

test_pass_when_config_reports_rotation_on_schedule_without_dates if {
	d := decide(object.union(config_item, {"rotationOccurringAsScheduled": true}), {})
	d.status == "PASS"
	d.reason == "AWS Config reports that rotation is occurring as scheduled."
}

test_error_when_neither_dates_nor_config_verdict_are_known if decide(config_item, {}).status == "ERROR"

test_pass_for_a_managed_external_secret_rotating_on_schedule_without_a_lambda if {
	overrides := {"secretType": "SalesforceClientCredentials", "externalRotationRoleArn": "arn:aws:iam::111122223333:role/rotation", "rotationLambdaArn": null}
	d := rotation_succeeding.decisions[0] with input as t.input_for(overrides, {})
	d.status == "PASS"
}

test_fail_for_a_managed_external_secret_overdue if {
	overrides := {"secretType": "SalesforceClientCredentials", "rotationLambdaArn": null, "nextRotationAt": t.now - (5 * t.day), "lastRotatedAt": t.now - (40 * t.day)}
	d := rotation_succeeding.decisions[0] with input as t.input_for(overrides, {})
	d.status == "FAIL"
}
