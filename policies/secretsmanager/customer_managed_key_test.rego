package secretsmanager.customer_managed_key_test

import data.lib.secret_test as t
import data.secretsmanager.customer_managed_key

decide(overrides, params) := d if {
	d := customer_managed_key.decisions[0] with input as t.input_for(overrides, params)
}

key_arn := "arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d"

test_pass_with_an_enabled_customer_managed_key if {
	d := decide({}, {})
	d.status == "PASS"
	d.reason == sprintf("Encrypted with customer managed key %v.", [key_arn])
}

test_fail_when_no_key_is_set if decide({"kmsKeyId": null, "kmsKey": null}, {}).status == "FAIL"

test_fail_with_the_aws_managed_alias if decide({"kmsKeyId": "alias/aws/secretsmanager", "kmsKey": null}, {}).status == "FAIL"

test_fail_with_the_aws_managed_alias_arn if {
	decide({"kmsKeyId": "arn:aws:kms:us-east-1:111122223333:alias/aws/secretsmanager", "kmsKey": null}, {}).status == "FAIL"
}

test_fail_when_key_manager_is_aws if {
	d := decide({"kmsKey": {"arn": key_arn, "keyManager": "AWS", "keyState": "Enabled"}}, {})
	d.status == "FAIL"
	d.reason == "Encrypted with an AWS managed KMS key, not a customer managed one."
}

test_fail_when_the_key_is_pending_deletion if {
	d := decide({"kmsKey": {"arn": key_arn, "keyManager": "CUSTOMER", "keyState": "PendingDeletion"}}, {})
	d.status == "FAIL"
	contains(d.reason, "is PendingDeletion")
}

test_fail_when_the_key_is_disabled if decide({"kmsKey": {"arn": key_arn, "keyManager": "CUSTOMER", "keyState": "Disabled"}}, {}).status == "FAIL"

test_fail_when_the_key_is_not_allowed if {
	d := decide({}, {"allowedKmsKeyArns": ["arn:aws:kms:us-east-1:111122223333:key/other"]})
	d.status == "FAIL"
	contains(d.reason, "is not in allowedKmsKeyArns")
}

test_pass_when_the_key_arn_is_allowed if decide({"kmsKeyId": "alias/prod-secrets"}, {"allowedKmsKeyArns": [key_arn]}).status == "PASS"

test_pass_when_the_key_reference_is_allowed if {
	decide({"kmsKeyId": "alias/prod-secrets", "kmsKey": {"arn": null, "keyManager": "CUSTOMER", "keyState": "Enabled"}}, {"allowedKmsKeyArns": ["alias/prod-secrets"]}).status == "PASS"
}

test_pass_when_the_key_id_is_allowed if {
	decide({}, {"allowedKmsKeyArns": ["0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d"]}).status == "PASS"
	decide({"kmsKeyId": "0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d", "kmsKey": null}, {"allowedKmsKeyArns": ["0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d"]}).status == "ERROR"
}

test_fail_when_another_key_id_is_allowed if decide({}, {"allowedKmsKeyArns": ["7e8f-4a1b-9c2d-3e4f5a6b7c8d"]}).status == "FAIL"

test_pass_when_the_alias_name_is_allowed_and_the_secret_names_the_alias_arn if {
	decide({"kmsKeyId": "arn:aws:kms:us-east-1:111122223333:alias/prod-secrets"}, {"allowedKmsKeyArns": ["alias/prod-secrets"]}).status == "PASS"
}

test_pass_when_the_alias_arn_is_allowed_and_the_secret_names_the_alias if {
	decide({"kmsKeyId": "alias/prod-secrets"}, {"allowedKmsKeyArns": ["arn:aws:kms:us-east-1:111122223333:alias/prod-secrets"]}).status == "PASS"
}

test_fail_when_the_alias_arn_is_of_another_account if {
	decide({"kmsKeyId": "alias/prod-secrets"}, {"allowedKmsKeyArns": ["arn:aws:kms:us-east-1:444455556666:alias/prod-secrets"]}).status == "FAIL"
}

test_error_when_the_key_could_not_be_described if {
	d := decide({"kmsKey": null, "unreadable": {"kmsKey": "AccessDeniedException"}}, {})
	d.status == "ERROR"
	contains(d.reason, "AccessDeniedException")
}

test_error_when_no_key_details_were_recorded if {
	d := decide({"kmsKeyId": "alias/prod-secrets", "kmsKey": null}, {})
	d.status == "ERROR"
	contains(d.reason, "no key details were recorded")
}

approved := {"arn": key_arn, "keyManager": "CUSTOMER", "keyState": "Enabled", "aliases": ["alias/approved", "alias/other-name"]}

test_pass_when_an_alias_of_the_key_is_allowed_and_the_secret_names_the_key_arn if {
	decide({"kmsKeyId": key_arn, "kmsKey": approved}, {"allowedKmsKeyArns": ["alias/approved"]}).status == "PASS"
}

test_pass_when_an_alias_of_the_key_is_allowed_and_the_secret_names_another_alias if {
	decide({"kmsKeyId": "alias/other-name", "kmsKey": approved}, {"allowedKmsKeyArns": ["alias/approved"]}).status == "PASS"
}

test_pass_when_the_alias_arn_of_the_key_is_allowed if {
	decide({"kmsKeyId": "0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d", "kmsKey": approved}, {"allowedKmsKeyArns": ["arn:aws:kms:us-east-1:111122223333:alias/approved"]}).status == "PASS"
}

test_fail_when_the_alias_arn_of_the_key_is_of_another_region if {
	decide({"kmsKeyId": key_arn, "kmsKey": approved}, {"allowedKmsKeyArns": ["arn:aws:kms:eu-west-1:111122223333:alias/approved"]}).status == "FAIL"
}

test_fail_when_another_alias_is_allowed_naming_the_key_aliases if {
	d := decide({"kmsKeyId": key_arn, "kmsKey": approved}, {"allowedKmsKeyArns": ["alias/elsewhere"]})
	d.status == "FAIL"
	d.reason == sprintf("Key %v (aliases alias/approved, alias/other-name) is not in allowedKmsKeyArns.", [key_arn])
}

test_fail_says_when_the_aliases_were_not_read if {
	d := decide({"kmsKeyId": key_arn}, {"allowedKmsKeyArns": ["alias/approved"]})
	d.status == "FAIL"
	contains(d.reason, "its aliases were not read")
}

test_fail_with_no_aliases_and_no_alias_entry_names_none if {
	d := decide({"kmsKeyId": key_arn, "kmsKey": object.union(approved, {"aliases": []})}, {"allowedKmsKeyArns": ["alias/approved", "0b4a5c6d-0000-4a1b-9c2d-3e4f5a6b7c8d"]})
	d.reason == sprintf("Key %v is not in allowedKmsKeyArns.", [key_arn])
}
