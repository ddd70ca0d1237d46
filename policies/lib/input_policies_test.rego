package lib.input_policies_test

import data.lib.input_policies
import data.lib.secret_test as t
import data.secretsmanager.no_public_principal
import data.secretsmanager.no_untrusted_cross_account

orders := "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab"

reports := "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/reports-Ab12Cd"

open_read := {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}

# A Deny that bounds the open read to the organisation, on the resources given.
outside_org(resources) := {"Sid": "DenyOutsideOrg", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": resources, "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}

doc(statements) := json.marshal({"Version": "2012-10-17", "Statement": statements})

# Two secrets with one policy text, judged in one evaluation.
statuses(text, arns) := s if {
	secrets := [t.secret({"arn": arn, "resourcePolicy": text}) | some arn in arns]
	s := [d.status | some d in no_public_principal.decisions] with input as {"now": t.now, "params": {}, "secrets": secrets}
}

test_a_deny_on_one_secret_bounds_only_that_secret_though_both_share_the_text if {
	statuses(doc([open_read, outside_org(orders)]), [orders, reports]) == ["PASS", "FAIL"]
}

test_a_deny_on_every_resource_bounds_every_secret_that_shares_the_text if {
	statuses(doc([open_read, outside_org("*")]), [orders, reports]) == ["PASS", "PASS"]
}

test_a_deny_with_not_resource_or_unread_patterns_bounds_no_secret if {
	statuses(doc([open_read, object.union(object.remove(outside_org("*"), ["Resource"]), {"NotResource": orders})]), [orders, reports]) == ["FAIL", "FAIL"]
	statuses(doc([open_read, outside_org(["arn:aws:secretsmanager:*:[0-9]*", 5])]), [orders, reports]) == ["FAIL", "FAIL"]
}

test_a_text_shared_by_secrets_is_analysed_once_for_them if {
	text := doc([open_read, outside_org("*")])
	count(input_policies.shared) == 1 with input as {"secrets": [t.secret({"arn": orders, "resourcePolicy": text}), t.secret({"arn": reports, "resourcePolicy": text})]}
	count(input_policies.shared_keys) == 1 with input as {"secrets": [t.secret({"arn": orders, "resourcePolicy": text}), t.secret({"arn": reports, "resourcePolicy": text})]}
}

test_an_arn_pattern_matching_cannot_read_gets_its_own_analysis if {
	odd := concat("", [orders, "\u0001"])
	text := doc([open_read, outside_org("*")])
	statuses(text, [odd, orders]) == ["FAIL", "PASS"]
	not input_policies.secret_keys[0] with input as {"secrets": [t.secret({"arn": odd, "resourcePolicy": text})]}
}

test_statements_that_are_not_objects_or_not_deny_keep_the_text_shared if {
	text := doc([5, open_read, {"Effect": "deny", "Principal": "*", "Action": "*", "Resource": orders}])
	input_policies.shared[text] with input as {"secrets": [t.secret({"resourcePolicy": text})]}
}

test_secrets_of_two_accounts_that_share_a_text_are_judged_each_by_its_own_account if {
	text := doc([{"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222233334444:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}])
	secrets := [t.secret({"resourcePolicy": text}), t.secret({"arn": "arn:aws:secretsmanager:us-east-1:222233334444:secret:x-Ab12Cd", "account": "222233334444", "resourcePolicy": text})]
	[d.status | some d in no_untrusted_cross_account.decisions] == ["FAIL", "PASS"] with input as {"now": t.now, "params": {}, "secrets": secrets}
}
