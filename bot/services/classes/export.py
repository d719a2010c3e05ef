"""The "classes" and "students" sheets of the organizers' export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.i18n import Translator
from bot.services.registration.countries import country_label
from bot.services.reports.export import Table, safe_cell
from db.models import Feedback, SchoolClass, StudentStatus

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


async def event_classes(session: AsyncSession, event_id: int) -> Sequence[SchoolClass]:
    rows = await session.scalars(
        select(SchoolClass)
        .where(SchoolClass.event_id == event_id)
        .options(selectinload(SchoolClass.students))
        .order_by(SchoolClass.id)
    )
    return rows.all()


def class_tables(t: Translator, classes: Sequence[SchoolClass]) -> tuple[Table, Table]:
    class_rows = []
    student_rows = []
    for c in classes:
        active = [s for s in c.students if s.status == StudentStatus.ACTIVE]
        class_rows.append(
            [
                safe_cell(v)
                for v in (
                    c.id,
                    t("report-class-status", status=c.status),
                    c.name,
                    c.teacher_name,
                    c.school,
                    c.city,
                    country_label(t, c.country),
                    c.email,
                    c.phone,
                    c.declared_size,
                    len(active),
                    c.group_title,
                    c.teacher_id,
                    t("report-source", source=c.source),
                )
            ]
        )
        for student in c.students:
            student_rows.append(
                [
                    safe_cell(v)
                    for v in (
                        c.id,
                        c.name,
                        c.school,
                        c.teacher_name,
                        student.full_name,
                        t("report-student-status", status=student.status),
                    )
                ]
            )
    return (
        Table([t(k) for k in CLASS_HEADERS], class_rows, CLASSES_SHEET),
        Table([t(k) for k in STUDENT_HEADERS], student_rows, STUDENTS_SHEET),
    )


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
    return Table(headers, [[r.rating, safe_cell(r.comment)] for r in rows], FEEDBACK_SHEET)
