"""The "classes" and "students" sheets of the organizers' export (and "feedback"), named in
the reader's language, times on the reader's clock (organizer_zone)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.i18n import Translator
from bot.services.events.time_input import organizer_zone
from bot.services.reports.certificate_states import CertificateState, event_certificates
from bot.services.reports.files import Cell, Table
from bot.services.reports.stats import country_names, own_language_aliases, shown_country
from db.audiences import class_teacher_filter
from db.models import Attendance, Feedback, SchoolClass, StudentStatus, User

CLASSES_SHEET = "classes"
STUDENTS_SHEET = "students"

CLASS_HEADERS = (
    "export-col-class-id",
    "export-col-status",
    "export-col-class-name",
    "export-col-teacher",
    "export-col-organization",
    "export-col-city",
    "export-col-country",
    "export-col-email",
    "export-col-phone",
    "export-col-declared-size",
    "export-col-students",
    "export-col-group",
    "export-col-checked-in-at",
    "export-col-certificate",
    "export-col-certificate-delivered",
    "export-col-username",
    "export-col-telegram-id",
    # Where the class was registered (bot, web): a web class has no Telegram id, and its
    # teacher is reached by the e-mail address.
    "export-col-source",
)
STUDENT_HEADERS = (
    "export-col-class-id",
    "export-col-class-name",
    "export-col-organization",
    "export-col-teacher",
    "export-col-full-name",
    "export-col-student-status",
)


async def event_classes(
    session: AsyncSession, event_id: int, *, active_only: bool = False
) -> Sequence[SchoolClass]:
    """The event's classes, oldest first; `active_only`: those not cancelled, the classes of
    the audience "teachers of classes" (db/audiences.py)."""
    where = class_teacher_filter(event_id) if active_only else [SchoolClass.event_id == event_id]
    rows = await session.scalars(
        select(SchoolClass)
        .where(*where)
        .options(selectinload(SchoolClass.students))
        .order_by(SchoolClass.id)
    )
    return rows.all()


@dataclass(frozen=True)
class ClassDetails:
    """What the classes sheet tells beyond the class rows: check-ins, certificates, the
    teachers' @usernames, and the countries' names as /stats shows them."""

    checked_in: Mapping[int, datetime] = field(default_factory=dict)
    certificates: Mapping[int, CertificateState] = field(default_factory=dict)
    usernames: Mapping[int, str] = field(default_factory=dict)  # teacher id -> username
    country_aliases: Mapping[str, str] | None = None  # stats.country_aliases


async def class_details(
    session: AsyncSession,
    event_id: int,
    classes: Sequence[SchoolClass],
    country_aliases: Mapping[str, str] | None = None,
) -> ClassDetails:
    checked_in = await session.execute(
        select(Attendance.class_id, Attendance.checked_at).where(
            Attendance.event_id == event_id, Attendance.class_id.is_not(None)
        )
    )
    teachers = {c.teacher_id for c in classes if c.teacher_id is not None}
    usernames = await session.execute(
        select(User.id, User.username).where(User.id.in_(teachers), User.username.is_not(None))
    )
    return ClassDetails(
        checked_in={class_id: at for class_id, at in checked_in if class_id is not None},
        certificates=(await event_certificates(session, event_id)).by_class,
        usernames={user_id: name for user_id, name in usernames if name},
        country_aliases=country_aliases,
    )


def class_tables(
    t: Translator, classes: Sequence[SchoolClass], details: ClassDetails | None = None
) -> tuple[Table, Table]:
    details = details or ClassDetails()
    aliases = details.country_aliases
    if aliases is None:
        aliases = own_language_aliases(t)
    countries = country_names((c.country for c in classes), aliases)
    zone = organizer_zone(t.lang)
    class_rows: list[list[Cell]] = []
    student_rows: list[list[Cell]] = []
    for c in classes:
        active = [s for s in c.students if s.status == StudentStatus.ACTIVE]
        certificate = details.certificates.get(c.id)
        checked_in = details.checked_in.get(c.id)
        username = details.usernames.get(c.teacher_id) if c.teacher_id is not None else None
        class_rows.append(
            [
                c.id,
                t("report-class-status", status=c.status),
                c.name,
                c.teacher_name,
                c.school,
                c.city,
                shown_country(countries, c.country),
                c.email,
                c.phone,
                c.declared_size,
                len(active),
                _group(t, c),
                checked_in.astimezone(zone).replace(tzinfo=None) if checked_in else None,
                certificate.number if certificate else None,
                t("report-certificate-delivered", state=certificate.delivered.value)
                if certificate
                else None,
                f"@{username}" if username else None,
                c.teacher_id,
                t("report-source", source=c.source),
            ]
        )
        for student in c.students:
            student_rows.append(
                [
                    c.id,
                    c.name,
                    c.school,
                    c.teacher_name,
                    student.full_name,
                    t("report-student-status", status=student.status),
                ]
            )
    return (
        Table([t(k) for k in CLASS_HEADERS], class_rows, CLASSES_SHEET, t("export-sheet-classes")),
        Table(
            [t(k) for k in STUDENT_HEADERS],
            student_rows,
            STUDENTS_SHEET,
            t("export-sheet-students"),
        ),
    )


def _group(t: Translator, school_class: SchoolClass) -> str:
    # Said outright when there is none: such a class gets everything in the teacher's chat,
    # and the organizers may want to ask the teacher for a group.
    if school_class.group_chat_id is None:
        return t("export-no-group")
    return school_class.group_title or str(school_class.group_chat_id)


@dataclass(frozen=True)
class ClassCounts:
    classes: int
    students: int
    groups: int


async def class_counts(session: AsyncSession, event_id: int) -> ClassCounts:
    """Active classes of the event, pupils on their rosters and bound groups, for /stats."""
    classes = [c for c in await event_classes(session, event_id) if c.status == "active"]
    students = sum(1 for c in classes for s in c.students if s.status == StudentStatus.ACTIVE)
    groups = sum(1 for c in classes if c.group_chat_id is not None)
    return ClassCounts(len(classes), students, groups)


FEEDBACK_SHEET = "feedback"


@dataclass(frozen=True)
class FeedbackSummary:
    count: int
    average: float
    comments: int


async def event_feedback(session: AsyncSession, event_id: int) -> list[Feedback]:
    rows = await session.scalars(
        select(Feedback).where(Feedback.event_id == event_id).order_by(Feedback.id)
    )
    return list(rows.all())


def feedback_summary(rows: Sequence[Feedback]) -> FeedbackSummary:
    count = len(rows)
    average = sum(r.rating for r in rows) / count if count else 0.0
    return FeedbackSummary(count, round(average, 2), sum(1 for r in rows if r.comment))


def feedback_table(t: Translator, rows: Sequence[Feedback]) -> Table:
    headers = [t(k) for k in ("export-col-rating", "export-col-comment")]
    cells: list[list[Cell]] = [[r.rating, r.comment] for r in rows]
    return Table(headers, cells, FEEDBACK_SHEET, t("export-sheet-feedback"))
