"""The /live boards: one message per organizer's (or venue coordinator's) chat, edited in place
while the event runs.

`LiveBoards.tick` runs every few seconds (the runtime's scheduler, bot/app.py; the tests call it
themselves): it counts each watched event once for all its organizers' boards (and each watched
venue once for its coordinators' boards), and edits a board only when its text changed, never
twice within MIN_EDIT_GAP, and not before the retry_after Telegram asked for. A board stops on
its Stop button, when a new /live opens in the same chat, when check-in closes (or after
LONGEST), when its owner is no longer an organizer (or no longer the venue's coordinator), and
when the bot shuts down; the message then says so. The boards live in this process only: after
a restart the old messages stay as they were (a graceful shutdown tells them first)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import CallbackQuery, Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.events.catalog import Event, EventCatalog
from bot.services.organizers.live import (
    EDIT_SPACING,
    MIN_EDIT_GAP,
    LiveCounts,
    checkin_closes,
    expected_places,
    live_counts,
    live_until,
    venue_counts,
)
from db.models import Organizer
from handlers.admin.live_view import live_body, live_keyboard, live_running, live_stopped, live_text

if TYPE_CHECKING:
    from bot.services.reminders.runner import ReminderService

log = logging.getLogger(__name__)

Count = Callable[[AsyncSession, int, Sequence[str]], Awaitable[LiveCounts]]
VenueCount = Callable[[AsyncSession, int, str], Awaitable[LiveCounts]]

# At shutdown the boards are told "updates stopped" within this, or left as they are.
SHUTDOWN_SECONDS = 5.0


@dataclass(eq=False)
class Board:
    chat_id: int
    message_id: int
    slug: str
    event_id: int
    lang: str
    opened_at: datetime
    body: str  # the text without its last line, as last sent
    shown: str  # the whole text as last sent
    edited_at: datetime
    # Telegram's flood control asked to wait until then (retry_after).
    not_before: datetime | None = None
    closed: bool = False
    # A coordinator's board: the venue it shows (None: an organizer's, the whole event).
    venue: str | None = None
    # Held while the message is edited: a Stop never races an update of the same message.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class LiveBoards:
    def __init__(
        self,
        *,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        i18n: I18n,
        catalog: EventCatalog,
        admin_ids: frozenset[int],
        count: Count = live_counts,
        venue_count: VenueCount = venue_counts,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.clock = clock
        self.i18n = i18n
        self.catalog = catalog
        self.admin_ids = admin_ids
        self.count = count
        self.venue_count = venue_count
        self._boards: dict[int, Board] = {}  # by chat: one board per chat
        self._stopping = False

    @classmethod
    def of(cls, reminders: ReminderService, admin_ids: frozenset[int]) -> LiveBoards:
        """On the reminder service's bot, database, clock, texts and events."""
        if reminders.bot is None:
            raise ValueError("/live needs a Bot: the reminder service has none")
        return cls(
            bot=reminders.bot,
            session_factory=reminders.session_factory,
            clock=reminders.clock,
            i18n=reminders.i18n,
            catalog=reminders.catalog,
            admin_ids=admin_ids,
        )

    @property
    def open_boards(self) -> list[Board]:
        return list(self._boards.values())

    # --- what the handlers do --------------------------------------------------------------

    async def open(
        self, chat_id: int, event: Event, event_id: int, t: Translator, venue: str | None = None
    ) -> None:
        """A new board in the chat, replacing the chat's previous one (which says so). With
        `venue`: a coordinator's board of that venue."""
        old = self._boards.pop(chat_id, None)
        if old is not None:
            await self._close(old, "replaced")
        now = self.clock.now()
        async with self.session_factory() as session:
            counts = await self._count(session, event, event_id, venue)
        body = live_body(t, event, counts, venue)
        text = live_text(t, body, live_running(t, live_until(event, now)))
        message = await self.bot.send_message(chat_id, text, reply_markup=live_keyboard(t, venue))
        if self._stopping:
            return
        self._boards[chat_id] = Board(
            chat_id=chat_id,
            message_id=message.message_id,
            slug=event.slug,
            event_id=event_id,
            lang=t.lang,
            opened_at=now,
            body=body,
            shown=text,
            edited_at=self.clock.now(),
            venue=venue,
        )

    async def stop(self, chat_id: int, message_id: int) -> bool:
        """The Stop button on `message_id`: True when that is the chat's open board."""
        board = self._boards.get(chat_id)
        if board is None or board.message_id != message_id:
            return False
        del self._boards[chat_id]
        await self._close(board, "stop")
        return True

    async def snapshot(
        self, chat_id: int, event: Event, event_id: int, t: Translator, venue: str | None = None
    ) -> None:
        """The final numbers of an event whose check-in has closed: one message, no updates."""
        async with self.session_factory() as session:
            counts = await self._count(session, event, event_id, venue)
        text = live_text(t, live_body(t, event, counts, venue), live_stopped(t, "final"))
        await self.bot.send_message(chat_id, text)

    # --- the regular update ----------------------------------------------------------------

    async def tick(self) -> None:
        if self._stopping or not self._boards:
            return
        now = self.clock.now()
        boards = self.open_boards
        allowed = await self._still_organizers(b.chat_id for b in boards)
        # What is counted once: an event for its organizers, a venue for its coordinators.
        by_scope: dict[tuple[int, str | None], list[Board]] = defaultdict(list)
        for board in boards:
            if board.chat_id in allowed or self._still_coordinator(board):
                by_scope[board.event_id, board.venue].append(board)
            else:
                self._forget(board)
                reason = "no-access" if board.venue is None else "no-venue"
                await self._close(board, reason)
        for (event_id, venue), group in by_scope.items():
            try:
                await self._update_event(event_id, group, now, venue)
            except Exception:  # one event's trouble must not stop the others' boards
                log.exception("live boards of event %s (%s): update failed", event_id, venue)

    async def shutdown(self) -> None:
        """No more updates; every open board says it stopped (briefly: shutdown is waiting)."""
        self._stopping = True
        boards, self._boards = self.open_boards, {}
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SHUTDOWN_SECONDS):
                await asyncio.gather(*(self._close(board, "shutdown") for board in boards))

    # --- inside ----------------------------------------------------------------------------

    async def _count(
        self, session: AsyncSession, event: Event, event_id: int, venue: str | None
    ) -> LiveCounts:
        if venue is None:
            return await self.count(session, event_id, expected_places(event))
        return await self.venue_count(session, event_id, venue)

    async def _update_event(
        self, event_id: int, group: list[Board], now: datetime, venue: str | None = None
    ) -> None:
        event = self.catalog.get(group[0].slug)
        ending = [b for b in group if event is None or now >= live_until(event, b.opened_at)]
        due = [b for b in group if b not in ending and self._due(b, now)]
        if not (ending or due):
            return
        counts = None
        if event is not None:
            # Once for every board of the event, whoever watches it.
            async with self.session_factory() as session:
                counts = await self._count(session, event, event_id, venue)
        bodies: dict[str, str] = {}

        def body_for(board: Board) -> str:
            if event is None or counts is None:
                return board.body
            if board.lang not in bodies:
                bodies[board.lang] = live_body(self.i18n(board.lang), event, counts, venue)
            return bodies[board.lang]

        # Check-in closed: these are the final numbers; else the board was open too long.
        reason = "ended" if event is None or now >= checkin_closes(event) else "expired"
        for board in ending:
            self._forget(board)
            await self._close(board, reason, body_for(board))
        for board in due:
            assert event is not None
            t = self.i18n(board.lang)
            body = body_for(board)
            text = live_text(t, body, live_running(t, live_until(event, board.opened_at)))
            if text != board.shown:
                await self._edit(board, body, text, now)

    def _due(self, board: Board, now: datetime) -> bool:
        if board.not_before is not None and now < board.not_before:
            return False
        return now - board.edited_at >= MIN_EDIT_GAP

    async def _edit(self, board: Board, body: str, text: str, now: datetime) -> None:
        async with board.lock:
            if board.closed:
                return
            try:
                await self.bot.edit_message_text(
                    text=text,
                    chat_id=board.chat_id,
                    message_id=board.message_id,
                    reply_markup=live_keyboard(self.i18n(board.lang), board.venue),
                )
            except TelegramRetryAfter as exc:
                # The session's flood control gave up waiting: the board waits, the rest go on.
                board.not_before = now + timedelta(seconds=exc.retry_after)
                log.info("live board in %s: flood control, %s s", board.chat_id, exc.retry_after)
                return
            except TelegramBadRequest as exc:
                if "not modified" not in exc.message.lower():
                    # The message was deleted, or is too old to edit: nothing left to update.
                    log.info("live board in %s gone: %s", board.chat_id, exc.message)
                    board.closed = True
                    self._forget(board)
                    return
            except TelegramForbiddenError:  # the organizer blocked the bot
                board.closed = True
                self._forget(board)
                return
            except TelegramAPIError as exc:  # Telegram out of reach: the next tick tries again
                log.warning("live board in %s not updated: %s", board.chat_id, exc)
                return
            # When Telegram took it (later than the tick began): the spacing counts from here.
            board.body, board.shown, board.edited_at = body, text, self.clock.now()
            board.not_before = None

    async def _close(self, board: Board, reason: str, body: str | None = None) -> None:
        """The last edit: the numbers, and why they no longer move; the Stop button goes."""
        async with board.lock:
            if board.closed:
                return
            board.closed = True
            wait = board.edited_at + EDIT_SPACING - self.clock.now()
            if wait > timedelta(0):
                await asyncio.sleep(wait.total_seconds())
            t = self.i18n(board.lang)
            text = live_text(t, body or board.body, live_stopped(t, reason))
            try:
                await self.bot.edit_message_text(
                    text=text, chat_id=board.chat_id, message_id=board.message_id
                )
            except TelegramAPIError as exc:
                log.info("live board in %s: the last edit failed: %s", board.chat_id, exc)

    def _forget(self, board: Board) -> None:
        if self._boards.get(board.chat_id) is board:
            del self._boards[board.chat_id]

    def _still_coordinator(self, board: Board) -> bool:
        """A coordinator's board, whose owner still keeps that venue by the events file."""
        event = self.catalog.get(board.slug)
        venue = event.venue_by_id(board.venue) if event is not None else None
        return venue is not None and board.chat_id in venue.coordinators

    async def _still_organizers(self, chat_ids: Iterable[int]) -> set[int]:
        """Of the boards' owners (a private chat's id is its user's), those still organizers:
        someone removed with /team stops seeing names at the next tick."""
        wanted = set(chat_ids)
        allowed = wanted & self.admin_ids
        rest = wanted - allowed
        if rest:
            async with self.session_factory() as session:
                found = await session.scalars(
                    select(Organizer.user_id).where(Organizer.user_id.in_(rest))
                )
                allowed |= set(found)
        return allowed


async def stop_pressed(query: CallbackQuery, t: Translator, live: LiveBoards) -> None:
    """A board's Stop button (organizers' and coordinators' boards alike)."""
    message = query.message
    # Only the board's own message stops it, in the chat of the one who pressed: a Stop
    # forged elsewhere, or left on an older board, stops nothing.
    if isinstance(message, Message) and await live.stop(query.from_user.id, message.message_id):
        await query.answer(t("live-stopped-notice"))
        return
    await query.answer(t("err-stale-button"))
    if isinstance(message, Message) and message.chat.id == query.from_user.id:
        # A board of an earlier run of the bot: its button goes (if Telegram still lets us).
        with contextlib.suppress(TelegramAPIError):
            await message.edit_reply_markup(reply_markup=None)
