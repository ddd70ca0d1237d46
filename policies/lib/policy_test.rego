package lib.policy_test

import data.lib.policy

allow(principal, condition) := {"Effect": "Allow", "Principal": principal, "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": condition}

public(statement) if policy.public_statement(statement)

test_statement_may_be_a_single_object if count(policy.statements({"Statement": allow("*", {})})) == 1

test_star_is_public if public(allow("*", {}))

test_aws_star_in_a_list_is_public if public(allow({"AWS": ["arn:aws:iam::111122223333:root", "*"]}, {}))

test_wildcard_account_arn_is_public if public(allow({"AWS": "arn:aws:iam::*:root"}, {}))

test_not_principal_with_allow_is_public if public({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "*"})

test_deny_is_never_public if not public({"Effect": "Deny", "Principal": "*", "Action": "*"})

test_specific_account_is_not_public if not public(allow({"AWS": "444455556666"}, {}))

test_principal_account_condition_bounds if not public(allow("*", {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}))

test_lower_case_condition_key_bounds if not public(allow("*", {"StringEquals": {"aws:principalorgid": "o-a1b2c3d4e5"}}))

test_for_any_value_prefix_bounds if not public(allow("*", {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]}}))

test_for_all_values_does_not_bound if public(allow("*", {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}))

test_if_exists_does_not_bound if public(allow("*", {"StringEqualsIfExists": {"aws:PrincipalAccount": "111122223333"}}))

test_negated_operator_does_not_bound if public(allow("*", {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}))

test_wildcard_org_does_not_bound if public(allow("*", {"StringLike": {"aws:PrincipalOrgID": "o-*"}}))

test_wildcard_in_org_path_root_does_not_bound if public(allow("*", {"StringLike": {"aws:PrincipalOrgPaths": "*/r-ab12/*"}}))

test_source_arn_with_account_bounds if not public(allow("*", {"ArnLike": {"aws:SourceArn": "arn:aws:lambda:us-east-1:111122223333:function:*"}}))

