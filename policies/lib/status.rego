# METADATA
# title: Decision helpers shared by every control
# description: |
#   A control's decision for one secret is {status, reason, evidence}. Its identity (id, severity, remediation,
#   mappings) lives in its package METADATA and is joined on by the engine, so it is written once. So do the facts it
#   decides on: METADATA `evidence` names the secret's fields and the parameters a control judges, and the engine adds
#   their values to the evidence of every PASS, FAIL and ERROR (not NOT_APPLICABLE: nothing was judged). A decision's
#   own evidence holds only what the policy works out (offending statements, missing tags, defaults it applied).
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

# Whole days from a date to the evaluation time, null for no date.
days_since(date) := days_between(date, input.now) if is_number(date)

else := null

# A control parameter, or its default when the params document leaves it out. Controls read each in a rule without
# arguments, so it is read once per evaluation, not once per secret.
param(name, fallback) := object.get(object.get(input, "params", {}), name, fallback)

# Seconds as days, to one decimal, for reasons a person reads.
days(seconds) := round((seconds / day_seconds) * 10) / 10

# Text from parts, numbers written as a person reads them (one decimal at most), without sprintf: opa-wasm runs
# sprintf in JavaScript, and a call per finding would cost more than the judgement itself.
text(parts) := concat("", [as_text(p) | some p in parts])

as_text(p) := p if is_string(p)

else := format_int(p, 10) if {
	is_number(p)
	p == floor(p)
}

else := concat(".", [format_int(floor(p), 10), format_int(round((p - floor(p)) * 10), 10)]) if is_number(p)

else := json.marshal(p)
