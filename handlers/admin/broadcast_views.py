"""What /broadcast shows: the audience buttons with how many each reaches, why the others
cannot be reached, the preview's counts, the progress and the report, the scheduled broadcasts.
Pure functions of the translator and the numbers (handlers/admin/broadcast.py sends them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.messages import when_text
from bot.services.delivery.audience_list import ListMatch, RecipientList
from bot.services.delivery.audience_reach import Reach
from bot.services.delivery.broadcasts import EmailProgress, Progress
from db.audiences import Audience
from db.models import Broadcast
from handlers.admin.callbacks import AdminAudienceCb, AdminConfirmCb, AdminStopCb

# The audiences offered as buttons, in this order (one person comes from /find, a list is
# uploaded: neither has a count before it is chosen).
NAMED_AUDIENCES = (
    Audience.ALL,
    Audience.CHECKED_IN,
    Audience.NOT_CHECKED_IN,
    Audience.SPEAKERS,
    Audience.OFFLINE,
    Audience.ONLINE,
    Audience.TEACHERS,
    Audience.CLASS_TEACHERS,
    Audience.RUSSIAN,
    Audience.CHINESE,
)
UNMATCHED_SHOWN = 30  # entries of an uploaded list that matched nobody, listed by name


class AdminUnscheduleCb(CallbackData, prefix="abu"):
    """Cancel a scheduled broadcast before it starts."""

    broadcast_id: int


# --- choosing the audience -------------------------------------------------------------------


def audience_label(t: Translator, audience: Audience, reach: Reach, *, email_on: bool) -> str:
    """ "Всем участникам (40)" when everyone can be reached, "(35 из 40)" when not."""
    if email_on:
        counts = {"telegram": reach.telegram, "by_email": reach.email}
        if reach.unreachable:
            return t(
                "broadcast-audience-channels-partial",
                audience=audience.value,
                unreachable=reach.unreachable,
                **counts,
            )
        return t("admin-audience-channels", audience=audience.value, **counts)
    if reach.unreachable:
        return t(
            "broadcast-audience-partial",
            audience=audience.value,
            count=reach.reached,
            total=reach.total,
        )
    return t("admin-audience", audience=audience.value, count=reach.reached)


def audience_keyboard(
    t: Translator, reaches: dict[Audience, Reach], *, email_on: bool = False
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for audience, reach in reaches.items():
        kb.button(
            text=audience_label(t, audience, reach, email_on=email_on),
            callback_data=AdminAudienceCb(audience=audience.value),
        )
    kb.button(text=t("broadcast-btn-list"), callback_data=AdminAudienceCb(audience="list"))
    kb.adjust(1)
    return kb.as_markup()


def reason_lines(t: Translator, reach: Reach) -> list[str]:
    return ["• " + t("broadcast-reason-count", reason=r, count=n) for r, n in reach.reasons()]


def reach_text(t: Translator, reach: Reach) -> str:
    """How many of the audience get it, and why the others do not: "35 of 40" explained."""
    lines = [t("broadcast-reach", total=reach.total, count=reach.reached)]
    if reach.unreachable:
        lines.append(t("broadcast-unreachable-head", unreachable=reach.unreachable))
        lines += reason_lines(t, reach)
    return "\n".join(lines)


def list_text(t: Translator, entries: RecipientList, match: ListMatch) -> str:
    """What an uploaded list matched, and what it did not (escaped: it is what was sent)."""
    lines = [t("broadcast-list-matched", count=match.registrations, total=entries.size)]
    if match.unmatched:
        lines.append(t("broadcast-list-unmatched", count=len(match.unmatched)))
        lines += [f"• <code>{escape(e)}</code>" for e in match.unmatched[:UNMATCHED_SHOWN]]
        if len(match.unmatched) > UNMATCHED_SHOWN:
            lines.append(t("broadcast-list-more", count=len(match.unmatched) - UNMATCHED_SHOWN))
    if entries.unrecognised:
        lines.append(t("broadcast-list-unrecognised", count=entries.unrecognised))
    return "\n".join(lines)


def person_via(reach: Reach) -> str:
    if reach.telegram and reach.email:
        return "both"
    return "email" if reach.email else "telegram"


# --- the preview -----------------------------------------------------------------------------


def preview_text(
    t: Translator, audience: Audience, reach: Reach, *, email_on: bool, letter: bool
) -> str:
    if email_on:
        text = t("admin-broadcast-preview-channels", telegram=reach.telegram, by_email=reach.email)
        if not letter:
            text += "\n" + t("admin-broadcast-no-email")
    else:
        text = t("admin-broadcast-preview", count=reach.telegram, audience=audience.value)
    if reach.unreachable:
        text += "\n\n" + reach_text(t, reach)
    return text


def person_preview_text(
    t: Translator, name: str, reach: Reach, *, email_on: bool, letter: bool
) -> str:
    """The preview of a message to one person (a /find card): their name, not a count."""
    via = person_via(reach) if reach.reached else "none"
    text = t("broadcast-person-preview", name=escape(name), via=via)
    if email_on and not letter and reach.email:
        text += "\n" + t("admin-broadcast-no-email")
    if reach.unreachable:
        text += "\n\n" + reach_text(t, reach)
    return text


def confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("admin-broadcast-send"), callback_data=AdminConfirmCb(what="broadcast", yes=True)
    )
    kb.button(
        text=t("broadcast-btn-later"),
        callback_data=AdminConfirmCb(what="broadcast-later", yes=True),
    )
    kb.button(text=t("admin-cancel"), callback_data=AdminConfirmCb(what="broadcast", yes=False))
    kb.adjust(1)
    return kb.as_markup()


# --- scheduled broadcasts --------------------------------------------------------------------


def unschedule_keyboard(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("broadcast-btn-unschedule"),
        callback_data=AdminUnscheduleCb(broadcast_id=broadcast_id),
    )
    return kb.as_markup()


def scheduled_text(t: Translator, broadcast: Broadcast) -> str:
    assert broadcast.scheduled_at is not None
    return "\n".join(
        [
            t("broadcast-scheduled", audience=broadcast.audience),
            when_text(t, broadcast.scheduled_at),
            t("broadcast-scheduled-note"),
        ]
    )


def too_late_text(t: Translator, moment: datetime, latest: datetime, days: int) -> str:
    """The refusal of a time too far after the event (`days` after its end at most), naming
    the latest one allowed."""
    return "\n".join(
        [
            t("broadcast-time-too-late", days=days),
            when_text(t, latest),
            t("admin-time-typed"),
            when_text(t, moment),
        ]
    )


def scheduled_list(
    t: Translator, broadcasts: Sequence[Broadcast]
) -> tuple[str, InlineKeyboardMarkup]:
    """The event's broadcasts waiting for their time, each with its Cancel button."""
    lines = [t("broadcast-scheduled-head")]
    kb = InlineKeyboardBuilder()
    for row, broadcast in enumerate(broadcasts, 1):
        assert broadcast.scheduled_at is not None
        lines += [
            "",
            t("broadcast-scheduled-item", row=row, audience=broadcast.audience),
            when_text(t, broadcast.scheduled_at),
        ]
        kb.button(
            text=t("broadcast-btn-unschedule-row", row=row),
            callback_data=AdminUnscheduleCb(broadcast_id=broadcast.id),
        )
    kb.adjust(2)
    return "\n".join(lines), kb.as_markup()


