# METADATA
# title: No access from untrusted accounts
# description: |
#   No Allow statement of the secret's resource policy reaches an account or organisation other than the secret's own
#   account, trustedAccounts and trustedOrgIds, after its conditions and the Deny statements that certainly bound it.
# custom:
#   id: no-untrusted-cross-account
#   severity: HIGH
#   remediation: Remove the other account from the policy, or, if the access is intended, add the account to trustedAccounts (or its organisation to trustedOrgIds) in vigil's parameters so the trust is recorded.
#   awsConfigRule: null
#   securityHub: null
#   frameworks: {}
#   frameworkSource: No AWS managed rule or Security Hub control checks this (Cloud Custodian's cross-account filter does); no framework mapping is claimed.
package secretsmanager.no_untrusted_cross_account

import data.lib.input_policies
import data.lib.policy
import data.lib.status

decisions := [decision(s, i) | some i, s in input.secrets]

trusted_accounts := {a | some a in status.param("trustedAccounts", [])}

trusted_orgs := {o | some o in status.param("trustedOrgIds", [])}

# Secrets that share their policies' texts share the decision, made once for them all, when they share an account too.
decision(s, i) := by_policies[input_policies.secret_keys[i]] if input_policies.single_account

else := decide(s, i)

by_policies[key] := judge(key, input_policies.shared_analysed(key), input_policies.single_account) if {
	some key in input_policies.shared_keys
}

decide(s, i) := status.error(status.text(["The resource policy could not be read (", status.unreadable(s, "resourcePolicy"), ")."]), {}) if {
	status.unreadable(s, "resourcePolicy")
}

else := judge(input_policies.texts(s), input_policies.analysed_of(i), s.account)

# The decision on the policies (texts and analyses by name) of a secret of `account`.
judge(texts, analysed, account) := status.pass("The secret has no resource policy.", {"resourcePolicy": null}) if count(texts) == 0

else := status.error(status.text([input_policies.label(bad[0]), " is not valid JSON."]), {"resourcePolicy": "invalid JSON", "policy": bad[0]}) if {
	bad := input_policies.invalid(texts, analysed)
	count(bad) > 0
}

else := status.fail(status.text([input_policies.label(untrusted[0].policy), "'s ", untrusted[0].statement, " reaches ", reach_text(untrusted[0].reaches), deny_text(untrusted[0].boundedBy), ", outside this account and the trusted accounts and organisations."]), {"untrustedStatements": untrusted}) if {
	untrusted := [object.union(u, {"policy": name}) |
		some name in input_policies.names(analysed)
		some u in policy.untrusted(analysed[name], trusted_accounts | {account}, trusted_orgs)
	]
	count(untrusted) > 0
}

else := status.pass(concat("", ["Every statement of the resource policy stays within this account and the trusted accounts and organisations.", policy.pass_notes(statements)]), object.union({"untrustedStatements": []}, policy.pass_evidence(statements))) if {
	statements := input_policies.all_analysed(analysed)
}

reach_text(reach) := "any AWS account" if "*" in reach.accounts

else := concat(", ", sort([x | some x in (reach.accounts | reach.orgs)]))

deny_text(denies) := "" if count(denies) == 0

else := concat("", [" (all that ", concat(" and ", denies), " lets through)"])
