"""The organizers' export of one event, for a purpose: everyone, the active registrations, those
checked in or not, the speakers, offline or online participants (the same audiences as a
broadcast's, db/audiences.py), or the teachers and their classes.

`build_table` decides what goes into the participants' file (headers in the organizer's
language, one row per registration, values exactly as stored, countries folded as /stats folds
them); bot/services/reports/files.py lays tables out as XLSX or CSV. Both run on plain values,
so the writing can go to a worker thread away from the database session.

The file is read by the organizer who asked for it: its times are on their clock (Beijing time
for a Chinese organizer, Moscow time otherwise; the headers say which), and so is the time in
its name."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.i18n import Translator
from bot.services.classes.export import (
    ClassDetails,
    class_details,
    class_tables,
    event_classes,
    event_feedback,
    feedback_table,
)
from bot.services.events.time_input import organizer_zone
from bot.services.events.timefmt import MOSCOW
from bot.services.reports.certificate_states import CertificateState, event_certificates
from bot.services.reports.files import Cell, ExportFormat, Table, render_csv, render_xlsx
from bot.services.reports.stats import country_names, own_language_aliases, shown_country
from db.audiences import Audience, audience_filter, class_teacher_filter
from db.models import Attendance, Registration, RegistrationStatus

# The participants' table's stable name (a CSV suffix); its sheet is named in the reader's
# language (export-sheet-participants).
PARTICIPANTS_SHEET = "participants"


class ExportPurpose(StrEnum):
    EVERYONE = "everyone"  # every registration ever made, cancelled and erased ones included
    ACTIVE = "active"
    CHECKED_IN = "checked-in"
    NOT_CHECKED_IN = "not-checked-in"
    SPEAKERS = "speakers"
    OFFLINE = "offline"
    ONLINE = "online"
    CLASSES = "classes"  # the classes (not cancelled), their teachers and rosters


# Every purpose but EVERYONE and CLASSES is an audience of active registrations, exactly as a
# broadcast to it would be: "those checked in" is one set of people wherever it is used.
AUDIENCES: dict[ExportPurpose, Audience] = {
    ExportPurpose.ACTIVE: Audience.ALL,
    ExportPurpose.CHECKED_IN: Audience.CHECKED_IN,
    ExportPurpose.NOT_CHECKED_IN: Audience.NOT_CHECKED_IN,
    ExportPurpose.SPEAKERS: Audience.SPEAKERS,
    ExportPurpose.OFFLINE: Audience.OFFLINE,
    ExportPurpose.ONLINE: Audience.ONLINE,
}


@dataclass(frozen=True)
class Participant:
    """One registration with what the export tells about it beyond its own columns."""

    registration: Registration
    username: str | None  # Telegram @username as last seen, without "@"
    checked_in_at: datetime | None
    certificate: CertificateState | None


@dataclass(frozen=True)
class RowContext:
    t: Translator
    countries: Mapping[str, str]  # folded spelling -> shown name (stats.country_names)
    zone: tzinfo = MOSCOW  # the reader's clock (organizer_zone)
    venues: Mapping[str, str] = field(default_factory=dict)  # venue id -> its name (issue 15)


@dataclass(frozen=True)
class Column:
    header_key: str  # Fluent message with the column's name
    value: Callable[[Participant, RowContext], Cell]
    personal: bool = False  # blank for a registration whose person erased their data


def wall_time(moment: datetime | None, zone: tzinfo) -> datetime | None:
    """The time on the reader's clock, without an offset: spreadsheets have no time zones, so
    the headers say which clock ("(МСК)", "（北京时间）")."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def _status(p: Participant, c: RowContext) -> str:
    reg = p.registration
    return c.t("report-status", status="erased" if reg.erased_at else reg.status)


def _role(p: Participant, c: RowContext) -> str:
    key = f"role-{p.registration.role}"
    return c.t(key) if c.t.has(key) else p.registration.role


def _reachable(p: Participant, c: RowContext) -> str:
    """The channels the person can be reached by: their Telegram chat, their address."""
    reg = p.registration
    channels = "-".join(
        name for name, present in (("telegram", reg.user_id), ("email", reg.email)) if present
    )
    return c.t("report-reachable", channels=channels or "none")


def _email_confirmed(p: Participant, c: RowContext) -> Cell:
    """When the address was confirmed; "no" for an address not confirmed."""
    if p.registration.email is None:
        return None
    return wall_time(p.registration.email_confirmed_at, c.zone) or c.t("answer-no")


def _email_bounced(p: Participant, c: RowContext) -> str | None:
    """When the mail server refused the address for good, and what it said."""
    moment = wall_time(p.registration.email_bounced_at, c.zone)
    if moment is None:
        return None
    reason = p.registration.email_error or ""
    return c.t("export-email-bounced", date=f"{moment:%Y-%m-%d %H:%M}", reason=reason)


