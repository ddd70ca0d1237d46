# METADATA
# title: Resource-policy analysis
# description: |
#   Who an IAM resource policy reaches, by DESIGN.md's semantics: only Allow grants; Statement, Principal, Action and
#   condition values may be one value or a list; an unquoted number is the string of its digits; a principal set is
#   unbounded for "*", {"AWS": "*"}, an ARN with a wildcard before or in its account, a public identity provider, or
#   any NotPrincipal; a condition bounds it only when it names specific accounts or organisations with a positive
#   operator (or private-only aws:SourceIp, specific aws:SourceVpc/aws:SourceVpce); and an explicit Deny on everyone,
#   unless one account or organisation bound holds, bounds every Allow whose actions it covers.
package lib.policy

import data.lib.status

# The statements of a policy document, whether Statement is one object or a list.
statements(document) := [s | some s in as_list(document.Statement)]

as_list(value) := value if is_array(value)

else := [value]

# A value as IAM reads it: a string, or an unquoted number as the string of its digits ({"AWS": 111122223333} is that
# account; json.marshal, not format_int, whose wasm version takes 32-bit numbers only). Any other value stays as it
# is, and no identifier check accepts it.
iam_text(value) := value if is_string(value)

else := json.marshal(value) if is_number(value)

else := value

# --- principals
#
# Helpers with several cases are written as else chains: the first case that holds decides, and the wasm evaluates no
# further case (separate definitions of one function are all evaluated, to check they agree).

# The values a Principal names under one key ("AWS", "Federated", "CanonicalUser", "Service"), as text.
principal_values(statement, key) := [iam_text(v) | is_object(statement.Principal); some v in as_list(object.get(statement.Principal, key, []))]

principal_keys := {"AWS", "Federated", "CanonicalUser", "Service"}

# aws, services and federated are the statement's principal_values under those keys, read once by analyse.
unbounded_principal(statement, aws, services, federated) if statement.Principal == "*"

else if object.get(statement, "NotPrincipal", null) != null

# A Principal that is neither "*" nor an object, or that has a key vigil does not know, cannot be judged.
else if not is_object(object.get(statement, "Principal", null))

else if {
	some key, _ in statement.Principal
	not principal_keys[key]
}

else if {
	some value in aws
	wildcard_principal(value)
}

else if {
	some value in services
	not service_name(value)
}

# A web identity provider (accounts.google.com, cognito-identity.amazonaws.com, ...) lets anyone who signs in to it.
else if {
	some value in federated
	not arn_account(value)
}

# "*", or any wildcard in a principal: IAM matches principals exactly, so a wildcard anywhere but a bare "*" is
# either rejected or means everyone; vigil assumes the latter.
wildcard_principal(value) if not is_string(value)

else if has_wildcard(value)

has_wildcard(text) if contains(text, "*")

else if contains(text, "?")

# A service principal: a name without a wildcard.
service_name(value) if {
	is_string(value)
	not has_wildcard(value)
}

# The account an ARN names in its fifth field, when that is an account ID.
arn_account(value) := account if {
	is_string(value)
	startswith(value, "arn:")
	parts := split(value, ":")
	count(parts) >= 6
	account := parts[4]
	account_id(account)
}

# Accounts that AWS and Federated principals name: a bare account ID or the account of an ARN.
principal_accounts(aws, federated) := {account |
	some value in array.concat(aws, federated)
	account := account_of(value)
}

account_of(value) := value if account_id(value)

else := arn_account(value)

# --- identifiers
#
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
	c := {"operator": operator, "key": lower(key), "values": [iam_text(v) | some v in as_list(value)]}
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

# The account an ARN condition value pins. Its fifth field must be an account ID, and no policy variable (`${...}`,
# which the caller's own tags or names may fill) may stand before or in it. StringLike's `*` crosses colons, and IAM
# paths may contain `:`, so `arn:aws:iam:*:111122223333:*` matches arn:aws:iam::444455556666:role/:111122223333:/x:
# with StringLike nothing up to and including the account field may be a wildcard. ArnLike and ArnEquals compare the
# six fields one by one, so there only the account field itself must be specific.
condition_arn_account(value, operator) := account if {
	account := arn_account(value)
	head := concat(":", array.slice(split(value, ":"), 0, 5))
	not contains(head, "$")
	not like_wildcard(head, operator)
}

