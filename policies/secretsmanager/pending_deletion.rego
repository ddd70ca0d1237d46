# METADATA
# title: Not scheduled for deletion
# description: The secret is not scheduled for deletion (DeletedDate is not set).
# custom:
#   id: pending-deletion
#   severity: MEDIUM
#   remediation: If the secret is still needed, cancel the deletion with aws secretsmanager restore-secret --secret-id <arn>; otherwise confirm nothing depends on it before the recovery window ends.
#   awsConfigRule: null
#   securityHub: null
#   frameworks: {}
#   frameworkSource: No AWS managed rule or Security Hub control checks this; no framework mapping is claimed.
#   evidence:
#     secret: [deletedAt]
#     params: []
package secretsmanager.pending_deletion

import data.lib.status

decisions := [decide(s) | some s in input.secrets]

decide(s) := status.fail("The secret is scheduled for deletion; applications that read it will fail once it is gone.", {}) if {
	is_number(s.deletedAt)
}

else := status.pass("The secret is not scheduled for deletion.", {})
