"""Reminders, the "we are starting" message and link corrections for classes: one message per
class and kind, whatever chat the class uses.

A class is reached in its bound Telegram group, or, with no group bound (classes in China use
WeChat; the bot was removed from the group), in its teacher's private chat. The ledger
(group_deliveries) holds one row per class and kind, whichever chat it went to, so a group
and its teacher never both get the same message. A class registered on the web page has no
teacher chat: without a group it has no Telegram way (its teacher has the class page).

Every message names the class: a teacher may also be registered in person, and gets that
reminder too, and a teacher may have several classes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from aiogram import Bot
from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.messages import attends_offline, link_update_text, reminder_text
from bot.services.delivery.pacing import Outcome, PacedSender, Result, Stats
from bot.services.delivery.replicas import Replica
from bot.services.events.catalog import Event
from bot.services.reminders.planner import Slot, link_kind, slots_for
from db.claims import insert_new
from db.models import DeliveryStatus, GroupDelivery, RegistrationStatus, SchoolClass, User
from db.repositories import UserRepository

log = logging.getLogger(__name__)

# (kind, event id, language, class id) -> the message's buttons (the class's check-in button).
Markup = Callable[[str, int, str, int], Any]


@dataclass(frozen=True)
class ClassChat:
    """Where one claimed class message goes."""

    class_id: int
    class_name: str
    chat_id: int
    language: str
    to_teacher: bool  # no group bound: the teacher's private chat
    teacher_id: int | None
    group_title: str
    # A link correction: whether the class had an older link (else the link was not out yet).
    had_old_link: bool = False


def chat_of(row: Any) -> ClassChat:
    """Where a class's message goes: its bound group, else its teacher's private chat."""
    values = row._mapping
    group = values["group_chat_id"]
    teacher = values["teacher_id"]
    return ClassChat(
        class_id=values["id"],
        class_name=values["name"],
        chat_id=int(group if group is not None else teacher),
        # The group reads the class's language; the teacher their own, as they chose it.
        language=values["language"] if group is not None else values["teacher_language"],
        to_teacher=group is None,
        teacher_id=teacher,
        group_title=values["group_title"] or "",
        had_old_link=bool(values.get("had_old_link", False)),
    )


def class_select(*extra: Any) -> Select[Any]:
    """The columns `chat_of` reads, for a query of classes to reach."""
    return select(
        SchoolClass.id,
        SchoolClass.name,
        SchoolClass.group_chat_id,
        SchoolClass.teacher_id,
        SchoolClass.language,
        SchoolClass.group_title,
        func.coalesce(User.language, SchoolClass.language).label("teacher_language"),
        *extra,
    ).outerjoin(User, User.id == SchoolClass.teacher_id)


def reachable(*, carries_link: bool) -> ColumnElement[bool]:
    """A bound group, or else a teacher's chat that Telegram still delivers to. A teacher who
    muted reminders gets only the messages with the link, as for their own registration."""
    teacher = [SchoolClass.teacher_id.is_not(None), User.is_reachable.is_(True)]
    if not carries_link:
        teacher.append(User.reminders_muted.is_(False))
    return or_(SchoolClass.group_chat_id.is_not(None), and_(*teacher))


def _active(event_id: int) -> list[ColumnElement[bool]]:
    return [SchoolClass.event_id == event_id, SchoolClass.status == RegistrationStatus.ACTIVE]


def slot_query(event_id: int, slot: Slot) -> Select[Any]:
    """The classes due `slot` that have not had it in any chat."""
    delivered = exists().where(
        GroupDelivery.class_id == SchoolClass.id, GroupDelivery.kind == slot.kind
    )
    return class_select().where(
        *_active(event_id),
        # Registered after this message was due: not sent late, as for participants.
        SchoolClass.created_at <= slot.due_at,
        reachable(carries_link=slot.carries_link),
        ~delivered,
    )


def correction_query(event: Event, event_id: int, link: str) -> Select[Any]:
    """Classes that got an old link (or a link message before the link was known) in their
    group or their teacher's chat, and have not had this one: as for participants
    (ReminderService._correction_query)."""
    link_slots = [s.kind for s in slots_for(event) if s.carries_link]
    mine = GroupDelivery.class_id == SchoolClass.id
    had_this = exists().where(
        mine, or_(GroupDelivery.link == link, GroupDelivery.kind == link_kind(link))
    )
    had_old = exists().where(mine, GroupDelivery.link.is_not(None), GroupDelivery.link != link)
    had_empty = exists().where(
        mine,
        GroupDelivery.kind.in_(link_slots),
        GroupDelivery.link.is_(None),
        GroupDelivery.status == DeliveryStatus.SENT,
    )
    return class_select(had_old.label("had_old_link")).where(
        *_active(event_id),
        reachable(carries_link=True),
        ~had_this,
        or_(had_old, had_empty),
    )


def class_text(t: Translator, class_name: str, body: str, *, checkin: bool) -> str:
    """A class's message: which class it is for (the teacher's chat may hold several, and the
    teacher's own reminders), the message, and what the class's check-in button does."""
    parts = [t("reminder-class-head", class_name=escape(class_name)), body]
    if checkin:
        parts += ["", t("reminder-class-checkin")]
    return "\n".join(parts)


class ClassMessages:
    """Sends the class messages of ReminderService (runner.py), with its sender, clock and
    replica: a handful of messages per event, one per class instead of one per pupil, claimed
    all at once (the sender spaces messages to one group by three seconds: groups take 20 a
    minute). Without a bot there is no ClassMessages: the classes wait, unclaimed."""

    def __init__(
        self,
        *,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        i18n: I18n,
        sender: PacedSender,
        replica: Replica,
        markup: Markup,
        stopping: Callable[[], bool],
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.clock = clock
        self.i18n = i18n
        self.sender = sender
        self.replica = replica
        self.markup = markup
        self.stopping = stopping

    async def deliver_slot(
        self, event: Event, event_id: int, slot: Slot, link: str, stats: Stats
    ) -> None:
        def text(chat: ClassChat) -> str:
            # A class follows the event online (at an offline event, the venue).
            return reminder_text(
                self.i18n(chat.language),
                event,
                slot,
                now=self.clock.now(),
                participation_format="online",
                link=link,
            )

        await self._deliver(
            event_id,
            slot.kind,
            lambda: slot_query(event_id, slot),
            text,
            link=(link or None) if slot.carries_link else None,
            stats=stats,
        )

    async def deliver_link(self, event: Event, event_id: int, link: str, stats: Stats) -> None:
        if attends_offline(event, "online"):
            return  # an offline event: classes come to the venue, no link goes out

        def text(chat: ClassChat) -> str:
            t = self.i18n(chat.language)
            return link_update_text(t, event, link, had_old_link=chat.had_old_link)

        await self._deliver(
            event_id,
            link_kind(link),
            lambda: correction_query(event, event_id, link),
            text,
            link=link,
            stats=stats,
        )

    async def _deliver(
        self,
        event_id: int,
        kind: str,
        query: Callable[[], Select[Any]],
        body: Callable[[ClassChat], str],
        *,
        link: str | None,
        stats: Stats,
    ) -> None:
        """Claim and send until no class is left: a group that turns out to be gone is
        unbound, and its class is claimed again, for its teacher's chat, in the next round."""
        while not self.stopping():
            chats = await self._claim(kind, query())
            if not chats:
                return
            for chat in chats:
                if self.stopping():
                    return  # the rest of the claims are given back by ReminderService.stop()
                markup = self.markup(kind, event_id, chat.language, chat.class_id)
                text = class_text(
                    self.i18n(chat.language), chat.class_name, body(chat), checkin=bool(markup)
                )
                result = await self._send(chat.chat_id, text, markup)
                if result.outcome is not Outcome.ABANDONED:
                    stats.add(result)
                await self._record(chat, kind, result, link)

    async def _send(self, chat_id: int, text: str, markup: Any) -> Result:
        async def call() -> object:
            return await self.bot.send_message(chat_id, text, reply_markup=markup)

        return await self.sender.send(chat_id, call, stopping=self.stopping)

    async def _claim(self, kind: str, query: Select[Any]) -> list[ClassChat]:
        return await claim_classes(self.session_factory, self.clock, self.replica, kind, query)

    async def _record(self, chat: ClassChat, kind: str, result: Result, link: str | None) -> None:
        unbound = await record_class_message(
            self.session_factory, self.clock, self.replica, chat, kind, result, link
        )
        if unbound:
            await tell_teacher_unbound(
                self.session_factory,
                self.i18n,
                chat,
                lambda chat_id, text: self._send(chat_id, text, None),
            )