def _speaker_status(p: Participant, c: RowContext) -> str | None:
    if not p.registration.speaker_status:
        return None
    return c.t("report-speaker-status", status=p.registration.speaker_status)


def _username(p: Participant, c: RowContext) -> str | None:
    return f"@{p.username}" if p.username else None


def _venue(p: Participant, c: RowContext) -> str | None:
    """The venue chosen, by name (its id if it left the events file), with "waiting list"."""
    venue_id = p.registration.venue_id
    if venue_id is None:
        return None
    name = c.venues.get(venue_id, venue_id)
    if p.registration.venue_waiting_since is not None:
        return c.t("export-venue-waiting", venue=name)
    return name


def certificate_delivered(t: Translator, state: CertificateState | None) -> str | None:
    return t("report-certificate-delivered", state=state.delivered.value) if state else None


COLUMNS: tuple[Column, ...] = (
    Column("export-col-id", lambda p, c: p.registration.id),
    Column("export-col-status", _status),
    Column("export-col-full-name", lambda p, c: p.registration.full_name, personal=True),
    Column(
        "export-col-country",
        lambda p, c: shown_country(c.countries, p.registration.country),
        personal=True,
    ),
    Column("export-col-city", lambda p, c: p.registration.city, personal=True),
    Column("export-col-organization", lambda p, c: p.registration.organization, personal=True),
    Column("export-col-role", _role),
    Column(
        "export-col-format",
        lambda p, c: c.t("report-format", format=p.registration.participation_format),
    ),
    Column("export-col-venue", _venue),
    Column(
        "export-col-wants-to-speak",
        lambda p, c: c.t("answer-yes") if p.registration.wants_to_speak else c.t("answer-no"),
    ),
    Column("export-col-talk-topic", lambda p, c: p.registration.talk_topic, personal=True),
    Column("export-col-speaker-status", _speaker_status),
    Column("export-col-email", lambda p, c: p.registration.email, personal=True),
    Column("export-col-phone", lambda p, c: p.registration.phone, personal=True),
    Column("export-col-username", _username, personal=True),
    Column(
        "export-col-language", lambda p, c: c.t("report-language", lang=p.registration.language)
    ),
    Column("export-col-registered-at", lambda p, c: wall_time(p.registration.created_at, c.zone)),
    Column("export-col-checked-in-at", lambda p, c: wall_time(p.checked_in_at, c.zone)),
    Column(
        "export-col-certificate",
        lambda p, c: p.certificate.number if p.certificate else None,
    ),
    Column(
        "export-col-certificate-delivered", lambda p, c: certificate_delivered(c.t, p.certificate)
    ),
    Column("export-col-consent-at", lambda p, c: wall_time(p.registration.consent_at, c.zone)),
    Column("export-col-consent-version", lambda p, c: p.registration.consent_version),
    Column("export-col-telegram-id", lambda p, c: p.registration.user_id, personal=True),
    Column("export-col-source", lambda p, c: c.t("report-source", source=p.registration.source)),
    Column("export-col-reachable", _reachable),
    Column("export-col-email-confirmed", _email_confirmed),
    # The server's answer may quote the address: personal.
    Column("export-col-email-bounced", _email_bounced, personal=True),
    Column(
        "export-col-deliver-via",
        lambda p, c: c.t("report-deliver-via", via=p.registration.deliver_via),
    ),
)


# --- who is in the file ----------------------------------------------------------------------


def purpose_filter(purpose: ExportPurpose) -> list[Any]:
    """The conditions on a registration of the event for it to be in the purpose's file."""
    audience = AUDIENCES.get(purpose)
    if audience is None:  # everyone (the classes' purpose has no registrations)
        return []
    return [Registration.status == RegistrationStatus.ACTIVE, *audience_filter(audience)]


async def event_registrations(
    session: AsyncSession, event_id: int, purpose: ExportPurpose = ExportPurpose.EVERYONE
) -> list[Participant]:
    """The registrations of the event for the purpose, oldest first, with their @username,
    check-in and certificate."""
    if purpose is ExportPurpose.CLASSES:
        return []
    registrations = (
        await session.scalars(
            select(Registration)
            .where(Registration.event_id == event_id, *purpose_filter(purpose))
            .options(selectinload(Registration.user))
            .order_by(Registration.id)
        )
    ).all()
    attendance = await session.execute(
        select(Attendance.registration_id, Attendance.checked_at).where(
            Attendance.event_id == event_id, Attendance.registration_id.is_not(None)
        )
    )
    checked_in = {reg_id: at for reg_id, at in attendance if reg_id is not None}
    certificates = (await event_certificates(session, event_id)).by_registration
    return [
        Participant(
            registration=reg,
            username=reg.user.username if reg.user else None,
            checked_in_at=checked_in.get(reg.id),
            certificate=certificates.get(reg.id),
        )
        for reg in registrations
    ]


