"""The "classes" and "students" sheets of the organizers' export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.i18n import Translator
from bot.services.export import Table, safe_cell
from db.models import SchoolClass, StudentStatus

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
                    c.country,
                    c.email,
                    c.phone,
                    c.declared_size,
                    len(active),
                    c.group_title,
                    c.teacher_id,
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
