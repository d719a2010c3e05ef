"""Registration statistics of one event, as plain numbers: the organizer's /stats renders them.

The breakdowns (language, role, country, format, speakers, where they came from, how they can
be reached, unreachable users) count active registrations: those are the people who will take
part. The totals and the per-day series count every registration ever made, cancelled and
erased ones included, so the chart's cumulative line ends at the total. Pending registrations
(made on the web with e-mail on, the address not confirmed yet) are counted apart: they are in
the total, not among the active ones, and go if not confirmed within PENDING_DAYS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import I18n, Translator
from bot.services.events.timefmt import MOSCOW
from bot.services.registration.countries import country_label, fold_country, known_names
from db.models import Registration, RegistrationStatus, User

TOP_COUNTRIES = 10
SPEAKER_STATUSES = ("pending", "approved", "declined")


@dataclass(frozen=True)
class DayCount:
    day: date  # a Moscow date
    count: int
    cumulative: int


@dataclass(frozen=True)
class CountryCounts:
    top: list[tuple[str, int]]  # the most frequent first, at most TOP_COUNTRIES
    others: int  # registrations from every country past the top


@dataclass(frozen=True)
class SpeakerCounts:
    wanting: int
    by_status: dict[str, int]  # pending / approved / declined


@dataclass(frozen=True)
class ReachCounts:
    telegram: int  # with a Telegram chat (an e-mail address too: the form asks for one)
    email_only: int  # registered on the web page, not connected to Telegram


@dataclass(frozen=True)
class EmailCounts:
    """The addresses of active registrations: confirmed (e-mail reaches them), refused for good
    by the mail server, muted by the e-mail's unsubscribe (reminders and broadcasts)."""

    confirmed: int
    bounced: int
    muted: int


@dataclass(frozen=True)
class EventStats:
    total: int
    active: int
    cancelled: int
    pending: int  # the address not confirmed yet (e-mail on)
    by_language: dict[str, int]
    by_role: dict[str, int]
    by_format: dict[str, int]
    countries: CountryCounts
    speakers: SpeakerCounts
    unreachable: int
    per_day: list[DayCount]
    by_source: dict[str, int]  # bot / web / miniapp
    reach: ReachCounts
    email: EmailCounts


async def event_stats(
    session: AsyncSession, event_id: int, country_aliases: Mapping[str, str] | None = None
) -> EventStats:
    """`country_aliases` maps a country's folded spelling to the name to show, so that a stored
    code and the country's names in both languages ("RU", "Россия", "俄罗斯") count as one."""
    by_status = await _count_by(session, event_id, Registration.status, active_only=False)
    return EventStats(
        total=sum(by_status.values()),
        active=by_status.get(RegistrationStatus.ACTIVE, 0),
        cancelled=by_status.get(RegistrationStatus.CANCELLED, 0),
        pending=by_status.get(RegistrationStatus.PENDING, 0),
        by_language=await _count_by(session, event_id, Registration.language),
        by_role=await _count_by(session, event_id, Registration.role),
        by_format=await _count_by(session, event_id, Registration.participation_format),
        countries=group_countries(
            await _active_countries(session, event_id), country_aliases or {}
        ),
        speakers=await _speaker_counts(session, event_id),
        unreachable=await _unreachable(session, event_id),
        per_day=registrations_per_day(await _created_times(session, event_id)),
        by_source=await _count_by(session, event_id, Registration.source),
        reach=await _reach(session, event_id),
        email=await _email(session, event_id),
    )


def _active(event_id: int) -> list[Any]:
    return [
        Registration.event_id == event_id,
        Registration.status == RegistrationStatus.ACTIVE,
    ]


async def _count_by(
    session: AsyncSession, event_id: int, column: Any, *, active_only: bool = True
) -> dict[str, int]:
    where = _active(event_id) if active_only else [Registration.event_id == event_id]
    rows = await session.execute(
        select(column, func.count())
        .where(*where)
        .group_by(column)
        .order_by(func.count().desc(), column)
    )
    return {str(value): int(count) for value, count in rows}


async def _active_countries(session: AsyncSession, event_id: int) -> list[str | None]:
    return list(await session.scalars(select(Registration.country).where(*_active(event_id))))


