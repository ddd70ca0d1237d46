package secretsmanager.no_untrusted_cross_account_test

import data.lib.secret_test as t
import data.secretsmanager.no_untrusted_cross_account

decide(policy, params) := d if {
	d := no_untrusted_cross_account.decisions[0] with input as t.input_for({"resourcePolicy": policy}, params)
}

doc(statements) := json.marshal({"Version": "2012-10-17", "Statement": statements})

partner := {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/partner"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}

test_pass_without_a_resource_policy if decide(null, {}).status == "PASS"

test_fail_for_an_untrusted_account if {
	d := decide(doc([partner]), {})
	d.status == "FAIL"
	d.reason == "The resource policy's Statement[0] reaches 444455556666, outside this account and the trusted accounts and organisations."
}

test_pass_for_a_trusted_account if decide(doc([partner]), {"trustedAccounts": ["444455556666"]}).status == "PASS"

test_pass_for_the_secrets_own_account if {
	own := object.union(partner, {"Principal": {"AWS": "arn:aws:iam::111122223333:root"}})
	decide(doc([own]), {}).status == "PASS"
}

test_fail_for_anyone if {
	d := decide(doc([{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]), {})
	contains(d.reason, "reaches any AWS account")
}

test_fail_for_an_untrusted_organisation if {
	org := {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-zzzzzzzzzz"}}}
	d := decide(doc([org]), {"trustedOrgIds": ["o-a1b2c3d4e5"]})
	d.status == "FAIL"
	contains(d.reason, "o-zzzzzzzzzz")
}

test_pass_for_a_trusted_organisation if {
	org := {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
	decide(doc([org]), {"trustedOrgIds": ["o-a1b2c3d4e5"]}).status == "PASS"
}

test_error_when_the_policy_is_not_json if decide("[", {}).status == "ERROR"

test_error_when_the_policy_is_unreadable if {
	d := no_untrusted_cross_account.decisions[0] with input as t.input_for({"unreadable": {"resourcePolicy": "AccessDeniedException"}}, {})
	d.status == "ERROR"
}

deny_outside_org := {"Sid": "OnlyOurOrg", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}

open_read := {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}

test_an_org_bounded_deny_is_judged_by_the_org if {
	d := decide(doc([open_read, deny_outside_org]), {"trustedOrgIds": ["o-a1b2c3d4e5"]})
	d.status == "PASS"
	d.evidence.boundedByDeny == [{"statement": "statement \"Read\"", "boundedBy": ["statement \"OnlyOurOrg\""]}]
	f := decide(doc([open_read, deny_outside_org]), {})
	f.status == "FAIL"
	f.reason == "The resource policy's statement \"Read\" reaches o-a1b2c3d4e5 (all that statement \"OnlyOurOrg\" lets through), outside this account and the trusted accounts and organisations."
}

test_pass_names_a_partners_vpc_endpoint if {
	vpce := object.union(open_read, {"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d"}}})
	d := decide(doc([vpce]), {})
	d.status == "PASS"
	d.evidence.unverified == [{"statement": "statement \"Read\"", "unverified": ["aws:sourcevpce vpce-0a1b2c3d"]}]
	contains(d.reason, "whose owner vigil cannot verify")
}

replication_grant := {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": ["secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"], "Resource": "*"}

test_fail_names_the_cross_account_replication_policy if {
	d := no_untrusted_cross_account.decisions[0] with input as t.input_for({"otherResourcePolicies": {"cross-account-replication": doc([replication_grant])}}, {})
	d.status == "FAIL"
	d.reason == "The \"cross-account-replication\" resource policy's Statement[0] reaches 999988887777, outside this account and the trusted accounts and organisations."
	d.evidence.untrustedStatements[0].policy == "cross-account-replication"
}

test_judges_every_policy_default_first if {
	overrides := {"resourcePolicy": doc([partner]), "otherResourcePolicies": {"cross-account-replication": doc([replication_grant])}}
	d := no_untrusted_cross_account.decisions[0] with input as t.input_for(overrides, {})
	[u.policy | some u in d.evidence.untrustedStatements] == ["default", "cross-account-replication"]
	startswith(d.reason, "The resource policy's Statement[0] reaches 444455556666")
}

test_pass_when_the_replication_policy_grants_a_trusted_primary if {
	d := no_untrusted_cross_account.decisions[0] with input as t.input_for({"otherResourcePolicies": {"cross-account-replication": doc([replication_grant])}}, {"trustedAccounts": ["999988887777"]})
	d.status == "PASS"
}

test_error_names_the_policy_that_is_not_json if {
	d := no_untrusted_cross_account.decisions[0] with input as t.input_for({"otherResourcePolicies": {"cross-account-replication": "{"}}, {})
	d.status == "ERROR"
	d.reason == "The \"cross-account-replication\" resource policy is not valid JSON."
}
