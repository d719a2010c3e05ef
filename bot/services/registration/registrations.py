"""Registration rules over the database: who may register, saving, cancelling, erasing, the
personal page's token and "Connect Telegram".

One service for every channel: the bot's form, the web page and the Mini App register through
`register()` with a `Channel` that says where the person came from and whether they have a
Telegram chat. The web page's form goes through `WebRegistrations`, which writes the forms
posted at the same time in one transaction by the same rules (a change to what `register()`
stores for `Channel.web()` belongs in both: they share `_apply` and `holds_address`). Knows
nothing of Telegram or HTTP; raises domain errors that the handlers turn into polite
answers.

With e-mail on (`mail=True` from the caller, who knows whether SMTP is set up), the letters an
action asks for are queued in the action's own transaction (bot/services/mailing/outbox.py):
a web registration is "pending" until its address is confirmed through the e-mailed link (a
chat's registration stays active and gets the confirmation too); the same address registered
again gets its personal link by e-mail instead of a copy; a changed address is confirmed
again; "I lost my link" queues the link for every registration the address holds. Pending
registrations left unconfirmed for PENDING_DAYS are removed (`purge_pending`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import contains_eager, selectinload

from bot.clock import Clock
from bot.services.events.catalog import Event, EventCatalog, EventFormat, EventState, Venue
from bot.services.events.settings import note_file_move
from bot.services.registration.access import (
    BIND_CODE_BYTES,
    BIND_CODE_LIFETIME,
    digest,
    email_key,
    matches,
    new_secret,
)
from bot.services.registration.form import (
    CONSENT_VERSION,
    VENUE,
    VENUE_WAIT,
    Field,
    chosen_venue,
    is_complete,
    venue_applies,
)
from bot.services.registration.mail_links import PAGE, is_signed, registration_id, verify
from bot.services.venues.seats import (
    Promoted,
    VenueFull,
    VenueUnknown,
    holds_seat,
    place,
    place_many,
    release,
    seated,
)
from db.claims import affected
from db.models import (
    Certificate,
    ClassStudent,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SchoolClass,
)
from db.repositories import EventRepository, RegistrationRepository, UserRepository


class RegistrationError(Exception):
    """A rule refused the action; `key` is the Fluent message to show."""

    key = "err-generic"

    def __init__(self, event: Event | None = None) -> None:
        super().__init__(self.key)
        self.event = event


class RegistrationClosed(RegistrationError):
    key = "err-registration-closed"


class EventOver(RegistrationError):
    key = "err-event-over"


class AlreadyRegistered(RegistrationError):
    key = "err-already-registered"


class UnknownEvent(RegistrationError):
    key = "err-unknown-event"


class NotRegistered(RegistrationError):
    key = "err-not-registered"


class FormIncomplete(RegistrationError):
    key = "err-form-incomplete"


class EmailTaken(RegistrationError):
    """The address is registered for the event already: by anyone, for a registration
    without a chat (the address is its identity); by a registration without a chat, for a
    Telegram user (probably the same person on the web page: "Connect Telegram" is the way).
    Never says whose, and the web page never gets that registration's link: anyone can type
    an address."""

    key = "err-email-taken"


class VenueRefused(RegistrationError):
    """The venue chosen has no seat left (taken meanwhile, by someone faster) and the person
    did not ask for its waiting list, or it is no longer one of the event's (`venue` None):
    the venue is asked again."""

    key = "err-venue-full"

    def __init__(self, event: Event | None = None, venue: Venue | None = None) -> None:
        super().__init__(event)
        self.venue = venue


class BindCodeInvalid(RegistrationError):
    """The "Connect Telegram" link is unknown, used already, or older than a day."""

    key = "err-bind-code"


class BindAlreadyRegistered(RegistrationError):
    """This Telegram account has its own active registration for the event."""

    key = "err-bind-already-registered"


class BoundElsewhere(RegistrationError):
    """The registration is connected to another Telegram account."""

    key = "err-bind-other-account"


@dataclass(frozen=True)
class Channel:
    """How a registration comes in: from where, and the person's Telegram id when they have
    one (the bot and the Mini App know it; the web page does not)."""

    source: RegistrationSource
    user_id: int | None = None

    def __post_init__(self) -> None:
        if (self.user_id is None) != (self.source is RegistrationSource.WEB):
            raise ValueError("a Telegram id comes with the bot and the Mini App, and only them")

    @classmethod
    def bot(cls, user_id: int) -> Channel:
        return cls(RegistrationSource.BOT, user_id)

    @classmethod
    def miniapp(cls, user_id: int) -> Channel:
        return cls(RegistrationSource.MINIAPP, user_id)

    @classmethod
    def web(cls) -> Channel:
        return cls(RegistrationSource.WEB)


@dataclass(frozen=True)
class UserRegistration:
    """A registration together with the event config it belongs to. `access_token` is the
    personal page's token, present only right after it was issued (it is never stored)."""

    row: Registration
    event: Event
    access_token: str | None = None
    # Those a seat freed by this action went to (bot/services/venues/seats.py): their notices
    # are queued; the caller has the bot send them now (bot/services/delivery/seat_notices.py).
    promoted: tuple[Promoted, ...] = ()

    @property
    def active(self) -> bool:
        return self.row.status == RegistrationStatus.ACTIVE

    @property
    def pending(self) -> bool:
        """Made on the web with e-mail on, its address not confirmed yet."""
        return self.row.status == RegistrationStatus.PENDING