test_source_arn_without_account_does_not_bound if public(allow("*", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::my-bucket"}}))

test_bool_condition_does_not_bound if public(allow("*", {"Bool": {"aws:SecureTransport": "true"}}))

test_private_source_ip_bounds if not public(allow("*", {"IpAddress": {"aws:SourceIp": ["10.0.0.0/16", "192.168.1.0/24"]}}))

test_any_source_ip_does_not_bound if public(allow("*", {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}))

test_public_source_ip_does_not_bound if public(allow("*", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))

test_specific_vpc_endpoint_bounds if not public(allow("*", {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}))

test_wildcard_vpc_does_not_bound if public(allow("*", {"StringLike": {"aws:SourceVpc": "vpc-*"}}))

test_untrusted_reach_names_condition_accounts if {
	statement := allow("*", {"StringEquals": {"aws:PrincipalAccount": ["444455556666"]}})
	[u] := policy.untrusted_statements({"Statement": [statement]}, {"111122223333"}, set())
	u.reaches == {"accounts": {"444455556666"}, "orgs": set()}
}

test_trusted_condition_makes_an_untrusted_principal_trusted if {
	statement := allow({"AWS": "444455556666"}, {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})
	count(policy.untrusted_statements({"Statement": [statement]}, {"111122223333"}, {"o-a1b2c3d4e5"})) == 0
}

test_network_only_bound_is_not_judged_cross_account if {
	statement := allow("*", {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
	count(policy.untrusted_statements({"Statement": [statement]}, {"111122223333"}, set())) == 0
}

test_service_principal_names_no_account if {
	statement := allow({"Service": "lambda.amazonaws.com"}, {})
	count(policy.untrusted_statements({"Statement": [statement]}, {"111122223333"}, set())) == 0
}

# The identifier checks accept exactly what the patterns they document accept.
test_account_id_is_exactly_twelve_digits if {
	policy.account_id("111122223333")
	not policy.account_id("11112222333")
	not policy.account_id("1111222233334")
	not policy.account_id("11112222333a")
	not policy.account_id("11112222333*")
	not policy.account_id(111122223333)
}

test_org_id_is_o_dash_and_ten_to_thirty_two_lower_case_alphanumerics if {
	policy.org_id("o-a1b2c3d4e5")
	policy.org_id("o-abcdefghijklmnopqrstuvwxyz012345")
	not policy.org_id("o-a1b2c3d4e")
	not policy.org_id("o-abcdefghijklmnopqrstuvwxyz0123456")
	not policy.org_id("o-A1B2C3D4E5")
	not policy.org_id("o-a1b2c3d4e*")
	not policy.org_id("x-a1b2c3d4e5")
}

test_vpc_id_is_vpc_or_vpce_dash_hex if {
	policy.vpc_id("vpc-0a1b2c")
	policy.vpc_id("vpce-0a1b2c3d4e5f67890")
	not policy.vpc_id("vpc-")
	not policy.vpc_id("vpce-")
	not policy.vpc_id("vpc-0A1B")
	not policy.vpc_id("vpc-0a1*")
	not policy.vpc_id("vpcx-0a1b")
}

test_org_path_needs_an_org_id_before_its_first_slash if {
	not public(allow("*", {"StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/*"}}))
	public(allow("*", {"StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5"}}))
	public(allow("*", {"StringLike": {"aws:PrincipalOrgPaths": "o-a1b2*/r-ab12/*"}}))
}

# --- an explicit Deny wins

org := "o-a1b2c3d4e5"

own := "111122223333"

open_read := allow({"AWS": "*"}, {})

deny_outside(condition) := {"Sid": "DenyOutsideOrg", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": condition}

outside_org := deny_outside({"StringNotEquals": {"aws:PrincipalOrgID": org}})

doc_public(statements) if count(policy.public_statements({"Statement": statements})) > 0

doc_untrusted(statements, orgs) := policy.untrusted_statements({"Statement": statements}, {own}, orgs)

# AWS's recommended pattern: allow everyone, deny everyone outside the organisation.
test_org_bounded_deny_makes_a_public_allow_private if not doc_public([open_read, outside_org])

test_org_bounded_deny_is_judged_by_the_org if {
	count(doc_untrusted([open_read, outside_org], {org})) == 0
	[u] := doc_untrusted([open_read, outside_org], set())
	u.reaches == {"accounts": set(), "orgs": {org}}
	u.boundedBy == ["statement \"DenyOutsideOrg\""]
}

test_deny_is_named_in_the_evidence if {
	analysed := policy.analyse({"Statement": [open_read, object.remove(outside_org, ["Sid"])]}, "")
	policy.deny_bounded(analysed) == [{"statement": "Statement[0]", "boundedBy": ["Statement[1]"]}]
}

test_deny_if_exists_and_account_keys_bound if {
	not doc_public([open_read, deny_outside({"StringNotEqualsIfExists": {"aws:PrincipalAccount": [own]}})])
	not doc_public([open_read, deny_outside({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:*"}})])
	not doc_public([open_read, deny_outside({"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}})])
}

test_deny_with_a_further_condition_restricts_nothing if {
	doc_public([open_read, deny_outside({"StringNotEquals": {"aws:PrincipalOrgID": org}, "Bool": {"aws:SecureTransport": "true"}})])
	doc_public([open_read, deny_outside({"StringNotEquals": {"aws:PrincipalOrgID": org, "aws:SourceVpce": "vpce-1a2b"}})])
}

test_deny_with_a_wildcard_bound_restricts_nothing if {
	doc_public([open_read, deny_outside({"StringNotLike": {"aws:PrincipalOrgID": "o-*"}})])
	doc_public([open_read, deny_outside({"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam:*:111122223333:*"}})])
}

test_deny_with_a_positive_or_qualified_operator_restricts_nothing if {
	doc_public([open_read, deny_outside({"StringEquals": {"aws:PrincipalOrgID": org}})])
	doc_public([open_read, deny_outside({"ForAnyValue:StringNotEquals": {"aws:PrincipalOrgID": org}})])
	doc_public([open_read, deny_outside({"StringNotEquals": {"aws:PrincipalOrgID": []}})])
}

test_deny_on_only_some_actions_restricts_nothing if {
	doc_public([open_read, object.union(outside_org, {"Action": "secretsmanager:DescribeSecret"})])
	doc_public([object.union(open_read, {"Action": "secretsmanager:*"}), object.union(outside_org, {"Action": "secretsmanager:GetSecretValue"})])
	doc_public([open_read, object.union(outside_org, {"Action": "secretsmanager:Get{SecretValue,x}"})])
	doc_public([open_read, object.remove(object.union(outside_org, {"NotAction": "secretsmanager:DescribeSecret"}), ["Action"])])
}

test_deny_with_patterns_that_cover_the_read_restricts if {
	not doc_public([open_read, object.union(outside_org, {"Action": "secretsmanager:Get*"})])
	not doc_public([open_read, object.union(outside_org, {"Action": ["secretsmanager:DescribeSecret", "SecretsManager:GetSecret?alue"]})])
	not doc_public([object.union(open_read, {"Action": "secretsmanager:Get*"}), object.union(outside_org, {"Action": "secretsmanager:*"})])
}

test_deny_with_a_principal_that_is_not_everyone_restricts_nothing if {
	doc_public([open_read, object.union(outside_org, {"Principal": {"AWS": "arn:aws:iam::444455556666:root"}})])
	doc_public([open_read, object.remove(object.union(outside_org, {"NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}}), ["Principal"])])
}

test_deny_on_another_resource_restricts_nothing if {
	secret := "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"
	deny := object.union(outside_org, {"Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:other-*"})
	some a in policy.analyse({"Statement": [open_read, deny]}, secret)
	policy.public(a)
	mine := object.union(outside_org, {"Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-*"})
	every b in policy.analyse({"Statement": [open_read, mine]}, secret) {
		not policy.public(b)
	}
}

# --- values whose text is not what it seems

test_string_like_with_a_wildcard_before_the_account_does_not_bound if {
	public(allow("*", {"StringLike": {"aws:PrincipalArn": "arn:aws:iam:*:111122223333:*"}}))
	public(allow("*", {"StringLike": {"aws:SourceArn": "arn:*:111122223333:*"}}))
	public(allow("*", {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::1111222233?3:*"}}))
	not public(allow("*", {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}))
}

test_arn_like_compares_field_by_field if not public(allow("*", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam:*:111122223333:*"}}))

test_policy_variable_before_the_account_does_not_bound if {
	public(allow("*", {"StringEquals": {"aws:PrincipalArn": "arn:aws:${aws:PrincipalTag/p}:111122223333:x"}}))
	public(allow("*", {"ArnLike": {"aws:SourceArn": "arn:aws:${aws:PrincipalTag/p}:111122223333:x"}}))
	not public(allow("*", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/${aws:username}"}}))
}

test_wildcard_anywhere_in_a_principal_is_public if {
	public(allow({"AWS": "arn:aws:iam:*:111122223333:root"}, {}))
	public(allow({"AWS": "arn:aws:iam::111122223333:role/*"}, {}))
}

test_unquoted_numbers_are_accounts if {
	[u] := policy.untrusted_statements({"Statement": [allow({"AWS": 444455556666}, {})]}, {own}, set())
	u.reaches.accounts == {"444455556666"}
	count(policy.untrusted_statements({"Statement": [allow({"AWS": [111122223333]}, {})]}, {own}, set())) == 0
	not public(allow("*", {"StringEquals": {"aws:PrincipalAccount": 111122223333}}))
	count(policy.untrusted_statements({"Statement": [allow("*", {"StringEquals": {"aws:PrincipalAccount": [111122223333]}})]}, {own}, set())) == 0
	not doc_public([open_read, deny_outside({"StringNotEquals": {"aws:PrincipalAccount": 111122223333}})])
	policy.iam_text(1.5) == "1.5"
	public(allow({"AWS": true}, {}))
	policy.iam_text(true) == true
}

# --- principals under other keys

test_federated_principals_are_judged if {
	public(allow({"Federated": "accounts.google.com"}, {}))
	public(allow({"Federated": "cognito-identity.amazonaws.com"}, {}))
	not public(allow({"Federated": "arn:aws:iam::444455556666:saml-provider/partner"}, {}))
	[u] := policy.untrusted_statements({"Statement": [allow({"Federated": "arn:aws:iam::444455556666:saml-provider/partner"}, {})]}, {own}, set())
	u.reaches.accounts == {"444455556666"}
}

test_canonical_user_is_an_account_vigil_cannot_know if {
	[u] := policy.untrusted_statements({"Statement": [allow({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, {})]}, {own}, set())
	u.reaches.accounts == {"canonical user 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}
}

test_service_principal_is_judged_by_its_source_condition if {
	service := {"Service": "events.amazonaws.com"}
	[u] := policy.untrusted_statements({"Statement": [allow(service, {"StringEquals": {"aws:SourceAccount": "444455556666"}})]}, {own}, set())
	u.reaches.accounts == {"444455556666"}
	count(policy.untrusted_statements({"Statement": [allow(service, {"ArnLike": {"aws:SourceArn": "arn:aws:events:us-east-1:111122223333:rule/*"}})]}, {own}, set())) == 0
	public(allow({"Service": "*"}, {}))
}

test_unknown_or_missing_principals_cannot_be_judged if {
	public(allow({"Aws": "111122223333"}, {}))
	public({"Effect": "Allow", "Action": "*", "Resource": "*"})
	public(allow("111122223333", {}))
}

test_what_vigil_cannot_attribute_is_named if {
	analysed := policy.analyse({"Statement": [allow("*", {"StringEquals": {"aws:SourceVpce": "vpce-1a2b"}}), allow({"Service": "lambda.amazonaws.com"}, {})]}, "")
	policy.unverified(analysed) == [
		{"statement": "Statement[0]", "unverified": ["aws:sourcevpce vpce-1a2b"]},
		{"statement": "Statement[1]", "unverified": ["service lambda.amazonaws.com"]},
	]
	contains(policy.pass_notes(analysed), "Statement[0] is bounded only by aws:sourcevpce vpce-1a2b, whose owner vigil cannot verify")
}

test_deny_covering_every_allowed_action_restricts if {
	every_action := object.union(open_read, {"Action": "*"})
	not doc_public([every_action, object.union(outside_org, {"Principal": {"AWS": ["*"]}})])
	doc_public([every_action, object.union(outside_org, {"Action": "secretsmanager:GetSecretValue"})])
	not_action := object.remove(object.union(open_read, {"NotAction": "secretsmanager:DeleteSecret"}), ["Action"])
	not doc_public([not_action, outside_org])
	doc_public([not_action, object.union(outside_org, {"Action": "secretsmanager:G*"})])
	doc_public([object.union(open_read, {"Action": "secretsmanager:Get*"}), object.union(outside_org, {"Action": "secretsmanager:Get?ecretValue"})])
}