# --- progress and report ---------------------------------------------------------------------


def stop_keyboard(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("admin-broadcast-stop"), callback_data=AdminStopCb(broadcast_id=broadcast_id))
    return kb.as_markup()


def progress_bar(done: int, total: int, width: int = 20) -> str:
    filled = width if total == 0 else round(width * done / total)
    return "▓" * filled + "░" * (width - filled)


def progress_text(t: Translator, progress: Progress, rate: float) -> str:
    lines = [
        t("admin-progress", sent=progress.sent, total=progress.total),
        progress_bar(progress.handled, progress.total),
        t(
            "admin-progress-details",
            unreachable=progress.unreachable,
            failed=progress.failed,
            seconds=round(progress.seconds_left(rate)),
        ),
    ]
    if progress.email is not None:
        letters = progress.email
        lines.append(t("admin-progress-email", sent=letters.sent, total=letters.total))
    return "\n".join(lines)


def email_report(t: Translator, letters: EmailProgress) -> list[str]:
    return [
        t("admin-report-email-head"),
        t(
            "admin-report-email",
            sent=letters.sent,
            bounced=letters.bounced,
            failed=letters.failed,
            waiting=letters.waiting,
        ),
    ]


def report_text(t: Translator, progress: Progress) -> str:
    head = "admin-report-cancelled" if progress.cancelled else "admin-report"
    lines = [t(head)]
    audience = progress.audience
    if audience is not None and audience.unreachable:
        lines.append(t("broadcast-report-reach", total=audience.total, count=audience.reached))
        lines += reason_lines(t, audience)
    if progress.email is not None:
        lines.append(t("admin-report-telegram-head"))
    lines += [
        t("admin-report-sent", count=progress.sent, total=progress.total),
        t("admin-report-unreachable", count=progress.unreachable),
        t("admin-report-failed", count=progress.failed),
    ]
    lines += [f"• {escape(reason)}: {count}" for reason, count in sorted(progress.errors.items())]
    pending = progress.total - progress.handled
    if pending:
        lines.append(t("admin-report-not-sent", count=pending))
    if progress.email is not None:
        lines += email_report(t, progress.email)
    return "\n".join(lines)
