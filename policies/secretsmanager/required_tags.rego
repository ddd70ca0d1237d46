# METADATA
# title: Required tags are present
# description: |
#   The secret carries every tag key in requiredTagKeys. Keys beginning with aws: are AWS's own and are ignored.
#   Not applicable while requiredTagKeys is empty.
# custom:
#   id: required-tags
#   severity: LOW
#   remediation: Tag the secret (aws secretsmanager tag-resource --secret-id <arn> --tags Key=<key>,Value=<value>) so its owner and purpose are known.
#   awsConfigRule: required-tags
#   securityHub: SecretsManager.5
#   frameworks: {}
#   frameworkSource: Security Hub SecretsManager.5 lists no related requirements; no framework mapping is claimed.
package secretsmanager.required_tags

import data.lib.status

decisions := [decide(s) | some s in input.secrets]

required := {k | some k in status.param("requiredTagKeys", []); not startswith(k, "aws:")}

decide(s) := status.not_applicable("No tags are required (requiredTagKeys is empty).") if count(required) == 0

else := status.fail(status.text(["Missing required tags: ", concat(", ", sort(missing)), "."]), {"missingTagKeys": sort(missing), "tagKeys": sort([k | some k, _ in s.tags])}) if {
	missing := required - {k | some k, _ in s.tags}
	count(missing) > 0
}

else := status.pass("Every required tag is present.", {"missingTagKeys": [], "tagKeys": sort([k | some k, _ in s.tags])})