async def sync_events(session: AsyncSession, catalog: EventCatalog, clock: Clock) -> None:
    """Mirror the events file into the database. Events removed from the file stay in the
    database: registrations refer to them. A start or end changed in the file is a move that
    registrants are told of (bot/services/events/settings.py, note_file_move)."""
    repo = EventRepository(session)
    now = clock.now()
    for event in catalog:
        row = await repo.by_slug(event.slug)
        if row is not None:
            await note_file_move(session, row, event, now)
        await repo.upsert(
            slug=event.slug,
            title_ru=event.title.ru,
            title_zh=event.title.zh,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            config=event.model_dump(mode="json"),
            now=now,
        )
    await session.commit()


class RegistrationService:
    def __init__(self, session: AsyncSession, catalog: EventCatalog, clock: Clock) -> None:
        self.session = session
        self.catalog = catalog
        self.clock = clock
        self.registrations = RegistrationRepository(session)
        self.events = EventRepository(session)
        self.users = UserRepository(session)

    def event(self, slug: str) -> Event:
        event = self.catalog.get(slug)
        if event is None:
            raise UnknownEvent()
        return event

    async def of_user(self, user_id: int) -> list[UserRegistration]:
        """The user's registrations for events still in the events file, in start order."""
        out = []
        for row in await self.registrations.for_user(user_id):
            event = self.catalog.get(row.event.slug)
            if event is not None:
                out.append(UserRegistration(row, event))
        return sorted(out, key=lambda r: r.event.starts_at)

    async def active_of_user(self, user_id: int) -> list[UserRegistration]:
        return [r for r in await self.of_user(user_id) if r.active]

    async def upcoming_of_user(self, user_id: int) -> list[UserRegistration]:
        """Active registrations for events not over yet: what a participant can still change
        and what reminders are about."""
        now = self.clock.now()
        return [
            r
            for r in await self.active_of_user(user_id)
            if r.event.state(now) is not EventState.OVER
        ]

    async def find(self, user_id: int, slug: str) -> UserRegistration | None:
        for reg in await self.of_user(user_id):
            if reg.event.slug == slug:
                return reg
        return None

    async def ensure_can_register(self, user_id: int | None, slug: str) -> Event:
        """The event, if it takes registrations now and this Telegram user (if any) is not
        registered for it yet."""
        event = open_event(self.catalog, self.clock, slug)
        if user_id is not None:
            existing = await self.find(user_id, slug)
            if existing is not None and existing.active:
                raise AlreadyRegistered(event)
        return event

    async def register(
        self,
        slug: str,
        answers: dict[str, Any],
        language: str,
        *,
        channel: Channel,
        mail: bool = False,
    ) -> UserRegistration:
        """Save a completed form, from any channel. A Telegram user's cancelled registration
        for the same event is reactivated with the new answers (one row per chat and event).
        Registrations from a browser (web page, Mini App) come back with the personal page's
        token, shown to the person once.

        With e-mail on (`mail`): a web registration is saved pending, with its confirmation
        queued; a chat's registration is saved active, with the confirmation of its address
        queued; and an address already registered for the event, from the web, has its
        personal link queued to that address before EmailTaken is raised (the page then says
        the same as for a new address).

        Everything that needs no lock is done first (the event's row, the person's earlier
        row, the answers, the token's hash); between taking the event's lock and the commit
        there are only the address check and the write. (The web page's registrations go
        through `WebRegistrations`, which writes many in one transaction.)"""
        event = await self.ensure_can_register(channel.user_id, slug)
        check_complete(event, answers)
        row_event = await self.events.by_slug(slug)
        if row_event is None:  # the file and the database are synced at start-up
            raise UnknownEvent(event)
        now = self.clock.now()
        user_missing, row = False, None
        if channel.user_id is not None:
            # Someone who opened the Mini App may never have written to the bot.
            user_missing = await self.users.get(channel.user_id) is None
            row = await self.registrations.get(channel.user_id, row_event.id)
        key = email_key(answers[Field.EMAIL])
        token = None if channel.source is RegistrationSource.BOT else new_secret()
        pending = mail and channel.source is RegistrationSource.WEB
        await self._lock_event(row_event.id)
        holder = await self._address_holder(row_event.id, key, has_chat=channel.user_id is not None)
        if holder is not None:
            if mail and channel.user_id is None:
                await _ask_again(self.session, holder, row_event.id, now)
                await self.session.commit()
            else:
                await self.session.rollback()  # and the lock with it
            raise EmailTaken(event)
        if user_missing:
            assert channel.user_id is not None
            await self.users.create(channel.user_id, language, now)
        new = row is None
        if row is None:
            row = Registration(user_id=channel.user_id, event_id=row_event.id, created_at=now)
            self.registrations.add(row)
        _apply(row, event, answers, language, channel, now, token, pending=pending)
        row.event = row_event  # loaded already: the row comes back whole, without a query
        try:
            # Under the event's lock, which is also the seats' (bot/services/venues/seats.py).
            promoted = await _place(self.session, event, row, answers, was_holding=False, now=now)
            if mail:
                await self.session.flush()  # the row's id, for its letter
                await _ask_confirmation(self.session, row, now, first=new)
            await self.session.commit()
        except IntegrityError:
            # Two submissions racing each other (two Confirm presses, the same address typed
            # on two phones): the other one won.
            await self.session.rollback()
            if channel.user_id is None:  # the unique address index: the only one it can hit
                raise EmailTaken(event) from None
            raise AlreadyRegistered(event) from None
        except VenueRefused:
            await self.session.rollback()
            raise
        return UserRegistration(row, event, access_token=token, promoted=tuple(promoted))

    async def _lock_event(self, event_id: int) -> None:
        """The event's lock first (`lock_event`), for the address check."""
        await lock_event(self.session, event_id)

    async def _email_taken(
        self, event_id: int, key: str | None, *, has_chat: bool, except_id: int | None = None
    ) -> bool:
        holder = await self._address_holder(event_id, key, has_chat=has_chat, except_id=except_id)
        return holder is not None

    async def _address_holder(
        self, event_id: int, key: str | None, *, has_chat: bool, except_id: int | None = None
    ) -> int | None:
        """The registration that holds the address for a registration with or without a
        Telegram chat (see EmailTaken), if any. Called under `_lock_event`; the unique index
        holds the part about registrations without a chat on its own."""
        if key is None:
            return None
        query = select(Registration.id).where(
            Registration.event_id == event_id, holds_address(), Registration.email_key == key
        )
        if has_chat:
            query = query.where(Registration.user_id.is_(None))
        if except_id is not None:
            query = query.where(Registration.id != except_id)
        return await self.session.scalar(query.limit(1))

    async def update(
        self, user_id: int, slug: str, answers: dict[str, Any], *, mail: bool = False
    ) -> UserRegistration:
        """Save edited answers of the Telegram user's active registration."""
        reg = await self.find(user_id, slug)
        if reg is None:
            raise NotRegistered(self.catalog.get(slug))
        return await self.update_registration(reg, answers, mail=mail)

    async def update_registration(
        self, reg: UserRegistration, answers: dict[str, Any], *, mail: bool = False
    ) -> UserRegistration:
        """Save edited answers of an active registration (from the chat or the personal page).
        A changed address is no longer confirmed (nor known to bounce); with e-mail on, its
        confirmation is queued."""
        if not reg.active:
            raise NotRegistered(reg.event)
        now = self.clock.now()
        if reg.event.state(now) is EventState.OVER:
            raise EventOver(reg.event)
        row = reg.row
        answers = _keep_venue(reg.event, answers, row)
        if not is_complete(answers, reg.event.format is EventFormat.HYBRID) or venue_missing(
            reg.event, answers
        ):
            raise FormIncomplete(reg.event)
        key = email_key(answers[Field.EMAIL])
        changed = key != row.email_key
        moving = venue_of(reg.event, answers) != row.venue_id
        if changed or moving:
            # The lock first, before the row is written: seats and addresses are checked
            # under it, and a promotion may write other rows.
            await self._lock_event(row.event_id)
            await _refresh_place(self.session, row)
        if changed:
            has_chat = row.user_id is not None
            if await self._email_taken(row.event_id, key, has_chat=has_chat, except_id=row.id):
                await self.session.rollback()
                raise EmailTaken(reg.event)
            row.email_key = key
            _forget_confirmation(row)
        _fill(row, answers, reg.event)
        row.updated_at = now
        try:
            promoted = await _place(
                self.session, reg.event, row, answers, was_holding=True, now=now
            )
            if mail and changed:
                await _ask_confirmation(self.session, row, now, first=False)
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            raise EmailTaken(reg.event) from None
        except VenueRefused:
            await self.session.rollback()
            raise
        return replace(reg, promoted=tuple(promoted))

    async def cancel(self, user_id: int, slug: str) -> UserRegistration:
        reg = await self.find(user_id, slug)
        if reg is None:
            raise NotRegistered(self.catalog.get(slug))
        return await self.cancel_registration(reg)

    async def cancel_registration(self, reg: UserRegistration) -> UserRegistration:
        """Cancel; a seat it held at a venue goes to the first in line (`promoted`)."""
        if not reg.active:
            raise NotRegistered(reg.event)
        now = self.clock.now()
        row = reg.row
        freed = await self._leave_seat(reg)
        row.status = RegistrationStatus.CANCELLED
        row.cancelled_at = now
        row.updated_at = now
        promoted = await release(self.session, reg.event, row.event_id, freed, now)
        await self.session.commit()
        return replace(reg, promoted=tuple(promoted))

    async def _leave_seat(self, reg: UserRegistration) -> list[str | None]:
        """Before a registration gives up its place (cancel, erase): the event's lock, when it
        may hold a seat, and the venue whose seat it frees, as the database says under the
        lock (a promotion may have given it one since the row was read)."""
        row = reg.row
        if not reg.event.venues or row.venue_id is None:
            return []
        await self._lock_event(row.event_id)
        await _refresh_place(self.session, row)
        return [row.venue_id] if holds_seat(row) else []

    async def restore_registration(self, reg: UserRegistration) -> UserRegistration:
        """Make a cancelled registration active again with its answers and consent (the
        personal page's "restore"): only while the event takes registrations, and only if its
        address has not been registered for the event meanwhile (as `register` would check)."""
        if reg.active or reg.row.erased_at is not None:
            raise NotRegistered(reg.event)
        row = reg.row
        await self.ensure_can_register(None, reg.event.slug)
        await self._lock_event(row.event_id)
        taken = await self._email_taken(
            row.event_id, row.email_key, has_chat=row.user_id is not None, except_id=row.id
        )
        if taken:
            await self.session.rollback()
            raise EmailTaken(reg.event)
        row.status = RegistrationStatus.ACTIVE
        row.cancelled_at = None
        now = self.clock.now()
        row.updated_at = now
        try:
            # Its venue again: a seat if one is free, else the waiting list (nobody is asked).
            venue = row.venue_id if reg.event.venue_by_id(row.venue_id) else None
            promoted = await place(
                self.session,
                reg.event,
                row,
                venue,
                accept_waiting=True,
                was_holding=False,
                now=now,
            )
            await self.session.commit()
        except IntegrityError:  # the same address registered at this very moment
            await self.session.rollback()
            raise EmailTaken(reg.event) from None
        return replace(reg, promoted=tuple(promoted))

    async def erase_registration(self, reg: UserRegistration) -> list[Promoted]:
        """Erase one registration (the personal page's "erase my data"): it stays as an
        anonymous count, its link and bind code stop working; a seat it held goes to the first
        in line (returned). /delete_me erases a Telegram user with all their registrations
        (`erase_user`)."""
        now = self.clock.now()
        freed = await self._leave_seat(reg)
        await self.registrations.erase(reg.row.id, now)
        promoted = await release(self.session, reg.event, reg.row.event_id, freed, now)
        await self.session.commit()
        return promoted

    # --- e-mail ------------------------------------------------------------------------------

    async def confirm_email(self, reg: UserRegistration, *, mail: bool) -> bool:
        """The address confirmed through the e-mailed link (the page's Confirm button): a
        pending registration becomes active, and with e-mail on "you are registered" is queued
        (once per registration). False when there was nothing to confirm: confirmed already,
        cancelled, erased."""
        row, now = reg.row, self.clock.now()
        if row.erased_at is not None or row.email_key is None:
            return False
        if row.status not in (RegistrationStatus.ACTIVE, RegistrationStatus.PENDING):
            return False
        if row.status == RegistrationStatus.ACTIVE and row.email_confirmed_at is not None:
            return False
        row.status = RegistrationStatus.ACTIVE
        if row.email_confirmed_at is None:
            row.email_confirmed_at = now
            # The link came through this mailbox: it takes mail, whatever bounced before.
            row.email_bounced_at = row.email_error = None
        row.updated_at = now
        if mail:
            from bot.services.mailing.outbox import REGISTERED, queue

            await queue(
                self.session,
                registration_id=row.id,
                event_id=row.event_id,
                kind=REGISTERED,
                now=now,
            )
        await self.session.commit()
        return True

    async def send_lost_links(self, address: str) -> int:
        """The personal link for "I lost my link" with e-mail on, queued for every
        registration (active or pending, any event) that holds the address, at most one
        letter per registration in ten minutes however often it is asked. How many
        registrations (the page never says)."""
        from bot.services.mailing.outbox import LOST, asked_kind, queue_many

        key = email_key(address)
        if key is None:
            return 0
        now = self.clock.now()
        found = await self.session.execute(
            select(Registration.id, Registration.event_id).where(
                Registration.email_key == key, holds_address()
            )
        )
        kind = asked_kind(LOST, now)
        letters = [(reg_id, event_id, kind) for reg_id, event_id in found]
        if letters:
            await queue_many(self.session, letters, now=now)
        await self.session.commit()
        return len(letters)

    # --- the personal page's token --------------------------------------------------------

    async def issue_access_token(self, registration: Registration) -> str:
        """A new personal-page token for the registration, returned once; an earlier token
        stops working (so this is also "reissue")."""
        if registration.erased_at is not None:
            raise NotRegistered()
        token = _new_access_token(registration)
        registration.updated_at = self.clock.now()
        await self.session.commit()
        return token

    async def revoke_access_token(self, registration: Registration) -> None:
        registration.access_token_hash = None
        registration.updated_at = self.clock.now()
        await self.session.commit()

    async def registration_by_token(
        self, token: str, secret: bytes | None = None
    ) -> UserRegistration | None:
        """The registration whose personal page `token` opens, or None (unknown, revoked,
        erased, or its event gone from the events file). One query. With the web `secret`, an
        e-mailed link's token (`<id>.<signature>`, mail_links.py) opens it too."""
        params = token_params(token, signed_ok=secret is not None)
        if params is None:
            return None
        row = await self.session.scalar(BY_ID if is_signed(token) else BY_TOKEN, params)
        return None if row is None else self.opened_by(token, row, secret)

    def opened_by(
        self, token: str, row: Registration, secret: bytes | None = None
    ) -> UserRegistration | None:
        """The registration that `BY_TOKEN` (or `BY_ID`) found for the token, if the token
        opens it: not erased, the same token or an e-mailed link signed for its current token
        (compared in constant time), its event still in the events file."""
        if row.erased_at is not None:
            return None
        if is_signed(token):
            if secret is None or not verify(secret, PAGE, token, row.access_token_hash):
                return None
        elif not matches(token, row.access_token_hash):
            return None
        event = self.catalog.get(row.event.slug)
        return UserRegistration(row, event) if event is not None else None

    # --- "Connect Telegram" ------------------------------------------------------------

    async def issue_bind_code(self, registration: Registration) -> str:
        """A one-time code for t.me/<bot>?start=bind-<code>, valid for a day; an earlier code
        stops working."""
        if registration.erased_at is not None:
            raise NotRegistered()
        code = new_secret(BIND_CODE_BYTES)
        now = self.clock.now()
        registration.bind_code_hash = digest(code)
        registration.bind_code_expires_at = now + BIND_CODE_LIFETIME
        registration.updated_at = now
        await self.session.commit()
        return code

    async def bind_telegram(self, code: str, user_id: int) -> UserRegistration:
        """Connect the registration of the bind code to this Telegram user: from now on the
        bot reminds them and /me shows it. A cancelled registration of the same chat for the
        same event is superseded (erased): one row per chat and event."""
        row = None
        if code and len(code) <= 64:
            row = await self.session.scalar(
                select(Registration)
                .where(Registration.bind_code_hash == digest(code))
                .options(selectinload(Registration.event))
            )
        if row is None or row.erased_at is not None or not matches(code, row.bind_code_hash):
            raise BindCodeInvalid()
        event = self.catalog.get(row.event.slug)
        now = self.clock.now()
        expires = row.bind_code_expires_at
        if event is None or expires is None or expires <= now:
            _forget_bind_code(row)
            await self.session.commit()
            raise BindCodeInvalid(event)
        if row.user_id == user_id:  # the same link opened twice: nothing to do
            _forget_bind_code(row)
            await self.session.commit()
            return UserRegistration(row, event)
        if row.user_id is not None:
            raise BoundElsewhere(event)
        own = await self.registrations.get(user_id, row.event_id)
        if own is not None and own.status == RegistrationStatus.ACTIVE:
            # The code stays valid: they may cancel the chat's registration and try again.
            raise BindAlreadyRegistered(event)
        if own is not None:
            await self.registrations.erase(own.id, now)
        row.user_id = user_id
        row.updated_at = now
        _forget_bind_code(row)
        # A certificate issued while there was no chat goes out in Telegram now.
        await self.session.execute(
            update(Certificate)
            .where(Certificate.registration_id == row.id, Certificate.recipient_id.is_(None))
            .values(recipient_id=user_id)
        )
        try:
            await self.session.commit()
        except IntegrityError:
            # The same chat registered in the bot at this very moment.
            await self.session.rollback()
            raise BindAlreadyRegistered(event) from None
        return UserRegistration(row, event)

    async def _erase_classes(self, user_id: int, now: datetime) -> None:
        """A teacher's classes are cancelled and emptied: their details and the pupils' names
        were given by this person. A pupil's own join requests go too."""
        classes = (
            await self.session.execute(select(SchoolClass).where(SchoolClass.teacher_id == user_id))
        ).scalars()
        for school_class in classes:
            school_class.status = RegistrationStatus.CANCELLED
            school_class.cancelled_at = school_class.cancelled_at or now
            for name in ("teacher_name", "country", "city", "school", "email", "phone"):
                setattr(school_class, name, None)
            school_class.group_chat_id = None
            school_class.updated_at = now
            await self.session.execute(
                delete(ClassStudent).where(ClassStudent.class_id == school_class.id)
            )
        await self.session.execute(delete(ClassStudent).where(ClassStudent.user_id == user_id))

    async def erase_user(self, user_id: int) -> list[Promoted]:
        """Erase the person: their registrations become anonymous counts, the user row goes;
        the seats they held go to the first in line (returned)."""
        now = self.clock.now()
        freed: dict[int, tuple[Event, list[str | None]]] = {}
        mine = sorted(await self.of_user(user_id), key=lambda r: r.row.event_id)
        for reg in mine:  # the events' locks in id order: no deadlock with another replica
            venues = await self._leave_seat(reg)
            if venues:
                freed[reg.row.event_id] = (reg.event, venues)
        await self.registrations.erase_user(user_id, now)
        await self._erase_classes(user_id, now)
        await self.users.delete(user_id)
        promoted = []
        for event_id, (event, venues) in freed.items():
            promoted += await release(self.session, event, event_id, venues, now)
        await self.session.commit()
        return promoted


