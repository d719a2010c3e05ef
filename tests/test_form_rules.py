from __future__ import annotations

import pytest

from bot.services.registration.form import (
    Field,
    Invalid,
    apply_answer,
    next_field,
    parse_choice,
    validate_email,
    validate_phone,
    validate_text,
)


def test_questions_come_in_order_and_skip_what_does_not_apply() -> None:
    answers: dict = {}
    asked = []
    values = {
        Field.FULL_NAME: "Иванов Иван",
        Field.COUNTRY: "Россия",
        Field.CITY: "Москва",
        Field.ORGANIZATION: "Школа",
        Field.ROLE: "pupil",
        Field.WANTS_TO_SPEAK: False,
        Field.EMAIL: "a@b.ru",
        Field.PHONE: "",
    }
    while (field := next_field(answers, hybrid=False)) is not None:
        asked.append(field)
        answers = apply_answer(answers, field, values[field])
    assert Field.FORMAT not in asked and Field.TALK_TOPIC not in asked
    assert asked[0] is Field.FULL_NAME and asked[-1] is Field.PHONE


def test_speaking_asks_for_topic_and_unspeaking_drops_it() -> None:
    answers = {Field.WANTS_TO_SPEAK.value: True}
    assert next_field(answers, hybrid=True) is Field.FULL_NAME
    full = {f.value: "x" for f in Field} | {"wants_to_speak": True}
    assert next_field(full, hybrid=True) is None
    dropped = apply_answer(full, Field.WANTS_TO_SPEAK, False)
    assert "talk_topic" not in dropped
    assert next_field(dropped, hybrid=True) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Иванов   Иван\nИванович ", "Иванов Иван Иванович"),
        ("张伟", "张伟"),
        ("O'Brien-Smith Anne", "O'Brien-Smith Anne"),
        ("И\u0306ван Й", "Йван Й"),  # combining breve folded to the usual letter (NFC)
        # A space typed between Hanzi goes, as in class rosters (王　芳 aligns names in lists).
        ("王 小明", "王小明"),
        ("王\u3000芳", "王芳"),
        ("Wang 小明", "Wang 小明"),
        # All lower or all upper case is title-cased; mixed case is the person's own choice.
        ("иванова мария петровна", "Иванова Мария Петровна"),
        ("ИВАНОВА МАРИЯ", "Иванова Мария"),
        ("petrova anna-maria", "Petrova Anna-Maria"),
        ("ван Гог Винсент", "ван Гог Винсент"),
        ("WANG Xiaoming", "WANG Xiaoming"),
    ],
)
def test_names_are_cleaned(raw: str, expected: str) -> None:
    assert validate_text(Field.FULL_NAME, raw) == expected


def test_only_names_change_case() -> None:
    assert validate_text(Field.CITY, "москва") == "москва"
    assert validate_text(Field.ORGANIZATION, "МБОУ СОШ № 1") == "МБОУ СОШ № 1"


def test_compatriots_abroad_are_a_role() -> None:
    assert parse_choice(Field.ROLE, "compatriot") == "compatriot"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("A", "err-too-short"),
        ("Я" * 201, "err-too-long"),
        ("!!!", "err-need-letters"),
        ("R2D2 Droid", "err-name-digits"),
    ],
)
def test_bad_names(raw: str, key: str) -> None:
    with pytest.raises(Invalid) as error:
        validate_text(Field.FULL_NAME, raw)
    assert error.value.key == key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ivanov@MAIL.RU", "ivanov@mail.ru"),
        (" zhang.wei+conf@163.com ", "zhang.wei+conf@163.com"),
        ("почта@пример.рф", "почта@пример.рф"),
    ],
)
def test_good_emails(raw: str, expected: str) -> None:
    assert validate_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "ivanov",
        "ivanov@",
        "@mail.ru",
        "a b@mail.ru",
        "a@mail",
        "a@@mail.ru",
        "a@.mail.ru",
        "a@mail..ru",
    ],
)
def test_bad_emails(raw: str) -> None:
    with pytest.raises(Invalid):
        validate_email(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+7 (900) 123-45-67", "+79001234567"),
        ("8 900 123 45 67", "89001234567"),
        ("+86 138 0013 8000", "+8613800138000"),
    ],
)
def test_phones(raw: str, expected: str) -> None:
    assert validate_phone(raw) == expected


@pytest.mark.parametrize("raw", ["123", "+7 900 abc", "1" * 16, "+"])
def test_bad_phones(raw: str) -> None:
    with pytest.raises(Invalid, match="err-phone-invalid"):
        validate_phone(raw)


def test_choices_only_accept_known_values() -> None:
    assert parse_choice(Field.ROLE, "veteran") == "veteran"
    assert parse_choice(Field.WANTS_TO_SPEAK, "yes") is True
    for field, raw in ((Field.ROLE, "general"), (Field.FORMAT, "vr"), (Field.WANTS_TO_SPEAK, "1")):
        with pytest.raises(ValueError, match=raw):
            parse_choice(field, raw)
