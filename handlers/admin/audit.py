"""/audit: the latest organizer actions, newest first, paged in place with ◀ ▶.

Each entry: when (Moscow and Beijing time), who, the action in words (`audit-action-<action>`
when the .ftl has it, else the action's own name) and its details, each named by
`audit-detail-<key>` when there is such a key. A registration, pupil or class the details name
by id is shown with its name as it is now (bot/services/organizers/audit.py); the answers an
edit changed, by the labels the form and the /find card use. Open to every organizer, viewers
included."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.events.catalog import EventCatalog
from bot.services.events.settings import EVENTS_FILE_ACTOR
from bot.services.organizers.audit import SUBJECT_KEYS, AuditLine, AuditPage, Subject, audit_page
from bot.services.organizers.team import Person
from bot.services.registration.form import Field
from db.models import OrganizerRole
from handlers.admin.callbacks import AdminMenuCb
from handlers.admin.labels import moment_label, person_label
from handlers.admin.stale import answer_stale, buttons_of
from handlers.views import field_label

log = logging.getLogger(__name__)

# Telegram's limit for a message's text; a page over it is shown without its details.
MESSAGE_LIMIT = 4096
VALUE_LENGTH = 80  # a detail's value is cut here (a name, a link, a note)
DETAILS_PER_ENTRY = 6
_ROLES = frozenset(role.value for role in OrganizerRole)
_FIELDS = frozenset(field.value for field in Field)
# The answers a /find edit changed (bot/services/organizers/changes.py): "city", or several
# joined with ", " ("wants_to_speak, talk_topic").
FIELDS_KEY = "field"


class AdminAuditCb(CallbackData, prefix="alog"):
    """A page of the log: `top` is the newest entry's id when the log was opened (0: the
    newest there is now), `page` counts from 0."""

    top: int
    page: int


def _keyed(t: Translator, prefix: str, name: str) -> str | None:
    """The text of `<prefix><name>`, also tried with '-' for '_' (Fluent keys are kebab-case;
    action names in code are often snake_case)."""
    for key in (f"{prefix}{name}", f"{prefix}{name.replace('_', '-')}"):
        if t.has(key):
            return t(key)
    return None


def who_text(t: Translator, person: Person) -> str:
    """The organizer, or the events file for a move made there (note_file_move)."""
    if person.user_id == EVENTS_FILE_ACTOR:
        return t("audit-who-events-file")
    return person_label(t, person)


def action_text(t: Translator, action: str) -> str:
    return _keyed(t, "audit-action-", action) or f"<code>{escape(action)}</code>"


def _moment(value: str) -> datetime | None:
    """An ISO date-time with its offset (how times are kept in details), else None."""
    if len(value) < 16 or value[4:5] != "-" or value[10:11] not in ("T", " "):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= VALUE_LENGTH else text[: VALUE_LENGTH - 1] + "…"


def _field_labels(t: Translator, value: str) -> str | None:
    """ "wants_to_speak, talk_topic" as the form names them; None if one is not a form field."""
    names = [name.strip() for name in value.split(",")]
    if not all(name in _FIELDS for name in names):
        return None
    return t("list-separator").join(field_label(t, Field(name)) for name in names)


def _subject(t: Translator, shown: str, subject: Subject | None) -> str:
    """An id with what it names now: «12 (Иванова Алёна)», «12 (данные удалены)»."""
    if subject is None or not (subject.name or subject.erased):
        return shown
    return t(
        "audit-detail-subject",
        value=shown,
        state="erased" if subject.erased else "named",
        name=escape(_cut(subject.name)),
    )


def detail_value(
    t: Translator, key: str, value: Any, subjects: dict[tuple[str, int], Subject] | None = None
) -> str:
    """A detail as organizers read it, escaped (details hold what people typed)."""
    if key in ("role", "previous_role") and value in _ROLES:
        return t("team-role", role=value)
    if key == FIELDS_KEY and isinstance(value, str):
        labels = _field_labels(t, value)
        if labels is not None:
            return labels
    if isinstance(value, str):
        moment = _moment(value)
        if moment is not None:
            return moment_label(t, moment)
        if key == "format":
            return escape(value.upper())
        return escape(_cut(value))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return escape(_cut(json.dumps(value, ensure_ascii=False)))
    if key.endswith("user_id"):
        return f"<code>{value}</code>"
    if key in SUBJECT_KEYS and isinstance(value, int):
        return _subject(t, str(value), (subjects or {}).get((key, value)))
    return str(value)


def detail_lines(
    t: Translator,
    line: AuditLine,
    catalog: EventCatalog,
    subjects: dict[tuple[str, int], Subject] | None = None,
) -> list[str]:
    out = []
    event = catalog.get(line.event_slug) if line.event_slug else None
    if line.event_slug:
        name = event.short_name(t.lang) if event else line.event_slug
        out.append(t("audit-detail", label=t("audit-detail-event"), value=escape(name)))
    for key, label, value in _flat(t, line.details):
        if value is None or value == "" or len(out) >= DETAILS_PER_ENTRY:
            continue
        venue = event.venue_by_id(str(value)) if event and key == "venue" else None
        # A venue by its name in the reader's language (the details keep its id).
        shown = escape(venue.name.get(t.lang)) if venue else detail_value(t, key, value, subjects)
        out.append(t("audit-detail", label=label, value=shown))
    return out


def _label(t: Translator, key: str) -> str:
    return _keyed(t, "audit-detail-", key) or escape(key)


def _flat(t: Translator, details: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(key, label, value) of each detail; a group (e.g. the times before a change) gives one
    line per member, labelled with both names: «было (начало)»."""
    out: list[tuple[str, str, Any]] = []
    for key, value in details.items():
        if isinstance(value, dict):
            outer = _label(t, key)
            for inner, member in value.items():
                label = t("audit-detail-nested", outer=outer, inner=_label(t, str(inner)))
                out.append((str(inner), label, member))
        else:
            out.append((key, _label(t, key), value))
    return out