@dataclass
class _Waiting:
    """A web registration waiting for the writer: its row, ready to insert, and the future
    its request awaits."""

    event: Event
    row: Registration
    token: str
    done: asyncio.Future[UserRegistration]
    # The venue chosen (None: none), and whether its waiting list is accepted.
    venue: str | None = None
    accept_waiting: bool = False

    def refuse(self, error: BaseException) -> None:
        if not self.done.done():  # a request that went away has cancelled its future
            self.done.set_exception(error)


class WebRegistrations:
    """The web page's registrations, written many to a transaction ("group commit").

    Each registration of an event takes the event's lock (`RegistrationService._lock_event`)
    before it checks the address, and commits. One at a time, the lock is held across several
    round trips to the database (on SQLite, hops to its thread and back through a busy event
    loop), and the other writers wait in SQLite's busy handler, which sleeps up to 100 ms
    between tries: about a hundred registrations a second, and seconds of waiting at the tail
    (bench/web.py). Here each request checks its form and makes its row and token as before,
    with no lock and no query (but the event's id, once); the rows then wait for one writer
    task, which takes everything waiting, locks the events once, checks every address in one
    query and inserts the rest in one transaction. The rule is the one `register()` keeps: an
    address with an active registration for the event is refused (EmailTaken), and of two
    forms in one batch with the same address the later one is, as if they came one after
    another. While a batch is written, the next one gathers.

    A batch that the database refuses anyway (a unique index: the same address registered at
    this very moment elsewhere, by a replica or the Mini App) is written again one row at a
    time, so that each request gets its own answer; any other failure goes to every request of
    the batch. PostgreSQL: the event rows are locked in id order (no deadlock between replicas),
    and the address query after the locks sees every registration committed before them
    (READ COMMITTED takes a snapshot per statement)."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        catalog: EventCatalog,
        clock: Clock,
        *,
        batch_limit: int = 200,
        mail: bool = False,
    ) -> None:
        """`mail`: e-mail is on (see `RegistrationService.register`): the rows are written
        pending with their confirmation queued, and a form with an address taken queues that
        registration's personal link to the address before it is refused."""
        self.session_factory = session_factory
        self.catalog = catalog
        self.clock = clock
        self.batch_limit = batch_limit
        self.mail = mail
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        # slug -> the event's row id: rows are never deleted, so an id found stays right.
        self._event_ids: dict[str, int] = {}

    async def register(self, slug: str, answers: dict[str, Any], language: str) -> UserRegistration:
        """`RegistrationService.register(slug, answers, language, channel=Channel.web())`,
        with the same errors; the row comes back without its `event` relationship loaded."""
        event = open_event(self.catalog, self.clock, slug)
        check_complete(event, answers)
        event_id = self._event_ids.get(slug)
        if event_id is None:
            event_id = await self._event_id(event)
        now = self.clock.now()
        row = Registration(user_id=None, event_id=event_id, created_at=now)
        token = new_secret()
        _apply(row, event, answers, language, Channel.web(), now, token, pending=self.mail)
        done: asyncio.Future[UserRegistration] = asyncio.get_running_loop().create_future()
        venue = venue_of(event, answers)
        accept = bool(answers.get(VENUE_WAIT))
        self._waiting.append(_Waiting(event, row, token, done, venue, accept))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_waiting())
        return await done

    async def close(self) -> None:
        """Wait until what is waiting has been written (at shutdown)."""
        if self._writer is not None:
            await asyncio.shield(self._writer)

    async def _event_id(self, event: Event) -> int:
        async with self.session_factory() as session:
            event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == event.slug))
        if event_id is None:  # the file and the database are synced at start-up
            raise UnknownEvent(event)
        self._event_ids[event.slug] = event_id
        return event_id

    async def _write_waiting(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self.batch_limit]
                del self._waiting[: self.batch_limit]
                await self._write([w for w in batch if not w.done.done()])
        except BaseException as error:  # cancelled: nobody is left waiting for ever
            for waiting in self._waiting:
                waiting.refuse(error)
            self._waiting.clear()
            raise
        finally:
            self._writer = None

    async def _write(self, batch: list[_Waiting]) -> None:
        if not batch:
            return
        try:
            written, refused, no_seat = await self._transaction(batch)
        except IntegrityError:
            if len(batch) == 1:  # the unique address index: the only one it can hit
                batch[0].refuse(EmailTaken(batch[0].event))
                return
            for waiting in batch:
                # A fresh row: the failed flush may have given this one an id.
                waiting.row = _copy(waiting.row)
                await self._write([waiting])
            return
        except Exception as error:  # the database is gone, say: every request answers 500
            for waiting in batch:
                waiting.refuse(error)
            return
        except BaseException as error:  # cancelled at shutdown
            for waiting in batch:
                waiting.refuse(error)
            raise
        for waiting in refused:
            waiting.refuse(EmailTaken(waiting.event))
        for waiting in no_seat:
            waiting.refuse(VenueRefused(waiting.event, waiting.event.venue_by_id(waiting.venue)))
        for waiting in written:
            if not waiting.done.done():
                waiting.done.set_result(
                    UserRegistration(waiting.row, waiting.event, access_token=waiting.token)
                )

    async def _transaction(
        self, batch: list[_Waiting]
    ) -> tuple[list[_Waiting], list[_Waiting], list[_Waiting]]:
        """Write the batch in one transaction: those written, those refused because the
        address is taken, and those refused because their venue is full (and they did not
        ask for its waiting list)."""
        now = self.clock.now()
        keys: dict[int, set[str]] = {}
        for waiting in batch:
            if waiting.row.email_key is not None:
                keys.setdefault(waiting.row.event_id, set()).add(waiting.row.email_key)
        async with self.session_factory() as session:
            for event_id in sorted({w.row.event_id for w in batch}):
                await lock_event(session, event_id)
            # (event, address) -> the registration holding it (None: one of this batch).
            taken: dict[tuple[int, str | None], int | None] = {}
            if keys:
                found = await session.execute(
                    select(Registration.event_id, Registration.email_key, Registration.id).where(
                        holds_address(),
                        or_(
                            *(
                                (Registration.event_id == event_id)
                                & Registration.email_key.in_(sorted(addresses))
                                for event_id, addresses in keys.items()
                            )
                        ),
                    )
                )
                taken.update(((event_id, key), holder) for event_id, key, holder in found)
            written, refused = [], []
            again: set[tuple[int, int]] = set()  # (registration, event) to send the link to
            for waiting in batch:
                key = (waiting.row.event_id, waiting.row.email_key)
                if waiting.row.email_key is not None and key in taken:
                    refused.append(waiting)
                    holder = taken[key]
                    # One of this batch (a double click): its confirmation is on its way.
                    if holder is not None:
                        again.add((holder, waiting.row.event_id))
                    continue
                taken[key] = None
                written.append(waiting)
            no_seat = await self._seat(session, written, now)
            written = [w for w in written if all(w is not n for n in no_seat)]
            if written:
                session.add_all([w.row for w in written])
            if self.mail and (written or again):
                await session.flush()  # the new rows' ids, for their letters
                await _queue_web_letters(session, [w.row for w in written], again, now)
            if written or (self.mail and again):
                await session.commit()
            return written, refused, no_seat

    @staticmethod
    async def _seat(session: AsyncSession, batch: list[_Waiting], now: datetime) -> list[_Waiting]:
        """Seats for those of the batch who chose a venue, under the events' locks taken
        already, one count per event; those refused (a full venue, no waiting list)."""
        chose = [w for w in batch if w.venue is not None]
        no_seat: list[_Waiting] = []
        for event_id in sorted({w.row.event_id for w in chose}):
            group = [w for w in chose if w.row.event_id == event_id]
            full = await place_many(
                session,
                group[0].event,
                event_id,
                [(w.row, w.venue, w.accept_waiting) for w in group],
                now,
            )
            no_seat += [w for w in group if any(w.row is row for row in full)]
        return no_seat


