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

last_reader := {"principal": "arn:aws:iam::111122223333:role/orders-api", "lastSeen": t.now - (120 * t.day), "lastSeenAt": "2026-07-23T09:30:00Z"}

test_fail_cites_the_last_reader_when_the_access_audit_saw_one if {
	d := decide({"lastAccessedAt": t.now - (120 * t.day), "lastReader": last_reader}, {})
	d.status == "FAIL"
	d.reason == "Not accessed for 120 days; the limit is 90 days. The last read vigil saw was by arn:aws:iam::111122223333:role/orders-api at 2026-07-23T09:30:00Z."
}

test_pass_cites_the_last_reader_too if {
	d := decide({"lastReader": object.union(last_reader, {"lastSeen": t.now - (2 * t.day), "lastSeenAt": "2026-11-18T08:00:00Z"})}, {})
	d.status == "PASS"
	d.reason == "Last accessed 2 days ago. The last read vigil saw was by arn:aws:iam::111122223333:role/orders-api at 2026-11-18T08:00:00Z."
}

test_the_last_reader_never_changes_the_status if {
	d := decide({"lastAccessedAt": t.now - (120 * t.day), "lastReader": object.union(last_reader, {"lastSeen": t.now - t.day, "lastSeenAt": "2026-11-19T00:00:00Z"})}, {})
	d.status == "FAIL"
}

test_no_citation_without_a_last_reader if not contains(decide({"lastAccessedAt": t.now - (120 * t.day)}, {}).reason, "vigil saw")
