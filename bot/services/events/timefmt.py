"""Event times as people read them: Moscow time and Beijing time, side by side.

The conference is Russian-Chinese, so every time the bot shows is given in both zones, each with
its own date: 22:00 in Moscow is already the next day in Beijing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

MOSCOW = ZoneInfo("Europe/Moscow")
BEIJING = ZoneInfo("Asia/Shanghai")

# CLDR patterns: "3 сентября 2025" and "2025年9月3日".
_DATE_PATTERNS = {"ru": "d MMMM y", "zh": "y年M月d日"}
_BABEL_LOCALES = {"ru": "ru", "zh": "zh_Hans_CN"}
# What follows a date before a time inside a value: the messages write "{ $msk_date } г., 10:00"
# (as the certificate prints «3 сентября 2025 г.»), so an end on the next day reads the same.
_DATE_BEFORE_TIME = {"ru": " г.,", "zh": ""}


def local_date(moment: datetime, lang: str) -> str:
    return str(format_date(moment.date(), format=_DATE_PATTERNS[lang], locale=_BABEL_LOCALES[lang]))


@dataclass(frozen=True)
class ZonedSpan:
    """One zone's view of a time span, ready to be put into a Fluent message."""

    date: str
    start: str
    end: str


def zoned_span(start: datetime, end: datetime, zone: ZoneInfo, lang: str) -> ZonedSpan:
    local_start = start.astimezone(zone)
    local_end = end.astimezone(zone)
    end_text = local_end.strftime("%H:%M")
    if local_end.date() != local_start.date():
        end_text = f"{local_date(local_end, lang)}{_DATE_BEFORE_TIME[lang]} {end_text}"
    return ZonedSpan(local_date(local_start, lang), local_start.strftime("%H:%M"), end_text)


def span_args(start: datetime, end: datetime, lang: str) -> dict[str, str]:
    """Arguments for the `time-span` message: msk-date, msk-start, ..., bjt-end."""
    msk = zoned_span(start, end, MOSCOW, lang)
    bjt = zoned_span(start, end, BEIJING, lang)
    return {
        "msk_date": msk.date,
        "msk_start": msk.start,
        "msk_end": msk.end,
        "bjt_date": bjt.date,
        "bjt_start": bjt.start,
        "bjt_end": bjt.end,
    }


def moment_args(moment: datetime, lang: str) -> dict[str, str]:
    """Arguments for the `time-moment` message: one instant in both zones."""
    msk = moment.astimezone(MOSCOW)
    bjt = moment.astimezone(BEIJING)
    return {
        "msk_date": local_date(msk, lang),
        "msk_time": msk.strftime("%H:%M"),
        "bjt_date": local_date(bjt, lang),
        "bjt_time": bjt.strftime("%H:%M"),
    }
