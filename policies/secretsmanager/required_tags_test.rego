package secretsmanager.required_tags_test

import data.lib.secret_test as t
import data.secretsmanager.required_tags

decide(overrides, params) := d if {
	d := required_tags.decisions[0] with input as t.input_for(overrides, params)
}

test_not_applicable_when_no_tags_are_required if decide({}, {}).status == "NOT_APPLICABLE"

test_pass_when_every_required_tag_is_present if decide({}, {"requiredTagKeys": ["team", "owner"]}).status == "PASS"

test_fail_naming_the_missing_tags if {
	d := decide({}, {"requiredTagKeys": ["team", "cost-center", "data-classification"]})
	d.status == "FAIL"
	d.reason == "Missing required tags: cost-center, data-classification."
}

test_ignore_required_aws_prefixed_keys if decide({}, {"requiredTagKeys": ["aws:cloudformation:stack-name", "team"]}).status == "PASS"

test_tag_keys_are_case_sensitive if decide({}, {"requiredTagKeys": ["Team"]}).status == "FAIL"
