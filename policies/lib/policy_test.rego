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
