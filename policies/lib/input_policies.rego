# METADATA
# title: Resource policies of the secrets under evaluation
# description: |
#   Every resource policy of each secret, by name, parsed and analysed once per evaluation and keyed by the secret's
#   index in input.secrets and the policy's name, so the controls that judge policies share the work. A secret's
#   policies are its `default` (resourcePolicy) and those Secrets Manager attaches itself (otherResourcePolicies, e.g.
#   `cross-account-replication` on a cross-account replica). Text that is not JSON has no entry (json.unmarshal is
#   undefined for it), which the controls report as ERROR.
package lib.input_policies

import data.lib.policy
import data.lib.status

# A secret's resource policies by name.
texts(s) := object.union(object.get(s, "otherResourcePolicies", {}), {"default": s.resourcePolicy}) if is_string(s.resourcePolicy)

else := object.get(s, "otherResourcePolicies", {})

analysed[i][name] := analysis(text, s.arn) if {
	some i, s in input.secrets
	some name, text in texts(s)
	is_string(text)
}

# The distinct policy texts of the evaluation, each parsed once: many secrets share one policy (a set first, so that
# no text is parsed, or its document compared, once per secret).
policy_texts contains text if {
	some s in input.secrets
	some _, text in texts(s)
	is_string(text)
}

documents[text] := json.unmarshal(text) if some text in policy_texts

# A document's analysis depends on the secret's ARN only through the Resource of a Deny statement. Where every Deny
# statement's covers every ARN ("*") or none (NotResource, no pattern vigil reads), one analysis serves every secret
# that shares the text; "*" stands for any ARN that pattern_matches reads as text (one without \u0001).
shared[text] := policy.analyse(document, "*") if {
	some text, document in documents
	every statement in policy.statements(document) {
		arn_free(statement)
	}
}

analysis(text, arn) := shared[text] if {
	sharing
	not contains(arn, "\u0001")
}

else := policy.analyse(documents[text], arn) if sharing

else := policy.analyse(json.unmarshal(text), arn)

# Whether some secrets share a policy text: keying analyses and decisions by text costs more than it saves when
# every text is a secret's own.
sharing if count(policy_texts) < count(input.secrets)

arn_free(statement) if not is_object(statement)

else if statement.Effect != "Deny"

else if object.get(statement, "NotResource", null) != null

else if "*" in policy.as_list(object.get(statement, "Resource", []))

else if {
	every r in policy.as_list(object.get(statement, "Resource", [])) {
		not policy.resource_pattern(r)
	}
}

# The key under which secrets share their decisions: their policies' texts, when each text has a shared analysis and
# none was unreadable. Secrets with one key get one decision, made once (per account, where the account matters).
shared_key(s) := texts(s) if {
	not status.unreadable(s, "resourcePolicy")
	not contains(s.arn, "\u0001")
	every _, text in texts(s) {
		shared[text]
	}
}

# Each secret's shared key, by its index in input.secrets, computed once for every control.
secret_keys[i] := shared_key(s) if {
	sharing
	some i, s in input.secrets
}

# The one account of every secret under evaluation (as a sweep of one account has it), when there is one.
single_account := account if {
	accounts := {s.account | some s in input.secrets}
	count(accounts) == 1
	some account in accounts
}

shared_keys contains key if some key in secret_keys

# The analyses of a shared key's policies, by name.
shared_analysed(key) := {name: shared[text] | some name, text in key}

# A secret's analysed policies by name, when it has no shared key.
analysed_of(i) := object.get(analysed, i, {})

# The names of a secret's policies that are not JSON, sorted.
invalid(policy_texts_by_name, analysed_by_name) := sort([name | some name, _ in policy_texts_by_name; not analysed_by_name[name]])

# How a reason names a policy: `default` is "the resource policy", as it is the only one a customer writes.
label(name) := "The resource policy" if name == "default"

else := status.text(["The \"", name, "\" resource policy"])

# The names of a secret's analysed policies as ListResourcePolicies orders them: `default` first, then alphabetically.
names(analysed_by_name) := array.concat([n | some n in ["default"]; analysed_by_name[n]], sort([n | some n, _ in analysed_by_name; n != "default"]))

# Every analysed Allow statement of a secret, across its policies (for what a passing finding notes).
all_analysed(analysed_by_name) := [a | some name in names(analysed_by_name); some a in analysed_by_name[name]]