async def purpose_counts(session: AsyncSession, event_id: int) -> dict[ExportPurpose, int]:
    """How many rows each purpose's file has (classes for the classes' purpose)."""
    counts: dict[ExportPurpose, int] = {}
    for purpose in ExportPurpose:
        if purpose is ExportPurpose.CLASSES:
            query = select(func.count()).where(*class_teacher_filter(event_id))
        else:
            query = select(func.count()).where(
                Registration.event_id == event_id, *purpose_filter(purpose)
            )
        counts[purpose] = int(await session.scalar(query) or 0)
    return counts


# --- the tables ------------------------------------------------------------------------------


def build_table(
    t: Translator,
    participants: Sequence[Participant],
    country_aliases: Mapping[str, str] | None = None,
    venues: Mapping[str, str] | None = None,
) -> Table:
    """`country_aliases`: stats.country_aliases, so that a country is one row of /stats and one
    name in the file. `venues`: the event's venues' names by id, in the reader's language."""
    aliases = own_language_aliases(t) if country_aliases is None else country_aliases
    countries = country_names((p.registration.country for p in participants), aliases)
    context = RowContext(t, countries, organizer_zone(t.lang), dict(venues or {}))
    return Table(
        headers=[t(column.header_key) for column in COLUMNS],
        rows=[_row(context, p) for p in participants],
        name=PARTICIPANTS_SHEET,
        title=t("export-sheet-participants"),
    )


def _row(context: RowContext, participant: Participant) -> list[Cell]:
    # The erasure already blanked these in the database; checked again here so that a column
    # added later can never bring an erased person's data back into a file.
    erased = participant.registration.erased_at is not None
    return [
        None if column.personal and erased else column.value(participant, context)
        for column in COLUMNS
    ]


@dataclass(frozen=True)
class Export:
    """What one export hands out: the tables (the first is the main one) and its counts."""

    tables: list[Table]
    rows: int  # rows of the main table: registrations, or classes for the classes' purpose
    classes: int


async def export_tables(
    session: AsyncSession,
    t: Translator,
    event_id: int,
    purpose: ExportPurpose,
    country_aliases: Mapping[str, str],
    venues: Mapping[str, str] | None = None,
) -> Export:
    """Everyone: the participants, the classes, their pupils and the feedback (the whole event).
    The classes' purpose: the classes and their pupils. Any other: its participants alone."""
    tables: list[Table] = []
    if purpose is not ExportPurpose.CLASSES:
        participants = await event_registrations(session, event_id, purpose)
        tables.append(build_table(t, participants, country_aliases, venues))
    if purpose not in (ExportPurpose.EVERYONE, ExportPurpose.CLASSES):
        return Export(tables, len(tables[0].rows), 0)
    # The classes' purpose: the classes whose teachers a broadcast to "teachers of classes"
    # reaches (not cancelled); everyone: every class, its status in a column.
    active_only = purpose is ExportPurpose.CLASSES
    classes = await event_classes(session, event_id, active_only=active_only)
    details: ClassDetails = await class_details(session, event_id, classes, country_aliases)
    tables += class_tables(t, classes, details)
    if purpose is ExportPurpose.EVERYONE:
        tables.append(feedback_table(t, await event_feedback(session, event_id)))
    return Export(tables, len(tables[0].rows), len(classes))


def file_name(
    slug: str,
    purpose: ExportPurpose,
    fmt: ExportFormat,
    now: datetime,
    sheet: str = "",
    zone: tzinfo = MOSCOW,
) -> str:
    """The event and the purpose (and for a CSV beside the main one, its table), the time on
    the reader's clock, and which CSV it is: `victory-2025-active-2025-08-20-1200-comma.csv`."""
    what = f"{purpose.value}-{sheet}" if sheet else purpose.value
    tag = f"-{fmt.file_tag}" if fmt.file_tag else ""
    return f"{slug}-{what}-{now.astimezone(zone):%Y-%m-%d-%H%M}{tag}.{fmt.extension}"


@dataclass(frozen=True)
class ExportFile:
    name: str
    data: bytes


async def export_files(
    export: Export,
    fmt: ExportFormat,
    slug: str,
    purpose: ExportPurpose,
    now: datetime,
    zone: tzinfo = MOSCOW,
) -> list[ExportFile]:
    """A workbook with every table; or a CSV of the main table (even without rows: its header
    says what was asked for) and one of each other table that has rows."""
    main_name = file_name(slug, purpose, fmt, now, zone=zone)
    if fmt is ExportFormat.XLSX:
        return [ExportFile(main_name, await render_xlsx(export.tables))]
    main, *others = export.tables
    files = [ExportFile(main_name, await render_csv(main, fmt))]
    for table in others:
        if table.rows:
            name = file_name(slug, purpose, fmt, now, table.name, zone)
            files.append(ExportFile(name, await render_csv(table, fmt)))
    return files
