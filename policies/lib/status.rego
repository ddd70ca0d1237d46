# METADATA
# title: Decision helpers shared by every control
# description: |
#   A control's decision for one secret is {status, reason, evidence}. Its identity (id, severity, remediation,
#   mappings) lives in its package METADATA and is joined on by the engine, so it is written once.
package lib.status

pass(reason, evidence) := {"status": "PASS", "reason": reason, "evidence": evidence}

fail(reason, evidence) := {"status": "FAIL", "reason": reason, "evidence": evidence}

not_applicable(reason) := {"status": "NOT_APPLICABLE", "reason": reason, "evidence": {}}

error(reason, evidence) := {"status": "ERROR", "reason": reason, "evidence": evidence}

# A field the source could not provide (AccessDenied, not in an AWS Config item, …), with why.
unreadable(secret, field) := secret.unreadable[field]

day_seconds := 86400

hour_seconds := 3600

# Whole days from `then` to `now` (both epoch seconds).
days_between(then, now) := floor((now - then) / day_seconds)

# Seconds as days, to one decimal, for reasons a person reads.
days(seconds) := round((seconds / day_seconds) * 10) / 10