like_wildcard(head, operator) if {
	base_operator(operator) == "stringlike"
	has_wildcard(head)
}

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

else := {"accounts": {account | some account in accounts}, "orgs": set()} if {
	arn_keys[c.key]
	bounding_operator(c.operator)
	accounts := [condition_arn_account(v, c.operator) | some v in c.values]
	count(accounts) == count(c.values)
}

private_ranges := ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]

private_cidr(value) if {
	is_string(value)
	some range in private_ranges
	net.cidr_contains(range, value)
}

# Network conditions keep the public out without naming accounts: what they name (a private range, a VPC or VPC
# endpoint) may be a partner's, which vigil cannot see, so a finding names them for a person to confirm.
network_bound(c) := [concat(" ", [c.key, v]) | some v in c.values] if {
	c.key == "aws:sourceip"
	lower(c.operator) == "ipaddress"
	every v in c.values {
		private_cidr(v)
	}
}

else := [concat(" ", [c.key, v]) | some v in c.values] if {
	vpc_keys[c.key]
	bounding_operator(c.operator)
	every v in c.values {
		vpc_id(v)
	}
}

identity_bounds(conds) := [b | some c in conds; b := identity_bound(c)]

network_bounds(conds) := [n | some c in conds; some n in network_bound(c)]

# --- explicit Deny
#
# An explicit Deny wins over any Allow. A Deny statement certainly restricts an Allow when its principal covers
# everyone, its actions cover the read and every action of that Allow, its resource covers the secret, and its
# condition is exactly one negated bound on an account or organisation key, with specific values: whoever is outside
# that bound is denied, so the Allow reaches only inside it. IfExists is allowed (a missing key then still denies);
# a Deny with any further condition, a wildcard bound or a ForAnyValue:/ForAllValues: qualifier restricts nothing
# certain.
negated_operators := {
	"stringnotequals": "StringEquals",
	"stringnotequalsignorecase": "StringEqualsIgnoreCase",
	"stringnotlike": "StringLike",
	"arnnotequals": "ArnEquals",
	"arnnotlike": "ArnLike",
}

# The bound a negated condition leaves: that of the positive condition it negates.
negated_bound(c) := identity_bound({"operator": positive, "key": c.key, "values": c.values}) if {
	count(c.values) > 0
	positive := negated_operators[lower(trim_suffix(c.operator, "IfExists"))]
}

denies_everyone(statement) if statement.Principal == "*"

else if {
	some value in principal_values(statement, "AWS")
	value == "*"
}

read_action := "secretsmanager:getsecretvalue"

# Characters a glob treats specially but IAM reads literally: a pattern holding one is judged to cover nothing.
glob_specials := ["[", "]", "{", "}", "\\", "!"]

iam_pattern(value) := lower(value) if {
	is_string(value)
	every c in glob_specials {
		not contains(value, c)
	}
}

# An IAM wildcard pattern (`*` any run of characters, colons included; `?` one character) matching a text. glob.match
# needs a delimiter (the interpreter reads [] as ["."], the wasm as none), so it gets one IAM text never holds; the
# wasm's C strings end at NUL, so that is \u0001.
# Callers pass only patterns without glob_specials, so one without a wildcard matches its own text alone; it and a
# bare "*" are decided without calling glob.match.
pattern_matches(pattern, text) := pattern == text if not has_wildcard(pattern)

else if {
	pattern == "*"
	text != ""
	not contains(text, "\u0001")
}

else := glob.match(pattern, ["\u0001"], text)

# The actions of an Allow statement, lower-cased: "*" and NotAction mean every action of the secret.
allow_actions(statement) := ["secretsmanager:*"] if object.get(statement, "NotAction", null) != null

else := [action_text(a) | some a in as_list(object.get(statement, "Action", "*"))]

action_text(a) := "secretsmanager:*" if a == "*"

else := lower(a) if is_string(a)

else := a