async def claim_classes(
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    replica: Replica,
    kind: str,
    query: Select[Any],
) -> list[ClassChat]:
    """A `claimed` ledger row of `kind` for each class `query` (from `class_select`) selects,
    for this replica; the chats of those claimed (another replica may have taken some)."""
    await replica.join()
    async with session_factory() as session:
        rows = (
            await session.execute(
                query.order_by(SchoolClass.id).with_for_update(skip_locked=True, of=SchoolClass)
            )
        ).all()
        now = clock.now()
        taken = set(
            await insert_new(
                session,
                GroupDelivery.__table__,  # type: ignore[arg-type]
                [
                    {
                        "class_id": row.id,
                        "kind": kind,
                        "status": DeliveryStatus.CLAIMED,
                        "created_at": now,
                        "claimed_by": replica.id,
                    }
                    for row in rows
                ],
                conflict=["class_id", "kind"],
                returning="class_id",
            )
        )
        await session.commit()
    return [chat_of(row) for row in rows if row.id in taken]


async def record_class_message(
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    replica: Replica,
    chat: ClassChat,
    kind: str,
    result: Result,
    link: str | None,
) -> bool:
    """A claimed class message's outcome in the ledger; whether the class's group was unbound
    (Telegram refused it: its teacher's chat comes next, and the teacher is to be told)."""
    claim = and_(
        GroupDelivery.class_id == chat.class_id,
        GroupDelivery.kind == kind,
        GroupDelivery.claimed_by == replica.id,
    )
    now = clock.now()
    unbound = False
    async with session_factory() as session:
        if result.outcome in (Outcome.UNREACHABLE, Outcome.ABANDONED):
            # Not sent: the class is claimed again (by its other chat, or after a restart).
            await session.execute(delete(GroupDelivery).where(claim))
        if result.outcome is Outcome.UNREACHABLE:
            if chat.to_teacher:
                assert chat.teacher_id is not None
                await UserRepository(session).mark_unreachable(chat.teacher_id, now)
            else:
                unbound = await _unbind(session, chat)
        elif result.outcome is not Outcome.ABANDONED:
            await session.execute(
                update(GroupDelivery).where(claim).values(**outcome_values(result, link, now))
            )
        await session.commit()
    return unbound


