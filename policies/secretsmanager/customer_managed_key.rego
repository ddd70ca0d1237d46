# METADATA
# title: Encrypted with a usable customer managed key
# description: |
#   The secret is encrypted with a customer managed KMS key (not the AWS managed aws/secretsmanager key), the key is in
#   allowedKmsKeyArns when that list is set, and the key is enabled (not disabled or pending deletion).
# custom:
#   id: customer-managed-key
#   severity: MEDIUM
#   remediation: Create or choose a customer managed key whose key policy limits who may decrypt, then aws secretsmanager update-secret --secret-id <arn> --kms-key-id <key-arn>; if the key is disabled or pending deletion, re-enable it (aws kms enable-key / cancel-key-deletion) before the secret becomes unreadable.
#   awsConfigRule: secretsmanager-using-cmk
#   securityHub: null
#   frameworks:
#     NIST-SP-800-53-r5: ["AU-9(3)", "CP-9d", "SC-8(3)", "SC-8(4)", "SC-13a", "SC-28(1)", "SI-19(4)"]
#     PCI-DSS-v4.0.1: ["3.5.1", "3.5.1.1", "8.3.2"]
#     HIPAA-Security-Rule: ["164.312(a)(2)(iv)", "164.312(e)(2)(ii)"]
#   frameworkSource: The mapping of secretsmanager-using-cmk in the AWS Config conformance packs, as mirrored rule by rule in AWS's cdk-nag packs (cdklabs/cdk-nag src/packs/hipaa-security.ts, pci-dss-400.ts, nist-800-53-r5.ts; the pack pages' own tables were not readable here); PCI DSS pack v4.0, numbering unchanged in v4.0.1. No Security Hub control checks this.
#   evidence:
#     secret: [kmsKeyId, kmsKey]
#     params: [allowedKmsKeyArns]
package secretsmanager.customer_managed_key

import data.lib.status

decisions := [decide(s) | some s in input.secrets]

aws_managed_alias := "alias/aws/secretsmanager"

allowed := status.param("allowedKmsKeyArns", [])

unusable_states := {"Disabled", "PendingDeletion", "PendingReplicaDeletion", "PendingImport", "Unavailable"}

aws_managed_reference(s) if s.kmsKeyId == null

aws_managed_reference(s) if s.kmsKeyId == aws_managed_alias

aws_managed_reference(s) if endswith(s.kmsKeyId, concat("", [":", aws_managed_alias]))

decide(s) := status.fail("Encrypted with the AWS managed key aws/secretsmanager: anyone in the account allowed to read the secret can decrypt it, and no key policy of yours applies.", {}) if {
	aws_managed_reference(s)
}

else := status.fail("Encrypted with an AWS managed KMS key, not a customer managed one.", {}) if {
	s.kmsKey.keyManager == "AWS"
}

else := status.fail(status.text(["Key ", key_name(s), " is ", s.kmsKey.keyState, ": the secret cannot be decrypted while it stays so."]), {}) if {
	s.kmsKey.keyState in unusable_states
}

else := status.fail(status.text(["Key ", key_name(s), aliases_named(s), " is not in allowedKmsKeyArns."]), {}) if {
	count(allowed) > 0
	not key_allowed(s)
}

else := status.error(status.text(["Key ", s.kmsKeyId, " could not be described (", reason_unreadable(s), "), so whether it is customer managed and usable is unknown."]), {}) if {
	s.kmsKey == null
}

else := status.pass(status.text(["Encrypted with customer managed key ", key_name(s), "."]), {})

reason_unreadable(s) := why if {
	why := status.unreadable(s, "kmsKey")
}

else := "no key details were recorded"

key_name(s) := s.kmsKey.arn if s.kmsKey.arn != null

else := s.kmsKeyId

key_allowed(s) if s.kmsKeyId in allowed

key_allowed(s) if s.kmsKey.arn in allowed

# A key id names the key whose ARN ends in key/<id>, whether the secret names its key by ARN or by id.
key_allowed(s) if {
	some entry in allowed
	not contains(entry, "/")
	some ref in [s.kmsKey.arn, s.kmsKeyId]
	endswith(ref, concat("", [":key/", entry]))
}

# An alias name names the alias the secret refers to by its ARN; an alias ARN, the alias the secret refers to by name in its own
# account and region.
key_allowed(s) if {
	some entry in allowed
	startswith(entry, "alias/")
	endswith(s.kmsKeyId, concat("", [":", entry]))
}

key_allowed(s) if {
	startswith(s.kmsKeyId, "alias/")
	parts := split(s.arn, ":")
	concat(":", ["arn", parts[1], "kms", parts[3], parts[4], s.kmsKeyId]) in allowed
}

# An alias resolves through the key's aliases (kms:ListAliases, as the sweep read them): an alias name names the key it points
# to, however the secret names that key; an alias ARN, that alias in the key's own account and region.
key_allowed(s) if {
	some alias in s.kmsKey.aliases
	alias in allowed
}

key_allowed(s) if {
	some alias in s.kmsKey.aliases
	parts := split(s.kmsKey.arn, ":")
	concat(":", ["arn", parts[1], "kms", parts[3], parts[4], alias]) in allowed
}

# What a person checks when an alias entry did not match: the key's aliases, or that they were not read.
aliases_named(s) := concat("", [" (aliases ", concat(", ", s.kmsKey.aliases), ")"]) if {
	count(s.kmsKey.aliases) > 0
} else := " (its aliases were not read, so an alias entry matched only the alias the secret names)" if {
	not s.kmsKey.aliases
	some entry in allowed
	contains(entry, "alias/")
} else := ""
