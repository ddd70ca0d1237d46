# METADATA
# title: Resource-policy analysis
# description: |
#   Who an IAM resource policy reaches, by DESIGN.md's semantics: only Allow grants; Statement, Principal, Action and
#   condition values may be one value or a list; a principal set is unbounded for "*", {"AWS": "*"}, an ARN with a
#   wildcard account, or any NotPrincipal; a condition bounds it only when it names specific accounts or organisations
#   with a positive operator (or private-only aws:SourceIp, specific aws:SourceVpc/aws:SourceVpce).
package lib.policy

import data.lib.status

# The statements of a policy document, whether Statement is one object or a list.
statements(document) := [s | some s in as_list(document.Statement)]

as_list(value) := value if is_array(value)

else := [value]

# --- principals
#
# Helpers with several cases are written as else chains: the first case that holds decides, and the wasm evaluates no
# further case (separate definitions of one function are all evaluated, to check they agree).

unbounded_principal(statement) if statement.Principal == "*"

else if {
	some value in as_list(object.get(statement.Principal, "AWS", []))
	wildcard_principal(value)
}

else if object.get(statement, "NotPrincipal", null) != null

wildcard_principal(value) if value == "*"

else if {
	is_string(value)
	has_wildcard(value)
	parts := split(value, ":")
	count(parts) >= 6
	has_wildcard(parts[4])
}

has_wildcard(text) if contains(text, "*")

else if contains(text, "?")

# Accounts that an AWS principal names: a bare account ID or the account of an ARN.
principal_accounts(statement) := {account |
	is_object(statement.Principal)
	some value in as_list(object.get(statement.Principal, "AWS", []))
	account := account_of(value)
}

account_of(value) := value if {
	is_string(value)
	not startswith(value, "arn:")
	account_id(value)
}

else := account if {
	is_string(value)
	startswith(value, "arn:")
	parts := split(value, ":")
	count(parts) >= 6
	account := parts[4]
	account_id(account)
}

# The shapes of identifiers, checked with string builtins rather than regex.match: the wasm compiles a regex on its
# first use, which adds 4–6 ms to a cold start's first evaluation (npm run bench: eval.first_evaluation_ms).
decimal_digits := "0123456789"

# Twelve decimal digits (`^\d{12}$`).
account_id(value) if {
	is_string(value)
	count(value) == 12
	trim_left(value, decimal_digits) == ""
}

# An organisation ID (`^o-[a-z0-9]{10,32}$`).
org_id(value) if {
	is_string(value)
	startswith(value, "o-")
	count(value) >= 12
	count(value) <= 34
	trim_left(substring(value, 2, -1), "abcdefghijklmnopqrstuvwxyz0123456789") == ""
}

# A VPC or VPC endpoint ID (`^vpce?-[0-9a-f]+$`).
vpc_id(value) if {
	is_string(value)
	some prefix in ["vpc-", "vpce-"]
	startswith(value, prefix)
	rest := substring(value, count(prefix), -1)
	rest != ""
	trim_left(rest, "0123456789abcdef") == ""
}

# --- conditions

# Every (operator, key, values) of a statement, keys lower-cased (condition keys are case-insensitive).
conditions(statement) := [c |
	some operator, entries in object.get(statement, "Condition", {})
	some key, value in entries
	c := {"operator": operator, "key": lower(key), "values": as_list(value)}
]

# Positive operators that can bound a principal set; qualifiers are judged separately.
positive_string_operators := {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}

base_operator(operator) := lower(trim_prefix(operator, "ForAnyValue:"))

# ForAllValues: is true when the key is missing; ...IfExists is true when it is missing: neither bounds.
bounding_operator(operator) if {
	not startswith(operator, "ForAllValues:")
	not endswith(operator, "IfExists")
	positive_string_operators[base_operator(operator)]
}

account_keys := {"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner"}

org_keys := {"aws:principalorgid", "aws:sourceorgid"}

org_path_keys := {"aws:principalorgpaths", "aws:sourceorgpaths"}

arn_keys := {"aws:principalarn", "aws:sourcearn"}

vpc_keys := {"aws:sourcevpc", "aws:sourcevpce"}

# The accounts and organisations one condition bounds a statement to, when every value is specific.
identity_bound(c) := {"accounts": {v | some v in c.values}, "orgs": set()} if {
	account_keys[c.key]
	bounding_operator(c.operator)
	every v in c.values {
		account_id(v)
	}
}

