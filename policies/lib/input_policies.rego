# METADATA
# title: Resource policies of the secrets under evaluation
# description: |
#   Each secret's resource policy, parsed and analysed once per evaluation and keyed by the secret's index in
#   input.secrets, so the controls that judge policies share the work. Text that is not JSON has no entry
#   (json.unmarshal is undefined for it), which the controls report as ERROR.
package lib.input_policies

import data.lib.policy

analysed[i] := policy.analyse(json.unmarshal(s.resourcePolicy), s.arn) if {
	some i, s in input.secrets
	is_string(s.resourcePolicy)
}
