"""What an organizer may change from a /find card, by the rules the participant's own actions
follow, each change audited with the organizer's id in the same transaction.

- An answer: validated by the form's validators before it gets here (the handler shows the
  form's error texts). An active registration of an event not over is saved by
  `RegistrationService.update_registration`, exactly as the participant's edit (an address
  taken for the event is refused; a changed address is confirmed again, by e-mail when e-mail
  is on). A cancelled or pending registration, or one of an event that is over (a name
  corrected for the certificate), gets the answer written as the form would write it, with
  the same address rule for the registrations that hold an address.
- Cancel and restore: `cancel_registration` and `restore_registration` (restoring needs the
  event to take registrations, and the address to be free). The person is told
  (bot/services/organizers/notices.py): the letter, where e-mail reaches them, is queued in the
  change's transaction; the Telegram message is the handler's to send.
- The venue: `update_registration` with the venue chosen (or online, at a hybrid event), by the
  seat rules of the person's own /edit (bot/services/venues/seats.py): a seat when one is free,
  the waiting list only when asked for, the seat left given to the first in line, who is told;
  the person is told as of a cancel. Audited with the venue's id only.
- Attended or not: a check-in recorded by an organizer (method "organizer") for an active
  registration, from the moment check-in opens (the start: `Event.checkin_open`) on, with no
  end (organizers fix attendance after the event); or the check-in removed, at any time. A mark
  before the start would count someone present at an event that has not happened yet (in
  /stats, exports, certificates). A certificate already issued stays.
- The certificate sent again: `CertificateService.correct_name` with the registration's name
  as it is now (the same number; a corrected name is printed), then sent as any certificate.
- A pupil's name: the class certificate draws its pupils' pages from the roster, so the name
  is printed from now on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.clock import Clock
from bot.services.certificates.issue import CertificateService
from bot.services.events.catalog import Event, EventCatalog, EventFormat, EventState
from bot.services.mailing.certificate_letter import certificate_kind
from bot.services.mailing.organizer_letter import CANCELLED as CANCELLED_LETTER
from bot.services.mailing.organizer_letter import RESTORED as RESTORED_LETTER
from bot.services.mailing.organizer_letter import VENUE as VENUE_LETTER
from bot.services.organizers.notices import Channels, queue_letter, reach_of
from bot.services.registration.access import email_key
from bot.services.registration.form import (
    VENUE,
    VENUE_WAIT,
    Field,
    ParticipationFormat,
    apply_answer,
    field_applies,
    is_complete,
)
from bot.services.registration.registrations import (
    EmailTaken,
    EventOver,
    FormIncomplete,
    NotRegistered,
    RegistrationClosed,
    RegistrationError,
    RegistrationService,
    UserRegistration,
    VenueRefused,
    answers_of,
    holds_address,
    lock_event,
)
from bot.services.venues.seats import Promoted
from db.models import (
    Attendance,
    Certificate,
    ClassStudent,
    Delivery,
    DeliveryChannel,
    Registration,
    RegistrationStatus,
    SchoolClass,
)
from db.repositories import AuditRepository

# Audit actions (each has `audit-action-<action>` in locales/*/admin_find.ftl for /audit).
EDIT = "find_edit"
CANCEL = "find_cancel"
RESTORE = "find_restore"
ATTENDED = "find_attended"
NOT_ATTENDED = "find_not_attended"
RESEND = "find_certificate_resend"
PUPIL_RENAME = "find_pupil_rename"
VENUE_CHANGE = "find_venue"
ACTIONS = (EDIT, CANCEL, RESTORE, ATTENDED, NOT_ATTENDED, RESEND, PUPIL_RENAME, VENUE_CHANGE)
# The venue "online" (a hybrid event's online participation), as the audit log names it.
ONLINE = "online"


class ChangeRefused(Exception):
    """The change breaks a rule; `key` is the organizer's message (locales/*/admin_find.ftl),
    `moment` the time it names as `$date`, if any (when the change becomes possible)."""

    def __init__(self, key: str, moment: datetime | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.moment = moment


# A participant's refusal, as an organizer is told it.
_REFUSALS: dict[type[RegistrationError], str] = {
    EmailTaken: "find-err-email-taken",
    RegistrationClosed: "find-err-registration-closed",
    EventOver: "find-err-registration-closed",
    NotRegistered: "find-err-not-active",
    # "Offline" chosen at an event with venues: the venue is chosen with its own button.
    FormIncomplete: "find-err-venue-needed",
}


def _refused(error: RegistrationError) -> ChangeRefused:
    return ChangeRefused(_REFUSALS.get(type(error), "find-err-not-saved"))


@dataclass
class OrganizerChanges:
    session: AsyncSession
    catalog: EventCatalog
    clock: Clock
    actor_id: int

    def _audit(self, action: str, event_id: int | None, **details: Any) -> None:
        AuditRepository(self.session).record(
            self.actor_id, action, self.clock.now(), event_id=event_id, details=details
        )

    async def _registration(self, registration_id: int) -> tuple[Registration, Event]:
        row = await self.session.scalar(
            select(Registration)
            .where(Registration.id == registration_id)
            .options(selectinload(Registration.event))
        )
        if row is None or row.erased_at is not None:
            raise ChangeRefused("find-err-gone")
        event = self.catalog.get(row.event.slug)
        if event is None:
            raise ChangeRefused("find-err-event-gone")
        return row, event

    # --- answers ------------------------------------------------------------------------------

    async def editable_fields(self, registration_id: int) -> list[Field]:
        row, event = await self._registration(registration_id)
        answers = answers_of(row)
        hybrid = event.format is EventFormat.HYBRID
        return [f for f in Field if field_applies(f, answers, hybrid)]

    async def needs_topic(self, registration_id: int) -> bool:
        """Whether a wish to speak needs a topic asked first (there is none yet)."""
        row, _ = await self._registration(registration_id)
        return not row.talk_topic

    async def edit(self, registration_id: int, changes: dict[Field, Any], *, mail: bool) -> None:
        """Save validated answers (a wish to speak comes with its topic)."""
        row, event = await self._registration(registration_id)
        hybrid = event.format is EventFormat.HYBRID
        answers = answers_of(row)
        for field, value in changes.items():
            answers = apply_answer(answers, field, value)
        # A topic without the wish to speak, the format of an event that is not hybrid, or a
        # wish to speak without its topic: not what the form would let through.
        applies = all(field_applies(field, answers, hybrid) for field in changes)
        if not applies or not is_complete(answers, hybrid):
            raise ChangeRefused("find-err-field")
        self._audit(
            EDIT,
            row.event_id,
            registration_id=row.id,
            field=", ".join(field.value for field in changes),
        )
        now = self.clock.now()
        try:
            if row.status == RegistrationStatus.ACTIVE and event.state(now) is not EventState.OVER:
                service = RegistrationService(self.session, self.catalog, self.clock)
                await service.update_registration(UserRegistration(row, event), answers, mail=mail)
                return
            await self._write(row, event, answers)
        except RegistrationError as error:
            await self.session.rollback()
            raise _refused(error) from None

    async def _write(self, row: Registration, event: Event, answers: dict[str, Any]) -> None:
        """The answers of a registration `update_registration` does not take (cancelled,
        pending, or its event over), by the same rules."""
        key = email_key(answers[Field.EMAIL])
        if key != row.email_key:
            if row.status in (RegistrationStatus.ACTIVE, RegistrationStatus.PENDING):
                await lock_event(self.session, row.event_id)
                holder = await self.session.scalar(
                    select(Registration.id)
                    .where(
                        Registration.event_id == row.event_id,
                        holds_address(),
                        Registration.email_key == key,
                        Registration.id != row.id,
                        *([Registration.user_id.is_(None)] if row.user_id is not None else []),
                    )
                    .limit(1)
                )
                if holder is not None:
                    raise EmailTaken(event)
            row.email_key = key
            # Another address: not confirmed, and not known to bounce.
            row.email_confirmed_at = row.email_bounced_at = row.email_error = None
        row.full_name = answers[Field.FULL_NAME]
        row.country = answers[Field.COUNTRY]
        row.city = answers[Field.CITY]
        row.organization = answers[Field.ORGANIZATION]
        row.role = answers[Field.ROLE]
        if event.format is EventFormat.HYBRID:
            row.participation_format = answers[Field.FORMAT]
        row.wants_to_speak = bool(answers[Field.WANTS_TO_SPEAK])
        row.talk_topic = answers.get(Field.TALK_TOPIC) if row.wants_to_speak else None
        if not row.wants_to_speak:
            row.speaker_status = None
        elif row.speaker_status is None:
            row.speaker_status = "pending"  # a new wish to speak waits for the organizers
        row.email = answers[Field.EMAIL]
        row.phone = answers.get(Field.PHONE) or None
        row.updated_at = self.clock.now()
        try:
            await self.session.commit()
        except IntegrityError:  # the same address registered at this very moment
            raise EmailTaken(event) from None

    # --- cancel, restore ------------------------------------------------------------------------

    async def cancel(self, registration_id: int, *, mail: bool = False) -> Changed:
        """`mail`: e-mail is on (the person's letter may be queued)."""
        row, event = await self._registration(registration_id)
        if row.status != RegistrationStatus.ACTIVE:
            raise ChangeRefused("find-err-not-active")
        self._audit(CANCEL, row.event_id, registration_id=row.id)
        told = await self._tell(row, CANCELLED_LETTER, mail=mail)
        service = RegistrationService(self.session, self.catalog, self.clock)
        done = await service.cancel_registration(UserRegistration(row, event))
        return Changed(row, event, told, done.promoted)

    async def restore(self, registration_id: int, *, mail: bool = False) -> Changed:
        row, event = await self._registration(registration_id)
        if row.status != RegistrationStatus.CANCELLED:
            raise ChangeRefused("find-err-not-cancelled")
        self._audit(RESTORE, row.event_id, registration_id=row.id)
        told = await self._tell(row, RESTORED_LETTER, mail=mail)
        service = RegistrationService(self.session, self.catalog, self.clock)
        try:
            done = await service.restore_registration(UserRegistration(row, event))
        except RegistrationError as error:
            await self.session.rollback()
            raise _refused(error) from None
        return Changed(row, event, told, done.promoted)

    async def _tell(self, row: Registration, letter: str, *, mail: bool) -> Channels:
        """Where the person hears of the change; its letter queued in this transaction."""
        told = await reach_of(self.session, row, mail=mail)
        if told.email:
            await queue_letter(self.session, row, letter, self.clock.now())
        return told

    # --- the venue ------------------------------------------------------------------------------

    async def change_venue(
        self, registration_id: int, venue_id: str | None, *, accept_waiting: bool, mail: bool
    ) -> Changed:
        """Move an active registration to the venue `venue_id` (None: online, at a hybrid
        event): a seat if one is free, else its waiting list when `accept_waiting`, else
        ChangeRefused("find-err-venue-full"). The seat it leaves goes to the first in line."""
        row, event = await self._registration(registration_id)
        if row.status != RegistrationStatus.ACTIVE:
            raise ChangeRefused("find-err-not-active")
        if not event.venues:
            raise ChangeRefused("find-err-field")
        if event.state(self.clock.now()) is EventState.OVER:
            raise ChangeRefused("find-err-venue-over")
        hybrid = event.format is EventFormat.HYBRID
        offline = event.format is EventFormat.OFFLINE or (
            row.participation_format == ParticipationFormat.OFFLINE.value
        )
        answers = answers_of(row)
        if venue_id is None:
            if not hybrid:
                raise ChangeRefused("find-err-field")
            if not offline:
                raise ChangeRefused("find-err-venue-same")
            answers = apply_answer(answers, Field.FORMAT, ParticipationFormat.ONLINE.value)
        else:
            if event.venue_by_id(venue_id) is None:
                raise ChangeRefused("find-err-venue-gone")
            if offline and venue_id == row.venue_id:
                raise ChangeRefused("find-err-venue-same")
            if hybrid:
                answers = apply_answer(answers, Field.FORMAT, ParticipationFormat.OFFLINE.value)
            answers = {**answers, VENUE: venue_id, VENUE_WAIT: accept_waiting}
        self._audit(VENUE_CHANGE, row.event_id, registration_id=row.id, venue=venue_id or ONLINE)
        told = await self._tell(row, VENUE_LETTER, mail=mail)
        service = RegistrationService(self.session, self.catalog, self.clock)
        try:
            # The address is not touched: no confirmation is asked (`mail` is for that).
            done = await service.update_registration(UserRegistration(row, event), answers)
        except VenueRefused as refused:
            # Rolled back by the service (the audit entry and the letter with it).
            raise ChangeRefused(
                "find-err-venue-full" if refused.venue is not None else "find-err-venue-gone"
            ) from None
        except RegistrationError as error:
            await self.session.rollback()
            raise _refused(error) from None
        return Changed(row, event, told, done.promoted)

    # --- attendance -----------------------------------------------------------------------------

    async def set_attended(self, registration_id: int, attended: bool) -> bool:
        """Mark (or unmark) the check-in; False when it already was so."""
        row, event = await self._registration(registration_id)
        if attended:
            if row.status != RegistrationStatus.ACTIVE:
                raise ChangeRefused("find-err-not-active")
            if self.clock.now() < event.starts_at:  # check-in is not open yet
                raise ChangeRefused("find-err-attend-early", event.starts_at)
            self.session.add(
                Attendance(
                    event_id=row.event_id,
                    registration_id=row.id,
                    method="organizer",
                    checked_at=self.clock.now(),
                )
            )
            self._audit(ATTENDED, row.event_id, registration_id=row.id)
            try:
                await self.session.commit()
            except IntegrityError:  # checked in already
                await self.session.rollback()
                return False
            return True
        removed = await self.session.execute(
            delete(Attendance).where(Attendance.registration_id == row.id)
        )
        if not getattr(removed, "rowcount", 0):
            await self.session.rollback()
            return False
        self._audit(NOT_ATTENDED, row.event_id, registration_id=row.id)
        await self.session.commit()
        return True

    # --- the certificate ----------------------------------------------------------------------

    async def resend_certificate(
        self, registration_id: int, certificates: CertificateService
    ) -> ResendOutcome:
        """The certificate again, with the registration's name as it is now and the same
        number: in Telegram to its chat, and as a letter when e-mail is on and reaches them."""
        row, event = await self._registration(registration_id)
        certificate = await self.session.scalar(
            select(Certificate).where(Certificate.registration_id == row.id)
        )
        if certificate is None:
            raise ChangeRefused("find-err-no-certificate")
        corrected = await certificates.correct_name(certificate.number, row.full_name or "")
        if corrected is None:
            raise ChangeRefused("find-err-no-certificate")
        self._audit(RESEND, row.event_id, registration_id=row.id, number=certificate.number)
        await self.session.commit()
        if corrected.recipient_id is not None and certificates.bot is not None:
            await certificates.deliver_pending(event)
        # Sent (or not) by the certificate service's own session: read what it wrote.
        after = await self.session.get(Certificate, certificate.id, populate_existing=True)
        assert after is not None
        letter = await self.session.scalar(
            select(Delivery.status).where(
                Delivery.registration_id == row.id,
                Delivery.channel == DeliveryChannel.EMAIL,
                Delivery.kind == certificate_kind(after.id, after.reissued),
            )
        )
        return ResendOutcome(
            number=after.number,
            telegram=(
                "none"
                if after.recipient_id is None
                else "error"
                if after.error
                else "sent"
                if after.sent_at is not None
                else "waiting"
            ),
            email_queued=letter is not None,
        )

    # --- pupils -------------------------------------------------------------------------------

    async def rename_pupil(self, student_id: int, name: str) -> ClassStudent:
        """`name` validated as the form's full name."""
        student = await self.session.get(ClassStudent, student_id)
        if student is None:
            raise ChangeRefused("find-err-gone")
        school_class = await self.session.get(SchoolClass, student.class_id)
        self._audit(
            PUPIL_RENAME,
            school_class.event_id if school_class else None,
            class_id=student.class_id,
            student_id=student.id,
        )
        student.full_name = name
        await self.session.commit()
        return student


@dataclass(frozen=True)
class Changed:
    """A registration cancelled, restored or moved: where the person is told (the letter is
    queued already; Telegram is the caller's to send), and who a seat it left went to (their
    notices are queued; the caller may send them now)."""

    row: Registration
    event: Event
    told: Channels
    promoted: tuple[Promoted, ...] = ()


@dataclass(frozen=True)
class ResendOutcome:
    number: str
    # "sent" in Telegram; "error" (blocked, could not be drawn); "none": no Telegram chat;
    # "waiting": not sent in Telegram (the person chose e-mail alone, or another replica has it).
    telegram: str
    email_queued: bool
