package secretsmanager.pending_deletion_test

import data.lib.secret_test as t
import data.secretsmanager.pending_deletion

decide(overrides) := d if {
	d := pending_deletion.decisions[0] with input as t.input_for(overrides, {})
}

test_pass_when_not_scheduled_for_deletion if decide({}).status == "PASS"

test_fail_when_scheduled_for_deletion if {
	d := decide({"deletedAt": t.now - t.day})
	d.status == "FAIL"
	startswith(d.reason, "The secret is scheduled for deletion")
}
