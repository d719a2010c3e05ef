"""A phone number as an uploaded list names it (bot/services/delivery/audience_list.py reads
the list), and the stored phones that are the same number, as SQL.

A listed phone is kept as a key in international form: "+7" and ten digits for a Russian
number, "+86" and eleven digits for a Chinese mobile, "+" and the digits as written for any
other. The form stores what was typed, its punctuation removed ("+79001234567", or
"89001234567" as typed: bot/services/registration/form.py); older or imported rows may keep
their spaces, brackets and dashes. So a key matches the stored phones whose digits are:
- a Russian number: its last ten digits alone, or after 7 or 8 (+7 and the trunk 8 are one
  number, as /find has it: bot/services/organizers/search.py);
- a Chinese mobile: its eleven digits alone, or after 86;
- any other: the digits with the country code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func

RUSSIA = "+7"
CHINA = "+86"
RUSSIAN_DIGITS = 10  # after +7 or 8
CHINESE_MOBILE_DIGITS = 11  # 1xx xxxx xxxx, after +86
# What a stored phone may hold besides its digits.
STORED_JUNK = ("+", " ", "-", "(", ")", ".")


def stored_forms(key: str) -> list[str]:
    """The digits of the stored phones that are the number `key` (see the module's
    docstring)."""
    digits = key.removeprefix("+")
    if key.startswith(RUSSIA) and len(digits) == RUSSIAN_DIGITS + 1:
        national = digits[1:]
        return [national, f"7{national}", f"8{national}"]
    if key.startswith(CHINA) and len(digits) == CHINESE_MOBILE_DIGITS + 2:
        mobile = digits[2:]
        return [mobile, f"86{mobile}"]
    return [digits]


def bare_phone(column: Any) -> ColumnElement[str]:
    """A stored phone's digits (its punctuation removed), as SQL on both backends."""
    bare = column
    for junk in STORED_JUNK:
        bare = func.replace(bare, junk, "")
    return bare  # type: ignore[no-any-return]


def phone_listed(column: Any, keys: list[str]) -> ColumnElement[bool]:
    """The stored phone `column` is one of the numbers `keys`."""
    forms = sorted({form for key in keys for form in stored_forms(key)})
    return bare_phone(column).in_(forms)
