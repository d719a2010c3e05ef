"""Event settings changed by organizers from the chat: the meeting link, ID and passcode, and
the times. Stored as overrides in the database; they win over the events file, survive restarts
and are re-validated with the same rules as the file."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.events.catalog import Event, EventCatalog, EventRuleError
from db.repositories import AuditRepository, EventRepository

# What organizers may change from the chat; the rest stays the events file's business.
TIME_FIELDS = ("starts_at", "ends_at", "registration_deadline")
MEETING_FIELDS = ("link", "id", "passcode")


class SettingsRejected(Exception):
    """The change would make an invalid event. `key` names the Fluent message that tells
    organizers why; `reason` is the validator's own words, for the log."""

    def __init__(self, key: str, reason: str = "") -> None:
        super().__init__(reason or key)
        self.key = key
        self.reason = reason or key


def with_overrides(event: Event, overrides: dict[str, Any]) -> Event:
    data = event.model_dump()
    meeting = dict(data["meeting"])
    for name in MEETING_FIELDS:
        if f"meeting_{name}" in overrides:
            meeting[name] = overrides[f"meeting_{name}"]
    data["meeting"] = meeting
    for name in TIME_FIELDS:
        if name in overrides:
            data[name] = overrides[name]
    try:
        return Event.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        reason = "; ".join(_describe(e) for e in errors)
        raise SettingsRejected(_message_key(errors[0]), reason) from None


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"]) or "event"
    return f"{where}: {str(error['msg']).removeprefix('Value error, ')}"


def _message_key(error: Any) -> str:
    """The known rules name their message; anything else gets a general one."""
    cause = error.get("ctx", {}).get("error")
    return cause.key if isinstance(cause, EventRuleError) else "admin-err-other"


async def apply_stored_overrides(session: AsyncSession, catalog: EventCatalog) -> None:
    """At start-up: what organizers set from the chat wins over the file."""
    repo = EventRepository(session)
    for event in catalog:
        row = await repo.by_slug(event.slug)
        if row is not None and row.overrides:
            catalog.replace(with_overrides(event, row.overrides))


async def change_event(
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    *,
    slug: str,
    changes: dict[str, Any],
    actor_id: int,
    action: str,
) -> Event:
    """Validate, store and apply organizer changes; audited."""
    event = catalog.get(slug)
    row = await EventRepository(session).by_slug(slug)
    if event is None or row is None:
        raise SettingsRejected("admin-err-unknown-event", f"unknown event {slug}")
    stored = {**(row.overrides or {}), **_jsonable(changes)}
    changed = with_overrides(event, _jsonable(changes))
    row.overrides = stored
    row.starts_at = changed.starts_at
    row.ends_at = changed.ends_at
    row.updated_at = clock.now()
    AuditRepository(session).record(
        actor_id, action, clock.now(), event_id=row.id, details=_jsonable(changes)
    )
    await session.commit()
    catalog.replace(changed)
    return changed


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in changes.items()}


_LINK = re.compile(r"^https://\S+\.\S+$")


def parse_link_command(text: str) -> dict[str, str]:
    """`<link> [meeting ID] [passcode]`: the ID may contain spaces ("123 456 789"), so the
    passcode is the last word when more than one word follows the link."""
    parts = text.split()
    if not parts or not _LINK.match(parts[0]):
        raise SettingsRejected("admin-err-link", "link must be an https:// URL")
    rest = parts[1:]
    meeting_id, passcode = "", ""
    if len(rest) == 1:
        meeting_id = rest[0]
    elif len(rest) > 1:
        meeting_id, passcode = " ".join(rest[:-1]), rest[-1]
    return {"meeting_link": parts[0], "meeting_id": meeting_id, "meeting_passcode": passcode}
