"""The venues' wording in both languages (issue 15, the locale review): a Chinese venue name
that ends in 会场 itself gets no second 会场, the venue's own clock writes its date as every
other time line does, and the first registration offers "online" without "switch to"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import cycle, islice

from bot.i18n import I18n
from bot.services.events.timefmt import span_args
from tests.test_locale_quality import _Collect, _messages, _samples, _value_lists

_TAG = re.compile(r"<[^>]+>")


def test_a_venue_named_with_huichang_gets_no_second_huichang() -> None:
    """Every Chinese message with a venue, rendered for a venue named 哈尔滨会场."""
    t = I18n()("zh")
    samples = {**_samples("zh"), "venue": "哈尔滨会场", "venues": "哈尔滨会场、莫斯科会场"}
    checked = 0
    for key, message in _messages("zh").items():
        collect = _Collect()
        collect.visit(message)
        if not {"venue", "venues"} & collect.variables:
            continue
        values = _value_lists(collect, samples)
        rounds = max(len(v) for v in values.values())
        for i in range(rounds):
            args = {name: next(islice(cycle(v), i, None)) for name, v in values.items()}
            text = _TAG.sub("", t(key, **args))
            assert "会场会场" not in text, (key, text)
        checked += 1
    assert checked >= 20


def test_the_check_catches_what_it_is_for() -> None:
    t = I18n()("zh")
    assert "会场会场" not in _TAG.sub("", t("venue-seat-block", venue="哈尔滨会场", address="x"))
    assert "会场会场" in _TAG.sub("", "<b>哈尔滨会场</b>会场")


def test_the_venues_clock_writes_the_date_as_every_time_line() -> None:
    t = I18n()("ru")
    start = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
    span = span_args(start, start + timedelta(hours=3), "ru")
    venue = t(
        "venue-local-time", venue="Лондон", date="3 сентября 2025", start="08:00", end="11:00"
    )
    ticket = t("ticket-local-time", date="3 сентября 2025", local_start="12:00", local_end="15:00")
    assert "3 сентября 2025 г., 10:00–13:00" in t("time-span", **span)
    assert "3 сентября 2025 г., 08:00–11:00" in venue
    assert "3 сентября 2025 г., 12:00–15:00" in ticket
    # An end on the next day carries its date the same way.
    late = datetime(2025, 9, 3, 19, 0, tzinfo=UTC)  # 22:00 in Moscow, 03:00 in Beijing
    ru = span_args(late, late + timedelta(hours=3), "ru")
    assert ru["msk_end"] == "4 сентября 2025 г., 01:00"
    assert span_args(late, late + timedelta(hours=3), "zh")["msk_end"] == "2025年9月4日 01:00"


def test_a_ticket_in_another_time_zone_across_midnight_names_the_next_day() -> None:
    from bot.services.events.catalog import Venue
    from handlers.ticket import local_times
    from tests.harness import catalog_of, make_event

    late = datetime(2025, 9, 3, 18, 0, tzinfo=UTC)  # 23:00 to 02:00 in Tashkent
    [event] = list(catalog_of(make_event(starts_at=late)))
    tashkent = Venue.model_validate(
        {
            "id": "tashkent",
            "name": {"ru": "Ташкент", "zh": "塔什干"},
            "address": {"ru": "ул. Навои, 1", "zh": "纳沃伊街1号"},
            "timezone": "Asia/Tashkent",
        }
    )
    line = local_times(I18n()("ru"), event, tashkent)
    assert "3 сентября 2025 г., 23:00–4 сентября 2025 г., 02:00" in line


def test_the_first_registration_offers_online_without_switch_to() -> None:
    zh = I18n()("zh")
    assert zh("btn-venue-online") == "💻 线上参会"


def test_the_freed_seat_says_where_the_ticket_is() -> None:
    for lang, page in (("ru", "личной странице"), ("zh", "个人页面")):
        text = I18n()(lang)("seat-freed-ticket")
        assert "/ticket" in text and page in text


def test_a_latin_match_says_why() -> None:
    for lang, why in (("ru", "имя латиницей"), ("zh", "拉丁字母")):
        t = I18n()(lang)
        line = t(
            "admin-att-unsure-line", status="❓", value="ivanov ivan", name="Иванов Иван",
            why="latin", minutes=60,
        )  # fmt: skip
        assert why in line