def audit_text(
    t: Translator, page: AuditPage, catalog: EventCatalog, *, details: bool = True
) -> str:
    parts = [t("audit-title")]
    if not page.lines:
        parts.append(t("audit-empty"))
        return "\n".join(parts)
    parts.append(t("audit-page", page=page.page + 1, pages=page.pages))
    for line in page.lines:
        entry = [
            "",
            "🕒 " + moment_label(t, line.created_at),
            t("audit-entry", who=who_text(t, line.actor), action=action_text(t, line.action)),
        ]
        if details:
            entry += detail_lines(t, line, catalog, page.subjects)
        parts += entry
    text = "\n".join(parts)
    if details and len(text) > MESSAGE_LIMIT:
        return audit_text(t, page, catalog, details=False)
    return text


def audit_keyboard(t: Translator, page: AuditPage) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if page.has_newer:
        kb.button(
            text=t("audit-btn-newer"), callback_data=AdminAuditCb(top=page.top, page=page.page - 1)
        )
    if page.has_older:
        kb.button(
            text=t("audit-btn-older"), callback_data=AdminAuditCb(top=page.top, page=page.page + 1)
        )
    kb.button(text=t("audit-btn-refresh"), callback_data=AdminAuditCb(top=0, page=0))
    kb.adjust(2)
    return kb.as_markup()


async def send_audit(
    message: Message, t: Translator, session: AsyncSession, catalog: EventCatalog
) -> None:
    page = await audit_page(session)
    await message.answer(audit_text(t, page, catalog), reply_markup=audit_keyboard(t, page))


async def cmd_audit(
    message: Message, t: Translator, session: AsyncSession, catalog: EventCatalog
) -> None:
    await send_audit(message, t, session, catalog)


async def on_menu(
    query: CallbackQuery, t: Translator, session: AsyncSession, catalog: EventCatalog
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await send_audit(query.message, t, session, catalog)


async def on_page(
    query: CallbackQuery,
    callback_data: AdminAuditCb,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
) -> None:
    if callback_data.top < 0 or callback_data.page < 0:  # no button of ours says so
        await answer_stale(query, t)
        return
    await query.answer()
    page = await audit_page(session, top=callback_data.top or None, page=callback_data.page)
    if not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_text(
            audit_text(t, page, catalog), reply_markup=audit_keyboard(t, page)
        )
    except TelegramBadRequest as exc:  # "message is not modified": a refresh with nothing new
        log.debug("audit page not edited: %s", exc.message)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_audit, Command("audit"))
    router.callback_query.register(on_menu, AdminMenuCb.filter(F.action == "audit"))
    router.callback_query.register(on_page, AdminAuditCb.filter())
    # `alog:999`, `alog:x`...: not one of our page buttons (any more).
    router.callback_query.register(answer_stale, buttons_of(AdminAuditCb))
    return router
