"""A date and time as an organizer types it (/event, scheduling a broadcast).

Accepted, each with `HH:MM` after the date (`в`/`,` between them is fine, a full-width colon or
digit from a Chinese keyboard too):

- `2025-08-21 15:00`, `2025/8/21 15:00`, `2025.8.21 15:00` (the year first);
- `21.08.2025 15:00`, `21.08.25 15:00` (the day first, as Russians write it);
- `2025年8月21日 15:00` (also `15点30分`, `15点`);
- `21.08 15:00` and `8月21日 15:00`, without a year: the year that puts the moment nearest to
  now (in December `05.01` is next January; a date a few days ago stays this year, and is
  then refused as past rather than silently moved a year ahead).

The zone is the organizer's: Beijing time for a Chinese-speaking organizer, Moscow time for
anyone else (the prompts say so). An explicit offset (`+08:00`, `+0800`, `UTC+8`, `GMT+3`) or a
zone named after the time (`МСК`, `по Москве`, `北京时间`, `莫斯科时间`...) overrides it.
Both zones are free of daylight saving time, so the offset is the same all year.

Refused, with the reason: a date that does not exist (`31.02`, `25:00`), a date or time alone,
two different zones, and dates that read two ways (`03/09`: the 3rd of September or the 9th of
March?)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.services.events.timefmt import BEIJING, MOSCOW


class TimeProblem(StrEnum):
    """Why a text is not a moment; the Fluent message `time-input-<value>` explains it."""

    UNREADABLE = "unreadable"
    INCOMPLETE = "incomplete"  # a date without a time, or a time without a date
    NO_SUCH_DATE = "no-such-date"  # 31.02, 13th month, 25:00
    AMBIGUOUS = "ambiguous"  # 03/09, or two zones


class TimeInputError(ValueError):
    def __init__(self, problem: TimeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def organizer_zone(lang: str) -> ZoneInfo:
    """An organizer's own zone: the one they type times in when they name none, and the
    one their exports are written in."""
    return BEIJING if lang == "zh" else MOSCOW


# --- the parts -------------------------------------------------------------------------------

_YEAR_FIRST = r"(?P<y1>\d{4})\s*[-./]\s*(?P<m1>\d{1,2})\s*[-./]\s*(?P<d1>\d{1,2})"
_CHINESE = r"(?:(?P<y2>\d{4})\s*年\s*)?(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]"
_DAY_FIRST = r"(?P<d3>\d{1,2})\.(?P<m3>\d{1,2})(?:\.(?P<y3>\d{4}|\d{2}))?"
_DATE = rf"(?:{_YEAR_FIRST}|{_CHINESE}|{_DAY_FIRST})"
_TIME = (
    r"(?:(?P<hh>\d{1,2}):(?P<mm>\d{2})"
    r"|(?P<ch>\d{1,2})\s*[点時时](?:\s*(?P<cm>\d{1,2})\s*分|\s*(?P<half>半))?)"
)
# Between the date and the time: a space, "T", a comma, "в"/"at"; nothing after 日.
_JOIN = r"(?:\s*[t,]\s*|\s+(?:в|at)\s+|\s+|(?<=[日号]))"
_MOMENT = re.compile(rf"^{_DATE}{_JOIN}{_TIME}(?P<zone>.*)$")

# Dates written with a slash and no year first: the day or the month first? Both are common.
_SLASHED = re.compile(r"^\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{2,4})?\b")
_DATE_ONLY = re.compile(rf"^{_DATE}$")
_TIME_ONLY = re.compile(rf"^{_TIME}$")

_OFFSET = re.compile(r"(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?")
_UTC = re.compile(r"(?:utc|gmt|z)\b")
# Zone names after the time; the longer spelling first, so that it is taken whole.
_ZONE_NAMES: tuple[tuple[re.Pattern[str], tzinfo], ...] = (
    (re.compile(r"по\s+московскому(?:\s+времени)?|московское(?:\s+время)?"), MOSCOW),
    (re.compile(r"по\s+москве|москва|мск|msk|moscow(?:\s+time)?|莫斯科时间|莫斯科"), MOSCOW),
    (re.compile(r"по\s+пекинскому(?:\s+времени)?|пекинское(?:\s+время)?"), BEIJING),
    (re.compile(r"по\s+пекину|пекин|bjt|beijing(?:\s+time)?|北京时间|北京"), BEIJING),
)


def _normalise(text: str) -> str:
    """Full-width digits, colons and brackets of a Chinese keyboard become ASCII; brackets
    around a zone ("(МСК)", "（北京时间）") go; case and spacing stop mattering."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[()\[\]]", " ", text)
    return " ".join(text.split())