def _copy(row: Registration) -> Registration:
    """A new row with the values of one that was never written."""
    return Registration(
        **{
            column.key: getattr(row, column.key)
            for column in inspect(Registration).column_attrs
            if column.key != "id"
        }
    )


def holds_address() -> ColumnElement[bool]:
    """A registration whose address no other may take for its event (see EmailTaken): the
    one condition of `RegistrationService._email_taken` and `WebRegistrations`, and the
    unique index's (migration 0011). A pending one holds it too: the second form finds the
    first, and its owner gets the link instead of a copy."""
    return Registration.status.in_([RegistrationStatus.ACTIVE, RegistrationStatus.PENDING])


def open_event(catalog: EventCatalog, clock: Clock, slug: str) -> Event:
    """The event, if it takes registrations now."""
    event = catalog.get(slug)
    if event is None:
        raise UnknownEvent()
    state = event.state(clock.now())
    if state is EventState.OVER:
        raise EventOver(event)
    if state is EventState.CLOSED:
        raise RegistrationClosed(event)
    return event


async def lock_event(session: AsyncSession, event_id: int) -> None:
    """A write to the event's row: it locks the row (PostgreSQL) or takes the write lock
    (SQLite) until the transaction ends, so registrations of one event check the address one
    after another and two people cannot both find it free."""
    await session.execute(update(EventRow).where(EventRow.id == event_id).values(id=EventRow.id))