# A Deny action pattern (as iam_pattern reads it) covers an Allow action (itself maybe a pattern) when it matches the
# Allow's text with the Allow's wildcards read literally; a `?` in the Deny could match one character the Allow's `*` stands for, so a Deny
# pattern with `?` covers only exact actions.
covers_action(pattern, allow_action) if {
	is_string(allow_action)
	not has_wildcard_question(pattern, allow_action)
	pattern_matches(pattern, allow_action)
}

has_wildcard_question(pattern, allow_action) if {
	contains(pattern, "?")
	has_wildcard(allow_action)
}

# The action patterns of a Deny statement that covers the read, judged once per policy: a NotAction or a pattern
# iam_pattern refuses covers nothing.
deny_patterns(deny) := patterns if {
	object.get(deny, "NotAction", null) == null
	patterns := [p | some d in as_list(object.get(deny, "Action", [])); p := iam_pattern(d)]
	covers_any(patterns, read_action)
}

covers_any(patterns, allow_action) if {
	some p in patterns
	covers_action(p, allow_action)
}

denies_actions(patterns, actions) if {
	every a in actions {
		covers_any(patterns, a)
	}
}

covers_resource(statement, arn) if {
	object.get(statement, "NotResource", null) == null
	some r in as_list(object.get(statement, "Resource", []))
	resource_pattern(r)
	pattern_matches(r, arn)
}

# A Resource value vigil reads as a pattern: text without glob_specials (any other value covers nothing).
resource_pattern(r) if {
	is_string(r)
	every c in glob_specials {
		not contains(r, c)
	}
}

# The Deny statements of a document that certainly bound Allow statements, each with its label and bound.
certain_denies(stmts, arn) := [{"label": statement_label(i, s), "patterns": patterns, "bound": b} |
	some i, s in stmts
	s.Effect == "Deny"
	denies_everyone(s)
	covers_resource(s, arn)
	patterns := deny_patterns(s)
	[c] := conditions(s)
	b := negated_bound(c)
]

# The bounds the certain Deny statements put on one Allow statement; its actions are read only when there are any.
deny_bounds(denies, allow_statement) := [] if count(denies) == 0

else := [object.union(d.bound, {"deny": d.label}) |
	actions := allow_actions(allow_statement)
	some d in denies
	denies_actions(d.patterns, actions)
]

# --- judgements

# Each Allow statement (only Allow grants) of the policy of the secret `arn`, analysed once: who it names, whether its
# principal set is unbounded, and what bounds it (its own conditions and the Deny statements that restrict it).
# network is judged only where it matters: an unbounded principal set nothing else bounds.
analyse(document, arn) := [a |
	stmts := statements(document)
	denies := certain_denies(stmts, arn)
	some i, statement in stmts
	statement.Effect == "Allow"
	conds := conditions(statement)
	aws := principal_values(statement, "AWS")
	services := principal_values(statement, "Service")
	federated := principal_values(statement, "Federated")
	open := unbounded(statement, aws, services, federated)
	bounds := array.concat(identity_bounds(conds), deny_bounds(denies, statement))
	a := {
		"index": i,
		"sid": object.get(statement, "Sid", null),
		"unbounded": open,
		"accounts": principal_accounts(aws, federated),
		"canonicalUsers": {v | some v in principal_values(statement, "CanonicalUser")},
		"services": count(services) > 0,
		"bounds": bounds,
		"network": network_only(open, bounds, conds),
		"sourceless": sourceless_services(services, bounds),
	}
]

# Service principals no source condition bounds to an account: the service may act for any of its customers, and
# vigil cannot tell for whom (a finding names them for a person to confirm).
sourceless_services(services, bounds) := [concat(" ", ["service", s]) | count(bounds) == 0; some s in services]

network_only(open, bounds, conds) := network_bounds(conds) if {
	open
	count(bounds) == 0
}

else := []

unbounded(statement, aws, services, federated) if unbounded_principal(statement, aws, services, federated)

else := false

# An Allow statement that anyone can use: an unbounded principal set, and no condition or Deny that bounds it.
public(a) if {
	a.unbounded
	count(a.bounds) == 0
	count(a.network) == 0
}

public_statement(statement) if {
	some a in analyse({"Statement": [statement]}, "")
	public(a)
}

