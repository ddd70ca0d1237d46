package secretsmanager.unused_test

import data.lib.secret_test as t
import data.secretsmanager.unused

decide(overrides, params) := d if {
	d := unused.decisions[0] with input as t.input_for(overrides, params)
}

test_pass_when_accessed_recently if decide({}, {}).reason == "Last accessed 2 days ago."

test_fail_when_not_accessed_for_longer_than_the_default_90_days if {
	d := decide({"lastAccessedAt": t.now - (91 * t.day)}, {})
	d.status == "FAIL"
	d.reason == "Not accessed for 91 days; the limit is 90 days."
}

test_pass_on_the_last_day_of_the_period if decide({"lastAccessedAt": t.now - (90 * t.day)}, {}).status == "PASS"

test_limit_comes_from_params if decide({"lastAccessedAt": t.now - (8 * t.day)}, {"unusedForDays": 7}).status == "FAIL"

test_never_accessed_counts_from_creation if {
	d := decide({"lastAccessedAt": null}, {})
	d.status == "FAIL"
	d.reason == "Never accessed in the 200 days since it was created; the limit is 90 days."
}

test_pass_when_never_accessed_but_new if decide({"lastAccessedAt": null, "createdAt": t.now - (3 * t.day)}, {}).status == "PASS"

test_error_when_never_accessed_and_creation_unknown if decide({"lastAccessedAt": null, "createdAt": null}, {}).status == "ERROR"

test_error_when_last_access_is_unreadable if {
	d := decide({"lastAccessedAt": null, "unreadable": {"lastAccessedAt": "not in an AWS Config item"}}, {})
	d.status == "ERROR"
	contains(d.reason, "not in an AWS Config item")
}