# The registration a personal page's token names, with its event's row (one query, where
# `selectinload` took two). Built once: making the statement costs more than running it. A
# page may add columns and joins to it. BY_ID: the same for an e-mailed link's token, which
# names the registration by its id (mail_links.py).
WITH_EVENT = (
    select(Registration).join(Registration.event).options(contains_eager(Registration.event))
)
BY_TOKEN = WITH_EVENT.where(Registration.access_token_hash == bindparam("token_hash"))
BY_ID = WITH_EVENT.where(Registration.id == bindparam("registration_id"))


def token_params(token: str, *, signed_ok: bool = False) -> dict[str, Any] | None:
    """The parameters of `BY_TOKEN` for a token, or of `BY_ID` for an e-mailed link's token
    (`signed_ok`: the caller has the secret to check it); None for what cannot be a token.
    `RegistrationService.opened_by` checks what the query finds."""
    if not token or len(token) > 128:
        return None
    if is_signed(token):
        return {"registration_id": registration_id(token)} if signed_ok else None
    return {"token_hash": digest(token)}


async def purge_pending(
    session: AsyncSession, now: datetime, days: int, catalog: EventCatalog | None = None
) -> int:
    """Remove, in the caller's transaction, the registrations left pending (the address never
    confirmed) for `days`, with their ledger rows; how many. The person received nothing but
    the confirmation, whose letter said so. With the `catalog`, the seats they held at venues
    go to the first in line."""
    stale = select(Registration.id).where(
        Registration.status == RegistrationStatus.PENDING,
        Registration.created_at < now - timedelta(days=days),
    )
    freed: list[tuple[int, str, str]] = []
    if catalog is not None:
        found = await session.execute(
            select(EventRow.id, EventRow.slug, Registration.venue_id)
            .join(Registration.event)
            .where(Registration.id.in_(stale), seated())
            .distinct()
        )
        freed = sorted((event_id, slug, venue or "") for event_id, slug, venue in found)
        for event_id in sorted({event_id for event_id, _, _ in freed}):
            await lock_event(session, event_id)
    await session.execute(delete(Delivery).where(Delivery.registration_id.in_(stale)))
    removed = await session.execute(
        delete(Registration)
        .where(Registration.id.in_(stale))
        .execution_options(synchronize_session=False)
    )
    for event_id, slug, venue in freed:
        event = catalog.get(slug) if catalog is not None else None
        if event is not None:
            await release(session, event, event_id, [venue], now)
    return affected(removed)


