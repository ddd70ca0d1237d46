# METADATA
# title: Replication is healthy
# description: |
#   No replica of the secret, cross-Region (ReplicationStatus) or cross-account (CrossAccountReplicas on the primary,
#   CrossAccountPrimary on the replica), is Failed or Detached. A detached replica keeps a stale copy of the value,
#   which the primary's rotation no longer reaches.
# custom:
#   id: replication-healthy
#   severity: MEDIUM
#   remediation: Read the replica's StatusMessage (aws secretsmanager describe-secret --secret-id <arn>), fix the cause (most often a KMS key permission), then repair the replication (aws secretsmanager associate-cross-account-replica again, or replicate-secret-to-regions), or delete a detached replica nobody needs.
#   awsConfigRule: null
#   securityHub: null
#   frameworks: {}
#   frameworkSource: No AWS managed rule or Security Hub control checks replication health (Pending and Detached came with cross-account replication in 2026), so no framework mapping is claimed.
#   evidence:
#     secret: [regionReplicas, crossAccountReplicas, crossAccountPrimary]
#     params: []
package secretsmanager.replication_healthy

import data.lib.status

decisions := [decide(s) | some s in input.secrets]

unhealthy_statuses := {"Failed", "Detached"}

decide(s) := status.error(status.text(["The secret's replication could not be read (", status.unreadable(s, "replication"), ")."]), {}) if {
	status.unreadable(s, "replication")
}

else := status.not_applicable("The secret has no replica and is not a cross-account replica.") if count(links(s)) == 0

else := status.fail(status.text([bad[0].what, " is ", bad[0].status, message(bad[0]), detached_note(bad[0])]), {"unhealthyReplicas": bad}) if {
	bad := [l | some l in links(s); l.status in unhealthy_statuses]
	count(bad) > 0
}

else := status.pass("Every replica is in sync or on its way (InSync, InProgress or Pending).", {})

# Every replication link of a secret, as {what, replica, status, statusMessage}.
links(s) := array.concat(
	array.concat(
		[{"what": status.text(["The replica in ", r.region]), "replica": r.region, "status": r.status, "statusMessage": r.statusMessage} |
			some r in object.get(s, "regionReplicas", [])
		],
		[{"what": status.text(["The cross-account replica ", r.replicaSecretArn]), "replica": r.replicaSecretArn, "status": r.status, "statusMessage": r.statusMessage} |
			some r in object.get(s, "crossAccountReplicas", [])
		],
	),
	[{"what": status.text(["Replication from the primary ", p.primarySecretArn]), "replica": s.arn, "status": p.status, "statusMessage": p.statusMessage} |
		p := object.get(s, "crossAccountPrimary", null)
		is_object(p)
	],
)

# A StatusMessage ending in a full stop does not end the sentence twice.
message(l) := status.text([": ", trim_right(l.statusMessage, ".")]) if is_string(l.statusMessage)

else := ""

detached_note(l) := ". A detached replica keeps a stale copy of the value that rotation no longer reaches." if l.status == "Detached"

else := "."
