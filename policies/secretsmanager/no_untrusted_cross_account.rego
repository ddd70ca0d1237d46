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

decisions := [decide(s, i) | some i, s in input.secrets]

trusted_accounts := {a | some a in status.param("trustedAccounts", [])}

trusted_orgs := {o | some o in status.param("trustedOrgIds", [])}

decide(s, i) := status.error(status.text(["The resource policy could not be read (", status.unreadable(s, "resourcePolicy"), ")."]), {}) if {
	status.unreadable(s, "resourcePolicy")
}

else := status.pass("The secret has no resource policy.", {"resourcePolicy": null}) if count(input_policies.texts(s)) == 0

else := status.error(status.text([input_policies.label(bad[0]), " is not valid JSON."]), {"resourcePolicy": "invalid JSON", "policy": bad[0]}) if {
	bad := input_policies.invalid(s, i)
	count(bad) > 0
}

else := status.fail(status.text([input_policies.label(untrusted[0].policy), "'s ", untrusted[0].statement, " reaches ", reach_text(untrusted[0].reaches), deny_text(untrusted[0].boundedBy), ", outside this account and the trusted accounts and organisations."]), {"untrustedStatements": untrusted}) if {
	untrusted := [object.union(u, {"policy": name}) |
		some name in input_policies.names(i)
		some u in policy.untrusted(input_policies.analysed[i][name], trusted_accounts | {s.account}, trusted_orgs)
	]
	count(untrusted) > 0
}

else := status.pass(concat("", ["Every statement of the resource policy stays within this account and the trusted accounts and organisations.", policy.pass_notes(analysed)]), object.union({"untrustedStatements": []}, policy.pass_evidence(analysed))) if {
	analysed := input_policies.all_analysed(i)
}

reach_text(reach) := "any AWS account" if "*" in reach.accounts

else := concat(", ", sort([x | some x in (reach.accounts | reach.orgs)]))

deny_text(denies) := "" if count(denies) == 0

else := concat("", [" (all that ", concat(" and ", denies), " lets through)"])
