"""Reminder waves by e-mail: the channel the runner (runner.py) uses when SMTP_URL is set.

Who: an active registration with a confirmed address that has not bounced, unless the person
chose Telegram alone and Telegram reaches them; a muted address gets only the letters with the
link. What: the letters of bot/services/mailing/letters.py, in the person's language, over the
one MailSender that the outbox uses too (one SMTP connection, one pace). Outcomes:
- sent;
- refused for good (5xx about the address): the ledger row says unreachable and the address is
  marked bounced (registration.email_bounced_at), as the outbox does; Telegram goes on;
- deferred at RCPT or DATA (4xx): the claim goes back when the wave ends, and the next look
  (REMINDER_CHECK_SECONDS) tries again while the message is still the one due;
- the server away, or refusing us rather than the address (connect, TLS, login, MAIL), or the
  daily limit reached: this wave stops on e-mail, every claim not sent goes back, and the next
  look tries again (after the daily limit: once the limit allows)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n
from bot.services.delivery.limiter import Priority
from bot.services.delivery.mail.pacer import DailyLimitReached
from bot.services.delivery.mail.transport import Outcome
from bot.services.mailing.letters import (
    Addressee,
    Letter,
    link_update_letter,
    reminder_letter,
)
from bot.services.mailing.links import MailLinks
from bot.services.mailing.outbox import SERVER_STAGES, MailSender
from bot.services.reminders.channels import (
    Attempt,
    Message,
    Recipient,
    Verdict,
)
from db.models import DeliverVia, DeliveryChannel, Registration
from db.reach import email_usable, telegram_usable

ERROR_LENGTH = 500
MIN_WORKERS, MAX_WORKERS = 8, 64
# A letter costs more than a Telegram message (the email package writes it out; its garbage
# brings the collector's full passes, about 0.2 s each): measured by bench/email_wave.py, a
# wave of 5,000 at 200/s ran 2-4% below the rate on 2 cores. The wave's early start counts
# this many letters for each one waiting.
PLANNING_MARGIN = 1.05


class MailChannel:
    name = DeliveryChannel.EMAIL
    locks = Registration

    def __init__(
        self,
        *,
        sender: MailSender,
        links: MailLinks,
        i18n: I18n,
        clock: Clock,
        session_factory: async_sessionmaker[AsyncSession],
        workers: int | None = None,
    ) -> None:
        """`workers`: concurrent senders; by default enough that letters waiting for a slow
        provider's turn (qq.com, 163.com) do not hold up the others, and few enough that the
        letters written out and waiting for their turn stay few (one connection carries them
        all; each waiting letter is garbage the collector must walk: bench/email_wave.py)."""
        self.sender = sender
        self.links = links
        self.i18n = i18n
        self.clock = clock
        self.session_factory = session_factory
        self.workers = workers or min(MAX_WORKERS, max(MIN_WORKERS, int(self.rate / 12)))
        # The daily limit was reached: no e-mail wave before then.
        self.paused_until: datetime | None = None

    @property
    def rate(self) -> float:
        return self.sender.pacer.rate

    def select(self, *extra: Any) -> Select[Any]:
        return select(
            Registration.id.label("registration_id"),
            Registration.language.label("language"),
            Registration.participation_format.label("participation_format"),
            Registration.email.label("address"),
            Registration.full_name.label("name"),
            Registration.access_token_hash.label("token_digest"),
            Registration.venue_id.label("venue_id"),
            Registration.venue_waiting_since.label("venue_waiting_since"),
            *extra,
        )

    def usable(self) -> list[ColumnElement[bool]]:
        return [
            email_usable(),
            # Telegram alone only where Telegram reaches them: never nobody.
            or_(Registration.deliver_via != DeliverVia.TELEGRAM, ~telegram_usable()),
        ]

    def unmuted(self) -> ColumnElement[bool]:
        return Registration.email_muted.is_(False)

    def ready(self, now: datetime) -> bool:
        if self.paused_until is not None and now < self.paused_until:
            return False
        self.paused_until = None
        return True

    async def pending(self, session: AsyncSession, query: Select[Any]) -> int:
        """The letters waiting, counted as the time they take: the slow providers' share of
        the rate may be what makes a wave long (MailPacer.estimate_seconds)."""
        waiting = query.subquery()
        addresses = (await session.scalars(select(waiting.c.address))).all()
        if not addresses:
            return 0
        seconds = self.sender.pacer.estimate_seconds(addresses)
        return math.ceil(seconds * self.rate * PLANNING_MARGIN)

    def letter(self, r: Recipient, message: Message, to: Addressee) -> Letter:
        t = self.i18n(r.language)
        if message.slot is None:
            return link_update_letter(
                t, message.event, to, message.link, had_old_link=r.had_old_link
            )
        return reminder_letter(t, message.event, message.slot, to, self.clock.now())

    async def _digest(self, r: Recipient) -> str | None:
        """The token digest the links are signed with. A registration without a personal page
        yet gets one (MailLinks.ensure_token), kept for its later letters."""
        if r.token_digest is not None:
            return r.token_digest
        async with self.session_factory() as session:
            registration = await session.get(Registration, r.registration_id)
            if registration is None:
                return None
            digest = MailLinks.ensure_token(registration)
            await session.commit()
        return digest

    async def send(self, r: Recipient, message: Message, stopping: Callable[[], bool]) -> Attempt:
        assert r.address is not None  # selected with a usable address
        digest = await self._digest(r)
        if digest is None:
            return Attempt(Verdict.FAILED, "erased")
        # The links need only the id and the digest (bot/services/registration/mail_links.py).
        signed = Registration(id=r.registration_id, access_token_hash=digest)
        unsubscribe = self.links.unsubscribe(signed)
        to = Addressee(
            name=r.name,
            participation_format=r.participation_format,
            page_url=self.links.page(signed),
            unsubscribe_url=unsubscribe,
            venue_id=r.venue_id,
            venue_waiting=r.venue_waiting_since is not None,
        )
        # The letter says whether it can be muted: only then the footer and the
        # List-Unsubscribe header carry the address.
        letter = self.letter(r, message, to)
        try:
            result = await self.sender.send(
                letter,
                address=r.address,
                name=r.name,
                language=r.language,
                now=self.clock.now(),
                # The same Message-ID if it is sent again after a break during DATA.
                key=f"{r.registration_id}:{message.kind}:{self.name}",
                unsubscribe_url=unsubscribe,
                priority=Priority.REMINDER,
            )
        except DailyLimitReached as limit:
            self.paused_until = limit.resume_at
            return Attempt(Verdict.HALT, "daily limit")
        if result.outcome is Outcome.SENT:
            return Attempt(Verdict.SENT)
        detail = result.detail[:ERROR_LENGTH]
        if result.outcome is Outcome.PERMANENT:
            return Attempt(Verdict.UNREACHABLE, detail)
        if result.stage in SERVER_STAGES:
            return Attempt(Verdict.HALT, detail)
        return Attempt(Verdict.RETRY, detail)

    async def unreachable(
        self, session: AsyncSession, r: Recipient, error: str | None, now: datetime
    ) -> bool:
        registration = await session.get(Registration, r.registration_id)
        # The address the letter went to, not one the person has typed since.
        if registration is not None and registration.email == r.address:
            registration.email_bounced_at = now
            registration.email_error = error
        return True