public_labels(analysed) := [label(a) | some a in analysed; public(a)]

public_statements(document) := public_labels(analyse(document, ""))

# Which Deny statements bound which Allow statements, for the evidence of a finding.
deny_bounded(analysed) := [{"statement": label(a), "boundedBy": denies} |
	some a in analysed
	denies := [b.deny | some b in a.bounds; b.deny]
	count(denies) > 0
]

# Statements bounded by something whose owner vigil cannot see (a network, a service acting for its customers), with
# what they name, for a person to confirm.
unverified(analysed) := [{"statement": label(a), "unverified": array.concat(a.network, a.sourceless)} |
	some a in analysed
	count(array.concat(a.network, a.sourceless)) > 0
]

# How a report names a statement: by its Sid, or by its place in the policy.
label(a) := statement_label(a.index, {"Sid": a.sid})

statement_label(i, statement) := concat("", ["statement \"", statement.Sid, "\""]) if is_string(statement.Sid)

else := status.text(["Statement[", i, "]"])

# A set of accounts and organisations is trusted when every account and organisation in it is.
trusted_reach(reach, trusted_accounts, trusted_orgs) if {
	every account in reach.accounts {
		account in trusted_accounts
	}
	every org in reach.orgs {
		org in trusted_orgs
	}
}

# Conditions within a statement, and the Deny statements that restrict it, all apply, so the statement reaches no
# further than its narrowest bound: it is trusted when any one bound is, or when its named principals are. A
# canonical user's account cannot be known; a service principal reaches whichever account its source condition
# names, so with one it is judged by that condition.
trusted(a, trusted_accounts, trusted_orgs) if {
	some bound in a.bounds
	trusted_reach(bound, trusted_accounts, trusted_orgs)
}

else if {
	not a.unbounded
	trusted_reach({"accounts": a.accounts, "orgs": set()}, trusted_accounts, trusted_orgs)
	count(a.canonicalUsers) == 0
	services_trusted(a)
}

# A principal set bounded only by the network names no account: it is not judged as cross-account.
else if {
	a.unbounded
	count(a.bounds) == 0
	count(a.network) > 0
}

services_trusted(a) if not a.services

else if count(a.bounds) == 0

bound_accounts(a) := {x | some b in a.bounds; some x in b.accounts}

bound_orgs(a) := {o | some b in a.bounds; some o in b.orgs}

# Accounts and organisations an untrusted Allow statement reaches ("*" when it reaches anyone).
reach(a) := {"accounts": {"*"}, "orgs": set()} if public(a)

else := {"accounts": bound_accounts(a), "orgs": bound_orgs(a)} if a.unbounded

else := {"accounts": ((a.accounts | {concat(" ", ["canonical user", c]) | some c in a.canonicalUsers}) | bound_accounts(a)), "orgs": bound_orgs(a)} if a.services

else := {"accounts": (a.accounts | {concat(" ", ["canonical user", c]) | some c in a.canonicalUsers}), "orgs": set()}

untrusted(analysed, trusted_accounts, trusted_orgs) := [{"statement": label(a), "reaches": reach(a), "boundedBy": [b.deny | some b in a.bounds; b.deny]} |
	some a in analysed
	not trusted(a, trusted_accounts, trusted_orgs)
]

untrusted_statements(document, trusted_accounts, trusted_orgs) := untrusted(analyse(document, ""), trusted_accounts, trusted_orgs)

# What a passing finding adds to its reason: which Deny statements bound which grants, and what vigil could not
# attribute to an owner. Empty when there is nothing to add.
pass_notes(analysed) := concat("", array.concat(
	[status.text([" The Allow of ", d.statement, " reaches only whom ", concat(" and ", d.boundedBy), " does not deny."]) | some d in deny_bounded(analysed)],
	[status.text([" The Allow of ", u.statement, " is bounded only by ", concat(", ", u.unverified), ", whose owner vigil cannot verify: confirm it is yours."]) | some u in unverified(analysed)],
))

# The evidence a passing finding carries about Deny bounds and what vigil could not attribute.
pass_evidence(analysed) := {"boundedByDeny": deny_bounded(analysed), "unverified": unverified(analysed)}
