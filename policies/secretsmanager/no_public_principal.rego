# METADATA
# title: No public access through the resource policy
# description: |
#   No Allow statement of the secret's resource policy reaches principals that neither a condition nor an explicit
#   Deny statement bounds to specific accounts or organisations (or to private networks).
# custom:
#   id: no-public-principal
#   severity: CRITICAL
#   remediation: Remove the statement or add a condition that names your accounts or organisation (aws:PrincipalOrgID, aws:PrincipalAccount), then aws secretsmanager put-resource-policy --secret-id <arn> --resource-policy file://policy.json --block-public-policy; to remove the policy entirely, aws secretsmanager delete-resource-policy --secret-id <arn>.
#   awsConfigRule: null
#   securityHub: null
#   frameworks: {}
#   frameworkSource: No AWS managed rule or Security Hub control checks this (Prowler secretsmanager_not_publicly_accessible does); no framework mapping is claimed.
package secretsmanager.no_public_principal

import data.lib.input_policies
import data.lib.policy
import data.lib.status

decisions := [decision(s, i) | some i, s in input.secrets]

# Secrets that share their policies' texts share the decision, made once for them all.
decision(s, i) := by_policies[input_policies.secret_keys[i]] if input_policies.secret_keys[i]

else := decide(s, i)

by_policies[key] := judge(key, input_policies.shared_analysed(key)) if some key in input_policies.shared_keys

decide(s, i) := status.error(status.text(["The resource policy could not be read (", status.unreadable(s, "resourcePolicy"), ")."]), {}) if {
	status.unreadable(s, "resourcePolicy")
}

else := judge(input_policies.texts(s), input_policies.analysed_of(i))

# The decision on a secret's policies (texts and analyses by name).
judge(texts, analysed) := status.pass("The secret has no resource policy.", {"resourcePolicy": null}) if count(texts) == 0

else := status.error(status.text([input_policies.label(bad[0]), " is not valid JSON."]), {"resourcePolicy": "invalid JSON", "policy": bad[0]}) if {
	bad := input_policies.invalid(texts, analysed)
	count(bad) > 0
}

else := status.fail(status.text([input_policies.label(public[0].policy), "'s ", concat(", ", public[0].statements), " allows anyone: its principal is unbounded and no condition or Deny statement limits it to your accounts, organisation or private network."]), {"publicStatements": [label | some p in public; some label in p.statements], "publicPolicies": public}) if {
	public := [{"policy": name, "statements": labels} |
		some name in input_policies.names(analysed)
		labels := policy.public_labels(analysed[name])
		count(labels) > 0
	]
	count(public) > 0
}

else := status.pass(concat("", ["No statement of the resource policy allows the public.", policy.pass_notes(statements)]), object.union({"publicStatements": []}, policy.pass_evidence(statements))) if {
	statements := input_policies.all_analysed(analysed)
}
