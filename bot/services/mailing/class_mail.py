"""A class's e-mails, to the address its teacher gave: what is queued, and what each letter says
when the mail outbox sends it (bot/services/mailing/outbox.py).

A class registered on the web page (normal in China: WeChat, no Telegram) may have no group and
no teacher chat: its address is the one way to reach it. Its letters are rows of the one
delivery ledger with `class_id` (migration 0015), so the outbox claims, paces, retries and marks
bounces for them as for a registration's, once per (class, message, channel).

- The confirmation (double opt-in): every active class with an unconfirmed address that has not
  bounced, of an event not over, gets one per address (`confirm-<hash of the address>`, so a
  changed address is confirmed again); the outbox queues them as it goes (`queue_confirmations`),
  which covers classes made in the bot, on the web, and before e-mail was on. Its link opens the
  class page with a Confirm button (a GET confirms nothing: web/routes/classes.py).
- Until then nothing else goes to the address. Then: the reminders, the start letter with the
  meeting link and the class page (where the class checks in), link corrections, the new time,
  the certificates ready on the class page, organizers' broadcasts to teachers. The reminder
  runner plans them (one planner, `queue_slot` and `queue_corrections` beside the Telegram wave
  of class_chats.py); e-mail is a second channel beside the group or teacher chat, as for a
  person who is reachable both ways (Telegram may not get through).
- The one-click unsubscribe mutes reminders and broadcasts; never the letters with the link,
  corrections, the new time or the certificates."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.messages import attends_offline
from bot.services.events.catalog import Event
from bot.services.mailing.certificate_letter import certificate_of_kind
from bot.services.mailing.letters import (
    Addressee,
    Letter,
    _letter,
    _plain_title,
    _title,
    link_update_letter,
    moved_letter,
    reminder_letter,
)
from bot.services.mailing.links import MailLinks
from bot.services.reminders.planner import (
    LINK_PREFIX,
    Slot,
    link_kind,
    slots_for,
)
from db.claims import insert_new
from db.models import (
    Certificate,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    RegistrationStatus,
    SchoolClass,
)
from db.reach import class_email_usable

CONFIRM_PREFIX = "confirm-"  # the outbox's "confirm-…" kinds (outbox.CONFIRM_AGAIN)
# A class follows the event online (at an offline event, the venue): its letters say so.
CLASS_FORMAT = "online"


def confirm_kind(address: str) -> str:
    """One confirmation per address: a changed address gets its own."""
    key = address.strip().casefold().encode()
    return CONFIRM_PREFIX + hashlib.sha256(key).hexdigest()[:12]


async def queue_class_letters(
    session: AsyncSession, letters: Sequence[tuple[int, int, str]], *, now: datetime
) -> int:
    """Queue letters (class id, event id, kind) in the caller's transaction; how many were new
    (a letter already queued or sent for the class is not queued again)."""
    inserted = await insert_new(
        session,
        Delivery.__table__,  # type: ignore[arg-type]
        [
            {
                "class_id": class_id,
                "event_id": event_id,
                "kind": kind,
                "channel": DeliveryChannel.EMAIL,
                "status": DeliveryStatus.QUEUED,
                "created_at": now,
                "attempts": 0,
            }
            for class_id, event_id, kind in letters
        ],
        conflict=["class_id", "kind", "channel"],
        returning="id",
    )
    return len(inserted)


def active_classes(event_id: int) -> list[ColumnElement[bool]]:
    return [SchoolClass.event_id == event_id, SchoolClass.status == RegistrationStatus.ACTIVE]


def class_not_had(kind: str) -> ColumnElement[bool]:
    return ~exists().where(
        Delivery.class_id == SchoolClass.id,
        Delivery.kind == kind,
        Delivery.channel == DeliveryChannel.EMAIL,
    )


async def queue_confirmations(session: AsyncSession, *, now: datetime) -> int:
    """The confirmation of every class address not confirmed yet (once per address)."""
    rows = (
        await session.execute(
            select(SchoolClass.id, SchoolClass.event_id, SchoolClass.email)
            .join(EventRow, EventRow.id == SchoolClass.event_id)
            .where(
                SchoolClass.status == RegistrationStatus.ACTIVE,
                SchoolClass.email.is_not(None),
                SchoolClass.email_confirmed_at.is_(None),
                SchoolClass.email_bounced_at.is_(None),
                EventRow.ends_at > now,
            )
        )
    ).all()
    letters = [(row.id, row.event_id, confirm_kind(row.email)) for row in rows]
    return await queue_class_letters(session, letters, now=now) if letters else 0


async def queue_slot(session: AsyncSession, event_id: int, slot: Slot, *, now: datetime) -> int:
    """The reminder (or start letter) `slot` to every class its address reaches and that has
    not had it by e-mail; the letters without the link skip muted addresses."""
    conditions = [
        *active_classes(event_id),
        class_email_usable(),
        # Registered after this message was due: not sent late, as in Telegram.
        SchoolClass.created_at <= slot.due_at,
        class_not_had(slot.kind),
    ]
    if not slot.carries_link:
        conditions.append(SchoolClass.email_muted.is_(False))
    ids = (await session.scalars(select(SchoolClass.id).where(*conditions))).all()
    return await queue_class_letters(session, [(i, event_id, slot.kind) for i in ids], now=now)


async def queue_corrections(
    session: AsyncSession, event: Event, event_id: int, link: str, *, now: datetime
) -> int:
    """The new link to classes whose letters carried an older one (or said it was not out
    yet), as class_chats.correction_query does in Telegram."""
    if attends_offline(event, CLASS_FORMAT):
        return 0
    link_slots = [s.kind for s in slots_for(event) if s.carries_link]
    mine = and_(Delivery.class_id == SchoolClass.id, Delivery.channel == DeliveryChannel.EMAIL)
    had_this = exists().where(mine, or_(Delivery.link == link, Delivery.kind == link_kind(link)))
    had_old = exists().where(mine, Delivery.link.is_not(None), Delivery.link != link)
    had_empty = exists().where(
        mine,
        Delivery.kind.in_(link_slots),
        Delivery.link.is_(None),
        Delivery.status == DeliveryStatus.SENT,
    )
    ids = (
        await session.scalars(
            select(SchoolClass.id).where(
                *active_classes(event_id),
                class_email_usable(),
                ~had_this,
                or_(had_old, had_empty),
            )
        )
    ).all()
    kind = link_kind(link)
    return await queue_class_letters(session, [(i, event_id, kind) for i in ids], now=now)


# --- the letters -------------------------------------------------------------------------------


def class_addressee(links: MailLinks, school_class: SchoolClass) -> Addressee:
    """The teacher, for the class: the class page's and the unsubscribe's signed links (a
    class made in the bot gets its class page here; the caller commits)."""
    return Addressee(
        name=school_class.teacher_name or "",
        participation_format=CLASS_FORMAT,
        page_url=links.class_page(school_class),
        unsubscribe_url=links.class_unsubscribe(school_class),
        class_name=school_class.name,
    )


def class_confirm_letter(t: Translator, event: Event, to: Addressee) -> Letter:
    """Double opt-in for the class's address: the link opens the class page, whose Confirm
    button confirms it."""
    parts = [
        t("class-mail-confirm-text", event=_title(t, event)),
        to.page_url,
        t("class-mail-confirm-after"),
        t("mail-not-you"),
    ]
    subject = t("class-mail-confirm-subject", event=_plain_title(t, event))
    return _letter(t, event, subject, parts, to, footer=False)


def class_certificates_letter(
    t: Translator, event: Event, to: Addressee, certificate: Certificate
) -> Letter:
    """The letter of thanks and the pupils' certificates are ready on the class page (one ZIP
    there): a link, not an attachment, since a class's PDFs together may pass the 10 MB that
    qq.com and 163.com refuse, and the page always has the current ones."""
    parts = [
        t("class-mail-certificates-text", event=_title(t, event), number=certificate.number),
        f"{to.page_url}#certificates",
    ]
    subject = t("class-mail-certificates-subject", event=_plain_title(t, event))
    return _letter(t, event, subject, parts, to, page=False)


def current_slot_of(event: Event, kind: str, now: datetime) -> Slot | None:
    """The slot `kind` names while it is still the one to send: not after the event, and not
    once a later slot is due (after an outage, older reminders give way to newer ones)."""
    if now >= event.ends_at:
        return None
    slots = slots_for(event)
    slot = next((s for s in slots if s.kind == kind), None)
    if slot is None:
        return None
    if any(s.due_at > slot.due_at and s.due_at <= now for s in slots):
        return None
    return slot


def link_carried(event: Event, slot: Slot) -> str | None:
    """The meeting link a class letter carries (the ledger records it for corrections)."""
    if not slot.carries_link:
        return None
    if attends_offline(event, CLASS_FORMAT):
        return None
    return event.meeting.link or None


async def class_letter_for(
    session: AsyncSession,
    kind: str,
    school_class: SchoolClass,
    event: Event,
    t: Translator,
    to: Addressee,
    now: datetime,
) -> tuple[Letter | None, str, str | None]:
    """The letter `kind` asks for now (with the link it carries), or None and why it is no
    longer wanted. Broadcasts are the outbox's (it downloads their files)."""
    from bot.services.reminders.moved import is_moved_kind, moved_kind

    if kind.startswith(CONFIRM_PREFIX):
        if school_class.email_confirmed_at is not None:
            return None, "confirmed already", None
        if school_class.email is None or kind != confirm_kind(school_class.email):
            return None, "the address changed", None
        return class_confirm_letter(t, event, to), "", None
    if school_class.email_confirmed_at is None:
        return None, "unconfirmed", None
    certificate_id = certificate_of_kind(kind)
    if certificate_id is not None:
        certificate = await session.get(Certificate, certificate_id)
        if certificate is None or certificate.class_id != school_class.id:
            return None, "obsolete", None
        return class_certificates_letter(t, event, to, certificate), "", None
    if is_moved_kind(kind):
        if kind != moved_kind(event):
            return None, "superseded", None
        return moved_letter(t, event, to, now), "", None
    if kind.startswith(LINK_PREFIX):
        link = event.meeting.link
        if not link or link_kind(link) != kind or attends_offline(event, CLASS_FORMAT):
            return None, "superseded", None
        had_old = await session.scalar(
            select(Delivery.id)
            .where(
                Delivery.class_id == school_class.id,
                Delivery.channel == DeliveryChannel.EMAIL,
                Delivery.link.is_not(None),
                Delivery.link != link,
            )
            .limit(1)
        )
        return link_update_letter(t, event, to, link, had_old_link=had_old is not None), "", link
    slot = current_slot_of(event, kind, now)
    if slot is None:
        return None, "superseded", None
    if not slot.carries_link and school_class.email_muted:
        return None, "muted", None
    letter = reminder_letter(t, event, slot, to, now)
    return letter, "", link_carried(event, slot)
