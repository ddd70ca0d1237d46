# A secret as the engine hands it to the controls, for the controls' tests to vary.
package lib.secret_test

now := 1794700800 # 2026-11-20T00:00:00Z

day := 86400

account := "111122223333"

base := {
	"arn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab",
	"name": "prod/db/orders",
	"account": account,
	"region": "us-east-1",
	"createdAt": now - (200 * day),
	"lastAccessedAt": now - (2 * day),
	"lastRotatedAt": now - (10 * day),
	"lastChangedAt": now - (10 * day),
	"nextRotationAt": now + (20 * day),
	"deletedAt": null,
	"rotationEnabled": true,
	"rotationLambdaArn": "arn:aws:lambda:us-east-1:111122223333:function:rotate-orders",
	"rotationIntervalSeconds": 30 * day,
	"rotationWindowSeconds": null,
	"rotationSchedule": "AutomaticallyAfterDays=30",
	"rotationOccurringAsScheduled": null,
	"owningService": null,
	"primaryRegion": null,
	"isReplica": false,
	"kmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d",
	"kmsKey": {
		"arn": "arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d",
		"keyManager": "CUSTOMER",
		"keyState": "Enabled",
	},
	"tags": {"team": "orders", "owner": "payments-platform"},
	"resourcePolicy": null,
	"versions": [],
	"unreadable": {},
}

secret(overrides) := object.union(base, overrides)

input_for(overrides, params) := {"now": now, "params": params, "secrets": [secret(overrides)]}
