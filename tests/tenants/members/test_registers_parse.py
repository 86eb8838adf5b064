"""Amounts typed into the registers' forms: pounds and pence, or nothing."""

import pytest

from tenants.members.registers import parse_pounds


@pytest.mark.parametrize(("text", "pence"), [
    ("10", 1000), ("10.5", 1050), ("£1,250.05", 125005), ("0.99", 99),
    ("²", None), ("1²", None), ("٣٠", None), ("10.5²", None), ("9" * 5000, None),
    ("", None), ("ten", None), ("1.234", None),
])
def test_parse_pounds_takes_ascii_amounts_only(text, pence):
    assert parse_pounds(text) == pence