else := {"accounts": set(), "orgs": {v | some v in c.values}} if {
	org_keys[c.key]
	bounding_operator(c.operator)
	every v in c.values {
		org_id(v)
	}
}

else := {"accounts": set(), "orgs": {split(v, "/")[0] | some v in c.values}} if {
	org_path_keys[c.key]
	bounding_operator(c.operator)
	every v in c.values {
		is_string(v)
		contains(v, "/")
		org_id(split(v, "/")[0])
	}
}

else := {"accounts": {account_of(v) | some v in c.values}, "orgs": set()} if {
	arn_keys[c.key]
	bounding_operator(c.operator)
	every v in c.values {
		account_of(v)
	}
}

private_ranges := ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]

private_cidr(value) if {
	is_string(value)
	some range in private_ranges
	net.cidr_contains(range, value)
}

# Network conditions keep the public out without naming accounts.
network_bound(c) if {
	c.key == "aws:sourceip"
	lower(c.operator) == "ipaddress"
	every v in c.values {
		private_cidr(v)
	}
}

else if {
	vpc_keys[c.key]
	bounding_operator(c.operator)
	every v in c.values {
		vpc_id(v)
	}
}

identity_bounds(conds) := [b | some c in conds; b := identity_bound(c)]

network_bounded(conds) if {
	some c in conds
	network_bound(c)
}

else := false

# --- judgements

# Each Allow statement (only Allow grants) analysed once: who it names, whether its principal set is unbounded, and
# what bounds it. networkBounded is judged only where it matters: an unbounded principal set no identity bounds.
analyse(document) := [a |
	some i, statement in statements(document)
	statement.Effect == "Allow"
	conds := conditions(statement)
	open := unbounded(statement)
	bounds := identity_bounds(conds)
	a := {
		"index": i,
		"sid": object.get(statement, "Sid", null),
		"unbounded": open,
		"accounts": principal_accounts(statement),
		"identityBounds": bounds,
		"networkBounded": network_only(open, bounds, conds),
	}
]

network_only(open, bounds, conds) := network_bounded(conds) if {
	open
	count(bounds) == 0
}

else := false

unbounded(statement) if unbounded_principal(statement)

else := false

# An Allow statement that anyone can use: an unbounded principal set, and no condition that bounds it.
public(a) if {
	a.unbounded
	count(a.identityBounds) == 0
	not a.networkBounded
}

public_statement(statement) if {
	some a in analyse({"Statement": [statement]})
	public(a)
}

public_labels(analysed) := [label(a) | some a in analysed; public(a)]

public_statements(document) := public_labels(analyse(document))

# How a report names a statement: by its Sid, or by its place in the policy.
label(a) := concat("", ["statement \"", a.sid, "\""]) if is_string(a.sid)

else := status.text(["Statement[", a.index, "]"])

# A set of accounts and organisations is trusted when every account and organisation in it is.
trusted_reach(reach, trusted_accounts, trusted_orgs) if {
	every account in reach.accounts {
		account in trusted_accounts
	}
	every org in reach.orgs {
		org in trusted_orgs
	}
}

# Conditions within a statement all apply, so the statement reaches no further than its narrowest bound:
# it is trusted when its named principals are, or when any one identity bound is.
trusted(a, trusted_accounts, trusted_orgs) if {
	not a.unbounded
	trusted_reach({"accounts": a.accounts, "orgs": set()}, trusted_accounts, trusted_orgs)
}

else if {
	some bound in a.identityBounds
	trusted_reach(bound, trusted_accounts, trusted_orgs)
}

# A principal set bounded only by the network names no account: it is not judged as cross-account.
else if {
	a.unbounded
	count(a.identityBounds) == 0
	a.networkBounded
}

# Accounts and organisations an untrusted Allow statement reaches ("*" when it reaches anyone).
reach(a) := {"accounts": {"*"}, "orgs": set()} if public(a)

else := {"accounts": {x | some b in a.identityBounds; some x in b.accounts}, "orgs": {o | some b in a.identityBounds; some o in b.orgs}} if a.unbounded

else := {"accounts": a.accounts, "orgs": set()}

untrusted(analysed, trusted_accounts, trusted_orgs) := [{"statement": label(a), "reaches": reach(a)} |
	some a in analysed
	not trusted(a, trusted_accounts, trusted_orgs)
]

untrusted_statements(document, trusted_accounts, trusted_orgs) := untrusted(analyse(document), trusted_accounts, trusted_orgs)