async def _speaker_counts(session: AsyncSession, event_id: int) -> SpeakerCounts:
    rows = await session.execute(
        select(Registration.speaker_status, func.count())
        .where(*_active(event_id), Registration.wants_to_speak.is_(True))
        .group_by(Registration.speaker_status)
    )
    counted = {str(status): int(count) for status, count in rows}
    return SpeakerCounts(
        wanting=sum(counted.values()),
        by_status={status: counted.get(status, 0) for status in SPEAKER_STATUSES},
    )


async def _unreachable(session: AsyncSession, event_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Registration)
        .join(User, User.id == Registration.user_id)
        .where(*_active(event_id), User.is_reachable.is_(False))
    )
    return int(count or 0)


async def _reach(session: AsyncSession, event_id: int) -> ReachCounts:
    with_chat = await session.scalar(
        select(func.count()).where(*_active(event_id), Registration.user_id.is_not(None))
    )
    email_only = await session.scalar(
        select(func.count()).where(
            *_active(event_id), Registration.user_id.is_(None), Registration.email.is_not(None)
        )
    )
    return ReachCounts(telegram=int(with_chat or 0), email_only=int(email_only or 0))


async def _email(session: AsyncSession, event_id: int) -> EmailCounts:
    has_address = Registration.email.is_not(None)
    row = (
        await session.execute(
            select(
                func.count().filter(Registration.email_confirmed_at.is_not(None)),
                func.count().filter(Registration.email_bounced_at.is_not(None)),
                func.count().filter(Registration.email_muted.is_(True)),
            ).where(*_active(event_id), has_address)
        )
    ).one()
    return EmailCounts(confirmed=int(row[0]), bounced=int(row[1]), muted=int(row[2]))


async def _created_times(session: AsyncSession, event_id: int) -> list[datetime]:
    rows = await session.scalars(
        select(Registration.created_at).where(Registration.event_id == event_id)
    )
    return list(rows)


def country_aliases(i18n: I18n, t: Translator) -> dict[str, str]:
    """A stored code ("RU") and the names of that country in any language ("Россия", "俄罗斯",
    older rows kept the button's name) are one country, shown in the organizer's language."""
    return {name: country_label(t, code) for name, code in known_names(i18n.all()).items()}


def own_language_aliases(t: Translator) -> dict[str, str]:
    """As `country_aliases`, from the names in `t`'s language alone (no I18n at hand)."""
    return {name: country_label(t, code) for name, code in known_names([t]).items()}


def country_names(names: Iterable[str | None], aliases: Mapping[str, str]) -> dict[str, str]:
    """Each country's folded spelling -> the name it is shown under: its alias (a coded country
    in the organizer's language), or else the spelling most people typed (on a tie, one written
    as a name is written: "Беларусь", not "беларусь" or "БЕЛАРУСЬ"). /stats counts by these
    names and the export writes them, so both fold countries the same way."""
    spellings: dict[str, Counter[str]] = {}
    for name in names:
        if name and name.strip():
            spellings.setdefault(fold_country(name), Counter())[" ".join(name.split())] += 1
    return {
        key: aliases.get(key) or min(typed.items(), key=_most_typed_name_like)[0]
        for key, typed in spellings.items()
    }


def _most_typed_name_like(spelling: tuple[str, int]) -> tuple[int, bool, str]:
    text, count = spelling
    name_like = text[:1].isupper() and not text.isupper()
    return (-count, not name_like, text)  # the code point order last, so that it is stable


def shown_country(shown: Mapping[str, str], value: str | None) -> str | None:
    """A stored country under its shown name (see `country_names`)."""
    if not value or not value.strip():
        return None
    return shown.get(fold_country(value), " ".join(value.split()))


def group_countries(
    names: Iterable[str | None], aliases: Mapping[str, str], limit: int = TOP_COUNTRIES
) -> CountryCounts:
    names = list(names)
    shown = country_names(names, aliases)
    merged: Counter[str] = Counter(
        shown[fold_country(name)] for name in names if name and name.strip()
    )
    ranked = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
    return CountryCounts(top=ranked[:limit], others=sum(c for _, c in ranked[limit:]))


def registrations_per_day(created: Iterable[datetime]) -> list[DayCount]:
    """Registrations per Moscow day from the first to the last, days without any included (as
    zero), with the running total."""
    per_day = Counter(moment.astimezone(MOSCOW).date() for moment in created)
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    out: list[DayCount] = []
    running = 0
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        running += per_day[day]
        out.append(DayCount(day, per_day[day], running))
    return out
