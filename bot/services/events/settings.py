"""Event settings changed by organizers from the chat: the meeting link, ID and passcode, and
the times. Stored as overrides in the database; they win over the events file, survive restarts
and are re-validated with the same rules as the file."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.events.catalog import Event, EventCatalog, EventRuleError
from db.models import EventRow
from db.repositories import AuditRepository, EventRepository

log = logging.getLogger(__name__)

# What organizers may change from the chat; the rest stays the events file's business.
TIME_FIELDS = ("starts_at", "ends_at", "registration_deadline")
MEETING_FIELDS = ("link", "id", "passcode")
# The times participants plan by: a change of either is announced (bot/services/reminders/moved.py).
EVENT_TIMES = ("starts_at", "ends_at")
# Kept in the overrides beside the changes: how many times the event's times changed (the
# calendar files' SEQUENCE) and when they last did (who registered before that is told).
SEQUENCE = "calendar_sequence"
TIMES_CHANGED_AT = "times_changed_at"
# The audit's actor of a move made in the events file: no person (whoever edited the file).
EVENTS_FILE_ACTOR = 0


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
    if SEQUENCE in overrides:
        data[SEQUENCE] = overrides[SEQUENCE]
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


def preview_change(catalog: EventCatalog, slug: str, changes: dict[str, Any]) -> Event:
    """The event as `changes` would make it, validated and stored nowhere: what the organizer
    is asked to confirm. SettingsRejected as change_event would raise it."""
    event = catalog.get(slug)
    if event is None:
        raise SettingsRejected("admin-err-unknown-event", f"unknown event {slug}")
    return with_overrides(event, _jsonable(changes))


def times_changed(before: Event, after: Event) -> bool:
    return any(getattr(before, name) != getattr(after, name) for name in EVENT_TIMES)


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
    """Validate, store and apply organizer changes; audited. A change of the start or the end
    counts one more calendar SEQUENCE, and the reminders already sent for the old time are
    made due again where the new time makes them useful (moved.release_sent_reminders)."""
    event = catalog.get(slug)
    row = await EventRepository(session).by_slug(slug)
    if event is None or row is None:
        raise SettingsRejected("admin-err-unknown-event", f"unknown event {slug}")
    now = clock.now()
    applied = _jsonable(changes)
    changed = with_overrides(event, applied)
    details = dict(applied)
    if times_changed(event, changed):
        # Imported here: the reminders package depends on the events package, not back.
        from bot.services.reminders.moved import release_sent_reminders

        sequence = event.calendar_sequence + 1
        applied |= {SEQUENCE: sequence, TIMES_CHANGED_AT: now.isoformat()}
        changed = with_overrides(event, applied)
        details["previous"] = {name: getattr(event, name).isoformat() for name in EVENT_TIMES}
        await release_sent_reminders(
            session, row.id, before=event, after=changed, now=now, sequence=sequence
        )
    row.overrides = {**(row.overrides or {}), **applied}
    row.starts_at = changed.starts_at
    row.ends_at = changed.ends_at
    row.updated_at = now
    AuditRepository(session).record(actor_id, action, now, event_id=row.id, details=details)
    await session.commit()
    catalog.replace(changed)
    return changed


async def note_file_move(session: AsyncSession, row: EventRow, event: Event, now: datetime) -> bool:
    """At start-up, before the events file is mirrored into `row`: a start or an end changed in
    the file since the last start is a move, as one made from the chat (change_event): one more
    calendar SEQUENCE, the reminders sent for the old time made due again where useful, the
    audit, and everyone registered is told (bot/services/reminders/moved.py). Not where the
    chat's times win over the file's (an organizer moved the event from the chat), nor for an
    event over by its old or its new times (a correction of history)."""
    stored = row.overrides or {}
    before = _file_times(row.config)
    if before is None or any(name in stored for name in EVENT_TIMES):
        return False
    if before == (event.starts_at, event.ends_at) or now >= min(before[1], event.ends_at):
        return False
    # Imported here: the reminders package depends on the events package, not back.
    from bot.services.reminders.moved import release_sent_reminders

    sequence = int(stored.get(SEQUENCE, 0)) + 1
    old = event.model_copy(update={"starts_at": before[0], "ends_at": before[1]})
    moved = event.model_copy(update={"calendar_sequence": sequence})
    await release_sent_reminders(
        session, row.id, before=old, after=moved, now=now, sequence=sequence
    )
    row.overrides = {**stored, SEQUENCE: sequence, TIMES_CHANGED_AT: now.isoformat()}
    details: dict[str, Any] = {name: getattr(event, name).isoformat() for name in EVENT_TIMES}
    details["previous"] = {name: getattr(old, name).isoformat() for name in EVENT_TIMES}
    AuditRepository(session).record(
        EVENTS_FILE_ACTOR, "move_event_file", now, event_id=row.id, details=details
    )
    log.info("%s: moved in the events file; its registrants are told the new time", event.slug)
    return True


def _file_times(config: dict[str, Any] | None) -> tuple[datetime, datetime] | None:
    """The start and end the events file had when it was last mirrored."""
    if not config or "starts_at" not in config or "ends_at" not in config:
        return None
    return datetime.fromisoformat(config["starts_at"]), datetime.fromisoformat(config["ends_at"])


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