def check_complete(event: Event, answers: dict[str, Any]) -> None:
    if not is_complete(answers, event.format is EventFormat.HYBRID) or "consent_at" not in answers:
        raise FormIncomplete(event)
    if venue_missing(event, answers):
        raise FormIncomplete(event)


# --- venues (bot/services/venues/seats.py) ---------------------------------------------------


def venue_of(event: Event, answers: dict[str, Any]) -> str | None:
    """The venue the answers choose for the event (None: online, or no venues)."""
    return chosen_venue(
        answers, has_venues=bool(event.venues), hybrid=event.format is EventFormat.HYBRID
    )


def venue_missing(event: Event, answers: dict[str, Any]) -> bool:
    """The person comes in person to an event with venues and has not chosen one."""
    applies = venue_applies(
        answers, has_venues=bool(event.venues), hybrid=event.format is EventFormat.HYBRID
    )
    return applies and venue_of(event, answers) is None


def _keep_venue(event: Event, answers: dict[str, Any], row: Registration) -> dict[str, Any]:
    """Answers from a form that does not ask the venue (the personal page's, an organizer's
    edit) keep the registration's venue and its place."""
    if VENUE in answers or row.venue_id is None:
        return answers
    return {**answers, VENUE: row.venue_id, VENUE_WAIT: True}


