package secretsmanager.no_untrusted_replica_test

import data.lib.secret_test as t
import data.secretsmanager.no_untrusted_replica

decide(overrides, params) := d if {
	d := no_untrusted_replica.decisions[0] with input as t.input_for(overrides, params)
}

untrusted_replica := "arn:aws:secretsmanager:us-east-1:999988887777:secret:orders-copy-AbCdEf"

replica_in(arn) := {"crossAccountReplicas": [{"replicaSecretArn": arn, "status": "InSync", "statusMessage": null, "replicationRoleArn": null}]}

test_not_applicable_without_a_cross_account_link if decide({}, {}).status == "NOT_APPLICABLE"

test_fail_when_replicated_to_an_untrusted_account if {
	d := decide(replica_in(untrusted_replica), {})
	d.status == "FAIL"
	contains(d.reason, "replicated to account 999988887777")
	d.evidence.untrustedReplicas == [untrusted_replica]
}

test_pass_when_replicated_to_a_trusted_account if {
	decide(replica_in(untrusted_replica), {"trustedAccounts": ["999988887777"]}).status == "PASS"
}

test_pass_when_the_replica_account_belongs_to_a_trusted_organisation if {
	params := {"trustedOrgIds": ["o-a1b2c3d4e5"], "accountOrgIds": {"999988887777": "o-a1b2c3d4e5"}}
	decide(replica_in(untrusted_replica), params).status == "PASS"
}

test_fail_when_the_replica_account_belongs_to_another_organisation if {
	params := {"trustedOrgIds": ["o-a1b2c3d4e5"], "accountOrgIds": {"999988887777": "o-zzzzzzzzzz"}}
	decide(replica_in(untrusted_replica), params).status == "FAIL"
}

test_pass_when_replicated_within_the_own_account if {
	decide(replica_in("arn:aws:secretsmanager:us-east-1:111122223333:secret:orders-copy-AbCdEf"), {}).status == "PASS"
}

test_fail_when_the_secret_is_a_replica_of_an_untrusted_primary if {
	primary := {"crossAccountPrimary": {"primarySecretArn": untrusted_replica, "status": "InSync", "statusMessage": null}}
	d := decide(primary, {})
	d.status == "FAIL"
	contains(d.reason, "is a replica of")
	d.evidence.untrustedPrimary == untrusted_replica
}

test_error_when_replication_is_unreadable if {
	decide({"unreadable": {"replication": "AccessDeniedException on DescribeSecret"}}, {}).status == "ERROR"
}
