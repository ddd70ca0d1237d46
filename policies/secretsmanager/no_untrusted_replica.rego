# METADATA
# title: No cross-account replica in an untrusted account
# description: |
#   A secret replicated to another account (it is the primary, CrossAccountReplicas) or copied from one (it is the
#   replica, CrossAccountPrimary) links only to the secret's own account, trustedAccounts, or an account that
#   accountOrgIds places in a trustedOrgIds organisation. A replica holds the primary's value: the other side's
#   account can read it whatever the resource policies say.
# custom:
#   id: no-untrusted-replica
#   severity: HIGH
#   remediation: Stop the replication from the primary's account (aws secretsmanager disassociate-cross-account-replica --secret-id <primary-arn>), rotate the value the other account has seen, or, if the link is intended, add the account to trustedAccounts (or record its organisation in accountOrgIds and trustedOrgIds) in vigil's parameters.
#   awsConfigRule: null
#   securityHub: null
#   frameworks: {}
#   frameworkSource: Cross-account replication is an AWS feature of 2026; no AWS managed rule or Security Hub control checks it yet, so no framework mapping is claimed.
#   evidence:
#     secret: [crossAccountReplicas, crossAccountPrimary]
#     params: [trustedAccounts, trustedOrgIds, accountOrgIds]
package secretsmanager.no_untrusted_replica

import data.lib.status

decisions := [decide(s) | some s in input.secrets]

trusted_accounts := {a | some a in status.param("trustedAccounts", [])}

trusted_orgs := {o | some o in status.param("trustedOrgIds", [])}

account_orgs := status.param("accountOrgIds", {})

decide(s) := status.error(status.text(["The secret's cross-account replication could not be read (", status.unreadable(s, "replication"), ")."]), {}) if {
	status.unreadable(s, "replication")
}

else := status.not_applicable("The secret has no cross-account replica and is not one.") if {
	count(replicas(s)) == 0
	object.get(s, "crossAccountPrimary", null) == null
}

else := status.fail(status.text(["The secret is replicated to account ", account_of(bad[0]), " (", bad[0], "), outside this account and the trusted accounts and organisations: that account holds a copy of the value."]), {"untrustedReplicas": bad}) if {
	bad := [r.replicaSecretArn | some r in replicas(s); not trusted(s, account_of(r.replicaSecretArn))]
	count(bad) > 0
}

else := status.fail(status.text(["The secret is a replica of ", s.crossAccountPrimary.primarySecretArn, " in account ", account_of(s.crossAccountPrimary.primarySecretArn), ", outside this account and the trusted accounts and organisations: that account writes this secret's value."]), {"untrustedPrimary": s.crossAccountPrimary.primarySecretArn}) if {
	is_object(s.crossAccountPrimary)
	not trusted(s, account_of(s.crossAccountPrimary.primarySecretArn))
}

else := status.pass("Every cross-account link of the secret is to this account or a trusted account or organisation.", {})

replicas(s) := object.get(s, "crossAccountReplicas", [])

account_of(arn) := split(arn, ":")[4]

trusted(s, account) if account == s.account

else if account in trusted_accounts

else if object.get(account_orgs, account, "") in trusted_orgs