async def _refresh_place(session: AsyncSession, row: Registration) -> None:
    """The row's seat as the database holds it now (under the event's lock)."""
    if inspect(row).persistent:
        await session.refresh(row, ["status", "venue_id", "venue_waiting_since"])


async def _place(
    session: AsyncSession,
    event: Event,
    row: Registration,
    answers: dict[str, Any],
    *,
    was_holding: bool,
    now: datetime,
) -> list[Promoted]:
    """`seats.place` for the venue the answers choose, its refusals as VenueRefused."""
    try:
        return await place(
            session,
            event,
            row,
            venue_of(event, answers),
            accept_waiting=bool(answers.get(VENUE_WAIT)),
            was_holding=was_holding,
            now=now,
        )
    except VenueFull as full:
        raise VenueRefused(event, full.venue) from None
    except VenueUnknown:
        raise VenueRefused(event) from None


def _apply(
    row: Registration,
    event: Event,
    answers: dict[str, Any],
    language: str,
    channel: Channel,
    now: datetime,
    token: str | None,
    *,
    pending: bool = False,
) -> None:
    """A completed form from `channel` into the row (new, or a chat's earlier one); `pending`:
    until its address is confirmed (a web registration with e-mail on)."""
    row.source = channel.source
    row.status = RegistrationStatus.PENDING if pending else RegistrationStatus.ACTIVE
    row.cancelled_at = None
    row.language = language
    row.consent_at = _parse_time(answers["consent_at"])
    row.consent_version = str(answers.get("consent_version", CONSENT_VERSION))
    _fill(row, answers, event)
    key = email_key(answers[Field.EMAIL])
    if key != row.email_key:
        _forget_confirmation(row)
    row.email_key = key
    row.updated_at = now
    if token is not None:
        row.access_token_hash = digest(token)


