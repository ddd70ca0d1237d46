package vigil_test

import data.lib.secret_test
import data.vigil

controls := {
	"customer_managed_key", "no_public_principal", "no_untrusted_cross_account", "no_untrusted_replica", "pending_deletion",
	"replication_healthy", "required_tags", "rotated_within_period", "rotation_enabled", "rotation_succeeding", "unused",
}

test_decisions_hold_every_control_for_every_secret if {
	result := vigil.decisions with input as {"now": secret_test.now, "secrets": [secret_test.base, secret_test.base]}
	{name | some name, _ in result} == controls
	every name in controls {
		count(result[name]) == 2
	}
}

test_selected_holds_only_the_named_controls if {
	result := vigil.selected with input as {
		"now": secret_test.now,
		"secrets": [secret_test.base],
		"controls": ["no_public_principal", "required_tags"],
	}
	{name | some name, _ in result} == {"no_public_principal", "required_tags"}
	result.no_public_principal[0].status == "PASS"
}

test_selected_with_no_controls_is_empty if {
	result := vigil.selected with input as {"now": secret_test.now, "secrets": [secret_test.base], "controls": []}
	result == {}
}
