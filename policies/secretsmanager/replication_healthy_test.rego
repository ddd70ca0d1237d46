package secretsmanager.replication_healthy_test

import data.lib.secret_test as t
import data.secretsmanager.replication_healthy

decide(overrides) := d if {
	d := replication_healthy.decisions[0] with input as t.input_for(overrides, {})
}

replica := "arn:aws:secretsmanager:us-east-1:999988887777:secret:orders-copy-AbCdEf"

test_not_applicable_without_replicas if decide({}).status == "NOT_APPLICABLE"

test_pass_when_every_replica_is_in_sync_or_pending if {
	d := decide({
		"regionReplicas": [{"region": "eu-west-1", "status": "InSync", "statusMessage": null}],
		"crossAccountReplicas": [{"replicaSecretArn": replica, "status": "Pending", "statusMessage": null, "replicationRoleArn": null}],
	})
	d.status == "PASS"
}

test_fail_when_a_region_replica_failed_quoting_its_message if {
	d := decide({"regionReplicas": [{"region": "eu-west-1", "status": "Failed", "statusMessage": "Access denied to KMS key"}]})
	d.status == "FAIL"
	d.reason == "The replica in eu-west-1 is Failed: Access denied to KMS key."
}

test_a_message_ending_in_a_full_stop_ends_the_reason_once if {
	d := decide({"regionReplicas": [{"region": "eu-west-1", "status": "Failed", "statusMessage": "Access denied to KMS key."}]})
	d.reason == "The replica in eu-west-1 is Failed: Access denied to KMS key."
}

test_fail_when_a_cross_account_replica_is_detached if {
	d := decide({"crossAccountReplicas": [{"replicaSecretArn": replica, "status": "Detached", "statusMessage": null, "replicationRoleArn": null}]})
	d.status == "FAIL"
	contains(d.reason, "Detached")
	contains(d.reason, "stale copy")
}

test_fail_when_replication_from_the_primary_failed if {
	d := decide({"crossAccountPrimary": {"primarySecretArn": replica, "status": "Failed", "statusMessage": "kms:Encrypt denied"}})
	d.status == "FAIL"
	contains(d.reason, "Replication from the primary")
	d.evidence.unhealthyReplicas[0].statusMessage == "kms:Encrypt denied"
}

test_error_when_replication_is_unreadable if {
	decide({"unreadable": {"replication": "AccessDeniedException"}}).status == "ERROR"
}
