"""/stats: registrations of an event in numbers (bot/services/reports/stats.py), then a chart
per day with the cumulative total (bot/services/reports/charts.py)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from aiogram import Bot, Router
from aiogram.types import BufferedInputFile
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.classes.export import (
    ClassCounts,
    class_counts,
    event_feedback,
    feedback_summary,
)
from bot.services.events.catalog import Event
from bot.services.reports.charts import ChartLabels, registrations_chart
from bot.services.reports.stats import EventStats, country_aliases, event_stats
from bot.services.venues.seats import seat_counts
from db.repositories import AuditRepository, EventRepository
from handlers.admin.common import register_event_action, title
from handlers.venue_views import venue_stats_text

# Day labels under the bars: digits only, so that any font draws them.
CHART_DATE_FORMATS = {"ru": "%d.%m", "zh": "%m-%d"}

# --- views -----------------------------------------------------------------------------------


def stats_text(
    t: Translator, event: Event, stats: EventStats, classes: ClassCounts | None = None
) -> str:
    """`classes`: the event's classes, said last; an event with classes and no individual
    registration yet shows them instead of "no registrations"."""
    head = [t("stats-title", event=title(t, event))]
    classes_line = _classes(t, classes)
    if stats.total == 0:
        if classes_line:
            return "\n\n".join(["\n".join([*head, t("stats-no-individual")]), classes_line])
        return "\n".join([*head, t("stats-empty")])
    totals = t("stats-totals", total=stats.total, active=stats.active, cancelled=stats.cancelled)
    if stats.pending:
        totals += "\n" + t("stats-pending", count=stats.pending)
    blocks = [
        "\n".join([*head, totals]),
        t("stats-breakdown-note"),
        _section(t, t("stats-section-language"), _languages(t, stats)),
        _section(t, t("stats-section-role"), _roles(t, stats)),
        _countries(t, stats),
        _section(t, t("stats-section-format"), _formats(t, stats)),
        _speakers(t, stats),
        _section(t, t("stats-section-source"), _sources(t, stats)),
        t("stats-reach", telegram=stats.reach.telegram, email_only=stats.reach.email_only),
        _email(t, stats),
        t("stats-unreachable", count=stats.unreachable),
        classes_line,
    ]
    return "\n\n".join(block for block in blocks if block)


def _classes(t: Translator, counts: ClassCounts | None) -> str:
    if counts is None or not counts.classes:
        return ""
    return t(
        "stats-classes", classes=counts.classes, students=counts.students, groups=counts.groups
    )


def _email(t: Translator, stats: EventStats) -> str:
    """The addresses' state: nothing to say while no address was ever confirmed or refused."""
    email = stats.email
    if not (email.confirmed or email.bounced or email.muted):
        return ""
    return t("stats-email", confirmed=email.confirmed, bounced=email.bounced, muted=email.muted)


def _section(t: Translator, heading: str, items: Iterable[tuple[str, int]]) -> str:
    lines = [t("stats-line", label=label, count=count) for label, count in items]
    return "\n".join([heading, *lines])


def _languages(t: Translator, stats: EventStats) -> list[tuple[str, int]]:
    return [(t("report-language", lang=escape(lang)), n) for lang, n in stats.by_language.items()]


def _sources(t: Translator, stats: EventStats) -> list[tuple[str, int]]:
    return [(t("report-source", source=escape(s)), n) for s, n in stats.by_source.items()]


def _roles(t: Translator, stats: EventStats) -> list[tuple[str, int]]:
    return [(_role_label(t, role), n) for role, n in stats.by_role.items()]


def _formats(t: Translator, stats: EventStats) -> list[tuple[str, int]]:
    return [(t("report-format", format=escape(f)), n) for f, n in stats.by_format.items()]


def _role_label(t: Translator, role: str) -> str:
    key = f"role-{role}"
    return t(key) if t.has(key) else escape(role)


def _countries(t: Translator, stats: EventStats) -> str:
    # Country names are what participants typed: escaped.
    items = [(escape(name), n) for name, n in stats.countries.top]
    text = _section(t, t("stats-section-country"), items)
    if stats.countries.others:
        text += "\n" + t("stats-others", count=stats.countries.others)
    return text


def _speakers(t: Translator, stats: EventStats) -> str:
    speakers = stats.speakers
    items = [
        (t("report-speaker-status", status=status), n) for status, n in speakers.by_status.items()
    ]
    heading = (
        t("stats-section-speakers") + "\n" + t("stats-speakers-wanting", count=speakers.wanting)
    )
    return _section(t, heading, items) if speakers.wanting else heading


def chart_labels(t: Translator) -> ChartLabels:
    return ChartLabels(
        per_day=t("stats-chart-per-day"),
        cumulative=t("stats-chart-cumulative"),
        dates=t("stats-chart-dates"),
        date_format=CHART_DATE_FORMATS.get(t.lang, "%d.%m"),
    )


# --- handlers --------------------------------------------------------------------------------


async def send_stats(
    bot: Bot,
    chat_id: int,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    clock: Clock,
    event: Event,
) -> None:
    row = await EventRepository(session).by_slug(event.slug)
    if row is None:
        await bot.send_message(chat_id, t("err-unknown-event"))
        return
    stats = await event_stats(session, row.id, country_aliases(i18n, t))
    # The console lives in the organizer's private chat: the chat id is the organizer's id.
    AuditRepository(session).record(chat_id, "stats", clock.now(), event_id=row.id)
    await session.commit()
    counts = await class_counts(session, row.id)
    feedback = feedback_summary(await event_feedback(session, row.id))
    text = stats_text(t, event, stats, counts)
    if event.venues:  # seats and waiting lists per venue (issue 15)
        text += "\n\n" + venue_stats_text(t, await seat_counts(session, event, row.id))
    if feedback.count:
        text += "\n\n" + t(
            "stats-feedback",
            count=feedback.count,
            average=feedback.average,  # a number: Fluent writes 4,5 in Russian, 4.5 in Chinese
            comments=feedback.comments,
        )
    await bot.send_message(chat_id, text)
    if stats.per_day:
        png = await registrations_chart(stats.per_day, chart_labels(t))
        await bot.send_photo(
            chat_id,
            BufferedInputFile(png, filename=f"{event.slug}-registrations.png"),
            caption=t("stats-chart-caption"),
        )


async def stats_action(event: Event, chat_id: int, data: dict[str, Any]) -> None:
    await send_stats(
        data["bot"], chat_id, data["t"], data["i18n"], data["session"], data["clock"], event
    )


def create_router() -> Router:
    router = Router(name=__name__)
    register_event_action(router, "stats", stats_action)
    return router
