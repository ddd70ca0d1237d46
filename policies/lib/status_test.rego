package lib.status_test

import data.lib.status

test_text_writes_whole_numbers_without_decimals if status.text(["every ", 30, " days"]) == "every 30 days"

test_text_writes_one_decimal if status.text([status.days(129600)]) == "1.5"

test_text_writes_other_values_as_json if status.text(["tags ", ["a", "b"]]) == "tags [\"a\",\"b\"]"