def outcome_values(result: Result, link: str | None, now: datetime) -> dict[str, Any]:
    """A ledger row's values once Telegram has answered a message (sent or refused for good):
    the link it carried only if it went."""
    sent = result.outcome is Outcome.SENT
    return {
        "status": DeliveryStatus.SENT if sent else DeliveryStatus.FAILED,
        "link": link if sent else None,
        "error": result.error,
        "created_at": now,
    }


SendText = Callable[[int, str], Awaitable[Result]]


async def tell_teacher_unbound(
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    chat: ClassChat,
    send: SendText,
) -> None:
    """The bot lost the group without hearing of it (removed while it was down, the group
    deleted): the teacher learns why the class's messages come to them from now on."""
    if chat.teacher_id is None:
        return
    async with session_factory() as session:
        teacher = await session.get(User, chat.teacher_id)
    if teacher is None or not teacher.is_reachable:
        return
    t = i18n(teacher.language)
    result = await send(teacher.id, unbound_notice(t, chat.class_name, chat.group_title))
    if result.outcome not in (Outcome.SENT, Outcome.ABANDONED):
        log.warning("could not tell teacher %s of the lost group: %s", teacher.id, result.error)


def unbound_notice(t: Translator, class_name: str, group_title: str) -> str:
    """The teacher's notice that the class's group is no longer bound, and where the class's
    messages go now (handlers/class_groups.py sends it too)."""
    return "\n".join(
        [
            t("group-unbound", class_name=escape(class_name), group=escape(group_title)),
            "",
            t("reminder-class-to-teacher"),
        ]
    )


async def _unbind(session: AsyncSession, chat: ClassChat) -> bool:
    """Telegram refuses the group (the bot was removed, the group deleted): the binding ends,
    unless the class was bound to another group meanwhile."""
    school_class = await session.get(SchoolClass, chat.class_id)
    if school_class is None or school_class.group_chat_id != chat.chat_id:
        return False
    school_class.group_chat_id = None
    school_class.bound_at = None
    return True