def _zones(rest: str) -> list[tzinfo]:
    """The zones named in what follows the time; an unknown word makes the text unreadable."""
    found: list[tzinfo] = []
    rest = rest.strip()
    while rest:
        offset = _OFFSET.match(rest)
        if offset:
            hours, minutes = int(offset["h"]), int(offset["m"] or 0)
            if hours > 14 or minutes >= 60:
                raise TimeInputError(TimeProblem.UNREADABLE)
            delta = timedelta(hours=hours, minutes=minutes)
            found.append(timezone(-delta if offset["sign"] == "-" else delta))
            rest = rest[offset.end() :].strip()
            continue
        utc = _UTC.match(rest)
        if utc:
            found.append(UTC)
            rest = rest[utc.end() :].strip()
            continue
        for pattern, zone in _ZONE_NAMES:
            named = pattern.match(rest)
            if named:
                found.append(zone)
                rest = rest[named.end() :].strip()
                break
        else:
            raise TimeInputError(TimeProblem.UNREADABLE)
    return found


def _zone(rest: str, lang: str) -> tzinfo:
    zones = _zones(rest)
    if not zones:
        return organizer_zone(lang)
    # "15:00 МСК +03:00" says one thing twice; "15:00 МСК +08:00" contradicts itself. Both
    # zones keep one offset all year, so any day compares them.
    day = datetime(2025, 1, 1)
    if len({zone.utcoffset(day) for zone in zones}) > 1:
        raise TimeInputError(TimeProblem.AMBIGUOUS)
    return zones[0]


def _year(two_or_four_digits: str) -> int:
    year = int(two_or_four_digits)
    return 2000 + year if len(two_or_four_digits) == 2 else year


def _nearest(month: int, day: int, hour: int, minute: int, zone: tzinfo, now: datetime) -> datetime:
    """A day and month without a year: the year that puts the moment nearest to now."""
    here = now.astimezone(zone).year
    candidates = []
    for year in (here - 1, here, here + 1):
        try:
            candidates.append(datetime(year, month, day, hour, minute, tzinfo=zone))
        except ValueError:  # 29.02 outside a leap year
            continue
    if not candidates:
        raise TimeInputError(TimeProblem.NO_SUCH_DATE)
    return min(candidates, key=lambda moment: abs(moment - now))


# --- the entry point -------------------------------------------------------------------------


def read_moment(text: str, *, lang: str, now: datetime) -> datetime:
    """The moment the organizer means, aware (in the zone it was typed in); TimeInputError
    says why there is none. `lang` is the organizer's language (their default zone), `now`
    picks the year when none is given."""
    normal = _normalise(text)
    if _SLASHED.match(normal):
        raise TimeInputError(TimeProblem.AMBIGUOUS)
    match = _MOMENT.match(normal)
    if match is None:
        if _DATE_ONLY.match(normal) or _TIME_ONLY.match(normal):
            raise TimeInputError(TimeProblem.INCOMPLETE)
        raise TimeInputError(TimeProblem.UNREADABLE)
    parts = match.groupdict()
    zone = _zone(parts["zone"] or "", lang)
    if parts["hh"] is not None:
        hour, minute = int(parts["hh"]), int(parts["mm"])
    else:
        hour = int(parts["ch"])
        minute = 30 if parts["half"] else int(parts["cm"] or 0)
    year_text = parts["y1"] or parts["y2"] or parts["y3"]
    month = int(parts["m1"] or parts["m2"] or parts["m3"])
    day = int(parts["d1"] or parts["d2"] or parts["d3"])
    try:
        if year_text is None:
            # Checked against a leap year first: 31.02 is no date in any year.
            date(2024, month, day)
            if hour > 23 or minute > 59:
                raise ValueError("no such time")
            return _nearest(month, day, hour, minute, zone, now)
        return datetime(_year(year_text), month, day, hour, minute, tzinfo=zone)
    except ValueError:
        raise TimeInputError(TimeProblem.NO_SUCH_DATE) from None
