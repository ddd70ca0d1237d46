package secretsmanager.no_public_principal_test

import data.lib.secret_test as t
import data.secretsmanager.no_public_principal

decide(policy) := d if {
	d := no_public_principal.decisions[0] with input as t.input_for({"resourcePolicy": policy}, {})
}

doc(statements) := json.marshal({"Version": "2012-10-17", "Statement": statements})

test_pass_without_a_resource_policy if decide(null).reason == "The secret has no resource policy."

test_fail_when_principal_is_star_without_condition if {
	d := decide(doc([{"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]))
	d.status == "FAIL"
	d.evidence.publicStatements == ["statement \"Open\""]
}

test_pass_when_principal_is_bounded_to_the_organisation if {
	decide(doc([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}])).status == "PASS"
}

test_error_when_the_policy_is_not_json if decide("{not json").status == "ERROR"

test_error_when_the_policy_is_unreadable if {
	d := no_public_principal.decisions[0] with input as t.input_for({"unreadable": {"resourcePolicy": "AccessDeniedException"}}, {})
	d.status == "ERROR"
}

test_pass_for_awss_recommended_org_bounded_deny if {
	d := decide(doc([
		{"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
		{"Sid": "OnlyOurOrg", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
	]))
	d.status == "PASS"
	d.reason == "No statement of the resource policy allows the public. The Allow of statement \"Read\" reaches only whom statement \"OnlyOurOrg\" does not deny."
	d.evidence.boundedByDeny == [{"statement": "statement \"Read\"", "boundedBy": ["statement \"OnlyOurOrg\""]}]
}

test_fail_when_the_deny_has_a_further_condition if {
	d := decide(doc([
		{"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
		{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "Bool": {"aws:SecureTransport": "true"}}},
	]))
	d.status == "FAIL"
	d.evidence.publicStatements == ["statement \"Read\""]
}

test_fail_names_the_policy_other_than_default if {
	open := json.marshal({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})
	d := no_public_principal.decisions[0] with input as t.input_for({"otherResourcePolicies": {"cross-account-replication": open}}, {})
	d.status == "FAIL"
	startswith(d.reason, "The \"cross-account-replication\" resource policy's Statement[0] allows anyone")
	d.evidence.publicPolicies[0].policy == "cross-account-replication"
}
