"""Times as organizers type them (bot/services/events/time_input.py): every accepted format, in
each organizer's default zone (Beijing for Chinese, Moscow otherwise), zones named or given as
an offset, the year guessed for a date without one, and the refusals with their reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.events.time_input import TimeInputError, TimeProblem, read_moment

NOW = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)  # 12:00 in Moscow, 17:00 in Beijing
# 21 August 2025, 15:00 on the organizer's clock.
MOSCOW_15 = datetime(2025, 8, 21, 12, 0, tzinfo=UTC)
BEIJING_15 = datetime(2025, 8, 21, 7, 0, tzinfo=UTC)


def read(text: str, lang: str = "ru", now: datetime = NOW) -> datetime:
    return read_moment(text, lang=lang, now=now)


def problem(text: str, lang: str = "ru") -> TimeProblem:
    with pytest.raises(TimeInputError) as caught:
        read(text, lang)
    return caught.value.problem


@pytest.mark.parametrize(
    "text",
    [
        "2025-08-21 15:00",
        "2025-08-21T15:00",
        "2025-8-21 15:00",
        "2025/8/21 15:00",
        "2025.08.21 15:00",
        "21.08.2025 15:00",
        "21.08.2025, 15:00",
        "21.08.2025 в 15:00",
        "21.08.25 15:00",
        "21.08 15:00",
        "2025年8月21日 15:00",
        "2025年8月21日15:00",
        "8月21日 15:00",
        "8月21号 15点",
        "2025年8月21日 15点00分",
        "２０２５年８月２１日　１５：００",  # a Chinese keyboard's full-width digits and colon
        "  21.08.2025   15:00  ",
    ],
)
@pytest.mark.parametrize(("lang", "expected"), [("ru", MOSCOW_15), ("zh", BEIJING_15)])
def test_each_format_in_the_organizers_own_zone(text: str, lang: str, expected: datetime) -> None:
    assert read(text, lang) == expected


def test_half_past_in_chinese() -> None:
    assert read("8月21日 15点半", "zh") == BEIJING_15 + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21.08.2025 15:00 МСК", MOSCOW_15),
        ("21.08.2025 15:00 (мск)", MOSCOW_15),
        ("21.08.2025 15:00 по Москве", MOSCOW_15),
        ("21.08.2025 15:00 по московскому времени", MOSCOW_15),
        ("2025年8月21日 15:00（莫斯科时间）", MOSCOW_15),
        ("21.08.2025 15:00 по пекинскому", BEIJING_15),
        ("21.08.2025 15:00 по пекинскому времени", BEIJING_15),
        ("2025年8月21日 15:00 北京时间", BEIJING_15),
        ("2025年8月21日 15:00（北京时间）", BEIJING_15),
        ("2025-08-21 15:00 +08:00", BEIJING_15),
        ("2025-08-21 15:00+0800", BEIJING_15),
        ("2025-08-21 15:00 UTC+8", BEIJING_15),
        ("2025-08-21 15:00 GMT+3", MOSCOW_15),
        ("2025-08-21 15:00 +03:00", MOSCOW_15),
        ("2025-08-21 15:00 UTC", datetime(2025, 8, 21, 15, 0, tzinfo=UTC)),
        ("2025-08-21 15:00 -05:00", datetime(2025, 8, 21, 20, 0, tzinfo=UTC)),
        # The same zone said twice is no contradiction.
        ("21.08.2025 15:00 МСК +03:00", MOSCOW_15),
    ],
)
@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_a_named_zone_or_an_offset_overrides_the_default(
    text: str, expected: datetime, lang: str
) -> None:
    assert read(text, lang) == expected


@pytest.mark.parametrize(("lang", "offset"), [("ru", 3), ("zh", 8)])
@pytest.mark.parametrize("date", ["15.01.2026", "15.07.2026", "31.03.2026", "26.10.2025"])
def test_neither_zone_has_summer_time(lang: str, offset: int, date: str) -> None:
    """Winter, summer and the dates European clocks change: always UTC+3 and UTC+8."""
    moment = read(f"{date} 12:00", lang)
    assert moment.utcoffset() == timedelta(hours=offset)
    assert moment.astimezone(UTC).hour == 12 - offset


@pytest.mark.parametrize(
    ("text", "now", "expected_year"),
    [
        ("21.08 15:00", NOW, 2025),  # tomorrow
        ("19.08 15:00", NOW, 2025),  # yesterday stays this year (and is then refused as past)
        ("05.01 10:00", datetime(2025, 12, 20, tzinfo=UTC), 2026),  # after New Year
        ("28.12 10:00", datetime(2026, 1, 3, tzinfo=UTC), 2025),  # a few days ago
        ("1月5日 10:00", datetime(2025, 12, 20, tzinfo=UTC), 2026),
    ],
)
def test_a_date_without_a_year_is_the_nearest_one(
    text: str, now: datetime, expected_year: int
) -> None:
    assert read(text, now=now).year == expected_year


@pytest.mark.parametrize(
    "text",
    [
        "31.02.2025 10:00",
        "31.02 10:00",
        "29.02.2025 10:00",
        "2025-13-01 10:00",
        "2025年2月30日 10:00",
        "00.08.2025 10:00",
        "21.08.2025 24:00",
        "21.08.2025 15:60",
        "8月21日 25点",
    ],
)
def test_dates_and_times_that_do_not_exist(text: str) -> None:
    assert problem(text) is TimeProblem.NO_SUCH_DATE


def test_29_february_in_a_leap_year_exists() -> None:
    assert read("29.02.2028 10:00").day == 29


@pytest.mark.parametrize(
    "text",
    [
        "03/09 10:00",  # 3 September or 9 March?
        "03/09/2025 10:00",
        "9/3 10:00",
        "21.08.2025 15:00 МСК +08:00",  # two zones that disagree
        "2025年8月21日 15:00 北京时间 МСК",
    ],
)
@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_what_reads_two_ways_is_refused(text: str, lang: str) -> None:
    assert problem(text, lang) is TimeProblem.AMBIGUOUS


@pytest.mark.parametrize("text", ["2025-08-21", "21.08.2025", "8月21日", "15:00", "15点"])
def test_a_date_or_a_time_alone_is_incomplete(text: str) -> None:
    assert problem(text) is TimeProblem.INCOMPLETE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "завтра в десять",
        "tomorrow",
        "21.0815:00",
        "21.08.2025 15:00 PST",
        "21.08.2025 15:00:00",
        "2025-08-21 15:00 +15:00",
        "15:00 21.08.2025",
    ],
)
def test_what_is_not_a_time_is_unreadable(text: str) -> None:
    assert problem(text) is TimeProblem.UNREADABLE
