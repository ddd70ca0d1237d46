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

analysed[i][name] := policy.analyse(json.unmarshal(text), s.arn) if {
	some i, s in input.secrets
	some name, text in texts(s)
	is_string(text)
}

# The names of a secret's policies that are not JSON, sorted.
invalid(s, i) := sort([name | some name, _ in texts(s); not analysed[i][name]])

# How a reason names a policy: `default` is "the resource policy", as it is the only one a customer writes.
label(name) := "The resource policy" if name == "default"

else := status.text(["The \"", name, "\" resource policy"])

# The names of a secret's analysed policies as ListResourcePolicies orders them: `default` first, then alphabetically.
names(i) := array.concat([n | some n in ["default"]; analysed[i][n]], sort([n | some n, _ in analysed[i]; n != "default"]))

# Every analysed Allow statement of a secret, across its policies (for what a passing finding notes).
all_analysed(i) := [a | some name in names(i); some a in analysed[i][name]]