def _new_access_token(row: Registration) -> str:
    token = new_secret()
    row.access_token_hash = digest(token)
    return token


def _forget_confirmation(row: Registration) -> None:
    """Another address: not confirmed, and not known to bounce."""
    row.email_confirmed_at = None
    row.email_bounced_at = None
    row.email_error = None


# --- the letters an action asks for (bot/services/mailing/outbox.py, imported only with
# e-mail on: it brings the SMTP client) ---------------------------------------------------


async def _ask_confirmation(
    session: AsyncSession, row: Registration, now: datetime, *, first: bool
) -> None:
    """Queue the confirmation of the row's address (flushed: it has its id), in the caller's
    transaction, unless the address is confirmed or a confirmation still waits to be sent
    (it is written at sending time, to the address then: the new one). The ledger keeps one
    row per kind: the first is `confirm`, later ones (an address changed) `confirm-<n>`.
    `first`: a new row, with no letter yet."""
    from bot.services.mailing.outbox import CONFIRM, CONFIRM_AGAIN, queue

    if row.email_key is None or row.email_confirmed_at is not None:
        return
    earlier: Sequence[str] = []
    if not first:
        found = await session.execute(
            select(Delivery.status).where(
                Delivery.registration_id == row.id,
                Delivery.channel == DeliveryChannel.EMAIL,
                or_(Delivery.kind == CONFIRM, Delivery.kind.startswith(CONFIRM_AGAIN)),
            )
        )
        earlier = [status for (status,) in found]
    if any(s in (DeliveryStatus.QUEUED, DeliveryStatus.CLAIMED) for s in earlier):
        return
    kind = f"{CONFIRM_AGAIN}{len(earlier) + 1}" if earlier else CONFIRM
    await queue(session, registration_id=row.id, event_id=row.event_id, kind=kind, now=now)


async def _ask_again(session: AsyncSession, holder: int, event_id: int, now: datetime) -> None:
    """The address was registered again: its registration's personal link (or, unconfirmed,
    its confirmation) goes to it, at most once in ten minutes."""
    from bot.services.mailing.outbox import AGAIN, asked_kind, queue

    await queue(
        session, registration_id=holder, event_id=event_id, kind=asked_kind(AGAIN, now), now=now
    )


async def _queue_web_letters(
    session: AsyncSession,
    written: Sequence[Registration],
    again: set[tuple[int, int]],
    now: datetime,
) -> None:
    """A web batch's letters in one statement: each new row's confirmation, and the link to
    each address registered again."""
    from bot.services.mailing.outbox import AGAIN, CONFIRM, asked_kind, queue_many

    kind = asked_kind(AGAIN, now)
    letters = [(row.id, row.event_id, CONFIRM) for row in written if row.email_key is not None]
    letters += [(holder, event_id, kind) for holder, event_id in sorted(again)]
    await queue_many(session, letters, now=now)


def _forget_bind_code(row: Registration) -> None:
    row.bind_code_hash = None
    row.bind_code_expires_at = None


def answers_of(row: Registration) -> dict[str, Any]:
    """The form answers of a saved registration, for editing it with the same form."""
    answers: dict[str, Any] = {
        Field.FULL_NAME: row.full_name,
        Field.COUNTRY: row.country,
        Field.CITY: row.city,
        Field.ORGANIZATION: row.organization,
        Field.ROLE: row.role,
        Field.FORMAT: row.participation_format,
        Field.WANTS_TO_SPEAK: row.wants_to_speak,
        Field.EMAIL: row.email,
    }
    if row.wants_to_speak and row.talk_topic:
        answers[Field.TALK_TOPIC] = row.talk_topic
    answers[Field.PHONE] = row.phone or ""
    out: dict[str, Any] = {str(k): v for k, v in answers.items()}
    if row.venue_id is not None:
        out[VENUE] = row.venue_id
        out[VENUE_WAIT] = row.venue_waiting_since is not None
    return out


def _fill(row: Registration, answers: dict[str, Any], event: Event) -> None:
    row.full_name = answers[Field.FULL_NAME]
    row.country = answers[Field.COUNTRY]
    row.city = answers[Field.CITY]
    row.organization = answers[Field.ORGANIZATION]
    row.role = answers[Field.ROLE]
    if event.format is EventFormat.HYBRID:
        row.participation_format = answers[Field.FORMAT]
    else:
        row.participation_format = event.format.value
    row.wants_to_speak = bool(answers[Field.WANTS_TO_SPEAK])
    row.talk_topic = answers.get(Field.TALK_TOPIC) if row.wants_to_speak else None
    # A new wish to speak waits for the organizers; an earlier decision stands.
    if not row.wants_to_speak:
        row.speaker_status = None
    elif row.speaker_status is None:
        row.speaker_status = "pending"
    row.email = answers[Field.EMAIL]
    row.phone = answers.get(Field.PHONE) or None


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)
