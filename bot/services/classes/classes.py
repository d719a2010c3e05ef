"""Classes registered by teachers: the roster, pupils joining by link, and the class's
Telegram group. Rules only; the conversation is in handlers/classes.py and handlers/groups.py,
the web page's form and class page in web/routes/classes.py.

A class registered in the bot hangs on the teacher's chat (`teacher_id`); one registered on the
web page has no chat: its teacher reaches the class page by a token (only its hash is stored,
as for the personal page: bot/services/registration/access.py)."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.clock import Clock
from bot.services.events.catalog import Event, EventCatalog, EventState
from bot.services.registration.access import digest, matches, new_secret
from bot.services.registration.form import CONSENT_VERSION
from bot.services.registration.registrations import EventOver, RegistrationClosed, UnknownEvent
from db.models import (
    Certificate,
    ClassStudent,
    EventRow,
    RegistrationSource,
    RegistrationStatus,
    SchoolClass,
    StudentStatus,
    User,
)

MAX_STUDENTS = 100
MAX_CLASS_NAME = 100


class ClassError(Exception):
    """A rule refused the action; `key` is the Fluent message to show."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args


@dataclass(frozen=True)
class JoinDecision:
    """A pupil's request to join decided, as the pupil is told it (class-join-sent promised
    them): their chat, the name they gave, and the language their chat speaks (None: the
    bot's default), whether the teacher decided in the chat or on the class page."""

    user_id: int | None
    name: str
    approved: bool
    language: str | None
    # Approved once, then taken off the list by a roster replacement (roster_removals.py).
    removed: bool = False


@dataclass(frozen=True)
class RosterChange:
    """What replacing a class's roster with a new one would do, shown to the teacher before it
    is done (handlers/class_manage.py). Names are compared by `roster_key`."""

    current: int  # pupils in the list now
    added: tuple[str, ...]  # names of the new roster not in the list now
    removed: tuple[str, ...]  # names the teacher wrote that the new roster leaves out
    # Pupils who joined by the link and were approved, whom the new roster leaves out:
    # (ClassStudent id, name). They go only if the teacher was told so (`replace_roster`).
    joined_dropped: tuple[tuple[int, str], ...]
    pending: int  # requests to join still waiting: a replacement keeps them
    keep_fits: bool  # the new roster plus `joined_dropped` fits in MAX_STUDENTS

    @property
    def same_pupils(self) -> bool:
        return not (self.added or self.removed or self.joined_dropped)

    @property
    def offer_keep(self) -> bool:
        """Whether to offer "replace, but keep the pupils who joined by the link"."""
        return bool(self.joined_dropped) and self.keep_fits


def roster_key(name: str) -> str:
    """A name as a roster replacement compares it: case, ё/е and spacing aside, so that
    "иванов  иван" in the new list is the pupil "Иванов Иван" already there."""
    folded = unicodedata.normalize("NFC", name).casefold().replace("ё", "е")
    return " ".join(folded.split())


@dataclass(frozen=True)
class TeacherDetails:
    name: str
    country: str
    city: str
    school: str
    email: str
    phone: str


def validate_class_name(raw: str) -> str:
    """The class's name as the school writes it ("8 «Б»"), on one line."""
    name = " ".join(raw.split())
    if not 1 <= len(name) <= MAX_CLASS_NAME:
        raise ClassError("class-name-invalid", max=MAX_CLASS_NAME)
    return name


def validate_size(raw: str) -> int:
    """How many pupils the class has: a whole number from 1 to MAX_STUDENTS."""
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_STUDENTS:
        raise ClassError("class-size-invalid", max=MAX_STUDENTS)
    return int(text)


def pupil_link(bot_username: str, code: str) -> str:
    """The link pupils open to ask to join the roster (handlers/class_join.py)."""
    return f"https://t.me/{bot_username}?start=class_{code}"


def group_link(bot_username: str, code: str) -> str:
    """The link that adds the bot to the class's Telegram group and binds it
    (handlers/class_groups.py)."""
    return f"https://t.me/{bot_username}?startgroup={code}"


# What /delete_me takes from a teacher's class (RegistrationService._erase_classes) and the
# class page's "erase my data" too: the teacher's details; the roster goes with them.
TEACHER_FIELDS = ("teacher_name", "country", "city", "school", "email", "phone")


def new_code() -> str:
    # 9 url-safe characters: unguessable enough for an invitation, short enough for a link
    # (Telegram allows 64 characters of start parameter, [A-Za-z0-9_-]).
    return secrets.token_urlsafe(7)[:9]


class ClassService:
    def __init__(self, session: AsyncSession, catalog: EventCatalog, clock: Clock) -> None:
        self.session = session
        self.catalog = catalog
        self.clock = clock

    def open_event(self, slug: str) -> Event:
        event = self.catalog.get(slug)
        if event is None:
            raise UnknownEvent()
        state = event.state(self.clock.now())
        if state is EventState.OVER:
            raise EventOver(event)
        if state is EventState.CLOSED:
            raise RegistrationClosed(event)
        return event

    def event_of(self, school_class: SchoolClass, slug_by_id: dict[int, str]) -> Event | None:
        return self.catalog.get(slug_by_id.get(school_class.event_id, ""))

    async def _event_row(self, slug: str) -> EventRow:
        row = await self.session.scalar(select(EventRow).where(EventRow.slug == slug))
        if row is None:
            raise UnknownEvent()
        return row

    async def create(
        self,
        *,
        teacher_id: int | None,
        slug: str,
        teacher: TeacherDetails,
        name: str,
        declared_size: int,
        students: Sequence[str],
        language: str,
        consent_at: Any,
        source: RegistrationSource = RegistrationSource.BOT,
    ) -> SchoolClass:
        self.open_event(slug)
        if not 1 <= len(students) <= MAX_STUDENTS:
            raise ClassError("class-roster-size", max=MAX_STUDENTS)
        now = self.clock.now()
        event_row = await self._event_row(slug)
        school_class = SchoolClass(
            code=new_code(),
            event_id=event_row.id,
            teacher_id=teacher_id,
            source=source,
            status=RegistrationStatus.ACTIVE,
            language=language,
            name=name,
            declared_size=declared_size,
            teacher_name=teacher.name,
            country=teacher.country,
            city=teacher.city,
            school=teacher.school,
            email=teacher.email,
            phone=teacher.phone or None,
            consent_at=consent_at,
            consent_version=CONSENT_VERSION,
            created_at=now,
            updated_at=now,
        )
        school_class.students = [
            ClassStudent(full_name=n, status=StudentStatus.ACTIVE, created_at=now) for n in students
        ]
        self.session.add(school_class)
        await self.session.commit()
        return school_class

    async def create_on_web(
        self,
        *,
        slug: str,
        teacher: TeacherDetails,
        name: str,
        declared_size: int,
        students: Sequence[str],
        language: str,
        consent_at: Any,
    ) -> tuple[SchoolClass, str]:
        """A class registered on the web page: no teacher's chat; the class page's token is
        returned once (only its hash is kept)."""
        school_class = await self.create(
            teacher_id=None,
            slug=slug,
            teacher=teacher,
            name=name,
            declared_size=declared_size,
            students=students,
            language=language,
            consent_at=consent_at,
            source=RegistrationSource.WEB,
        )
        return school_class, await self.issue_access_token(school_class)

    async def registered_on_web(self, slug: str, email: str, name: str) -> bool:
        """Whether this address registered a class of this name for the event on the web
        already (a form sent twice: the back button, a reload). Another class of the same
        teacher is welcome, as in the bot."""
        event_row = await self._event_row(slug)
        rows = await self.session.scalars(
            select(SchoolClass).where(
                SchoolClass.event_id == event_row.id,
                SchoolClass.source == RegistrationSource.WEB,
                SchoolClass.status == RegistrationStatus.ACTIVE,
            )
        )
        email_key, name_key = email.strip().casefold(), " ".join(name.split()).casefold()
        return any(
            (c.email or "").strip().casefold() == email_key and c.name.casefold() == name_key
            for c in rows
        )

    async def issue_access_token(self, school_class: SchoolClass) -> str:
        """A new class-page token, returned once; an earlier one stops working."""
        token = new_secret()
        school_class.access_token_hash = digest(token)
        await self._touch(school_class)
        return token

    async def by_token(self, token: str) -> SchoolClass | None:
        """The class whose page `token` opens (cancelled ones too: the page says so), or None:
        unknown or revoked."""
        if not token or len(token) > 128:
            return None
        school_class = await self.session.scalar(
            select(SchoolClass)
            .where(SchoolClass.access_token_hash == digest(token))
            .options(selectinload(SchoolClass.students))
        )
        if school_class is None or not matches(token, school_class.access_token_hash):
            return None
        return school_class

    async def check_editable(self, school_class: SchoolClass) -> None:
        """A class may change while it is active and registration is open (the bot's rule)."""
        if school_class.status != RegistrationStatus.ACTIVE:
            raise ClassError("class-not-found")
        self.open_event(await self.slug_of(school_class))

    async def of_teacher(self, teacher_id: int) -> list[SchoolClass]:
        rows = await self.session.execute(
            select(SchoolClass)
            .where(
                SchoolClass.teacher_id == teacher_id,
                SchoolClass.status == RegistrationStatus.ACTIVE,
            )
            .options(selectinload(SchoolClass.students))
            .order_by(SchoolClass.id)
        )
        return list(rows.scalars().all())

    async def by_code(self, code: str) -> SchoolClass | None:
        return await self.session.scalar(
            select(SchoolClass)
            .where(SchoolClass.code == code, SchoolClass.status == RegistrationStatus.ACTIVE)
            .options(selectinload(SchoolClass.students))
        )

    async def by_group(self, chat_id: int) -> SchoolClass | None:
        return await self.session.scalar(
            select(SchoolClass).where(
                SchoolClass.group_chat_id == chat_id,
                SchoolClass.status == RegistrationStatus.ACTIVE,
            )
        )

    async def slug_of(self, school_class: SchoolClass) -> str:
        row = await self.session.get(EventRow, school_class.event_id)
        return row.slug if row else ""

    async def editable(self, teacher_id: int, class_id: int) -> SchoolClass:
        """A class of this teacher that may still change (until the registration deadline)."""
        school_class = await self.session.get(
            SchoolClass, class_id, options=[selectinload(SchoolClass.students)]
        )
        if school_class is None or school_class.teacher_id != teacher_id:
            raise ClassError("class-not-found")
        await self.check_editable(school_class)
        return school_class

    def active_students(self, school_class: SchoolClass) -> list[ClassStudent]:
        return [s for s in school_class.students if s.status == StudentStatus.ACTIVE]

    async def rename(self, school_class: SchoolClass, name: str) -> None:
        school_class.name = name
        await self._touch(school_class)

    async def add_students(self, school_class: SchoolClass, names: Sequence[str]) -> int:
        existing = {s.full_name.casefold() for s in self.active_students(school_class)}
        new = [n for n in names if n.casefold() not in existing]
        if len(self.active_students(school_class)) + len(new) > MAX_STUDENTS:
            raise ClassError("class-roster-size", max=MAX_STUDENTS)
        now = self.clock.now()
        for name in new:
            school_class.students.append(
                ClassStudent(full_name=name, status=StudentStatus.ACTIVE, created_at=now)
            )
        await self._touch(school_class)
        return len(new)

    async def remove_student(self, school_class: SchoolClass, student_id: int) -> str:
        for student in list(school_class.students):
            if student.id == student_id:
                school_class.students.remove(student)
                await self._touch(school_class)
                return student.full_name
        raise ClassError("class-student-not-found")

    def _match_roster(
        self, school_class: SchoolClass, names: Sequence[str]
    ) -> tuple[list[ClassStudent | None], list[ClassStudent]]:
        """For each new name, the pupil in the list now who has it (one who joined by the link
        first: their chat stays tied to the name), or None; and the pupils left unmatched."""
        unmatched = sorted(self.active_students(school_class), key=lambda s: s.user_id is None)
        matched: list[ClassStudent | None] = []
        for name in names:
            key = roster_key(name)
            found = next((s for s in unmatched if roster_key(s.full_name) == key), None)
            if found is not None:
                unmatched.remove(found)
            matched.append(found)
        unmatched.sort(key=lambda s: s.id or 0)
        return matched, unmatched

    def roster_change(self, school_class: SchoolClass, names: Sequence[str]) -> RosterChange:
        """What `replace_roster` with these names would do; nothing is changed."""
        matched, unmatched = self._match_roster(school_class, names)
        joined = tuple((s.id, s.full_name) for s in unmatched if s.user_id is not None)
        return RosterChange(
            current=len(self.active_students(school_class)),
            added=tuple(n for n, s in zip(names, matched, strict=True) if s is None),
            removed=tuple(s.full_name for s in unmatched if s.user_id is None),
            joined_dropped=joined,
            pending=sum(1 for s in school_class.students if s.status == StudentStatus.PENDING),
            keep_fits=len(names) + len(joined) <= MAX_STUDENTS,
        )

    async def replace_roster(
        self, school_class: SchoolClass, names: Sequence[str], drop_joined: Collection[int] = ()
    ) -> int:
        """The roster becomes `names`, in their order; returns how many pupils it has.

        A pupil in the list now whose name is in the new roster keeps their link to their chat
        (`user_id`) and the date they were added. Pupils who joined by the link and were
        approved stay even when the new roster leaves them out (after the names), unless their
        id is in `drop_joined`: the teacher was shown they would go (`roster_change`). Requests
        still waiting stay waiting.

        Refused once the class's certificate is issued: a pupil's certificate number is their
        place in the list ("NP25-0042-K7QX/3"), printed already."""
        issued = await self.session.scalar(
            select(Certificate.id).where(Certificate.class_id == school_class.id)
        )
        if issued is not None:
            raise ClassError("classes-replace-certified")
        matched, unmatched = self._match_roster(school_class, names)
        kept = [s for s in unmatched if s.user_id is not None and s.id not in drop_joined]
        if not names or len(names) + len(kept) > MAX_STUDENTS:
            raise ClassError("class-roster-size", max=MAX_STUDENTS)
        now = self.clock.now()
        pending = [s for s in school_class.students if s.status == StudentStatus.PENDING]
        # New rows in the new order (the list is ordered by id), carrying over who is who.
        roster = [
            ClassStudent(
                full_name=name,
                status=StudentStatus.ACTIVE,
                user_id=old.user_id if old else None,
                created_at=old.created_at if old else now,
            )
            for name, old in zip(names, matched, strict=True)
        ] + [
            ClassStudent(
                full_name=s.full_name,
                status=StudentStatus.ACTIVE,
                user_id=s.user_id,
                created_at=s.created_at,
            )
            for s in kept
        ]
        school_class.students = pending + roster
        await self._touch(school_class)
        return len(roster)

    async def erase(self, school_class: SchoolClass) -> None:
        """The class page's "erase my data", by the rule of /delete_me for a teacher's classes
        (RegistrationService._erase_classes): the class is cancelled, the teacher's details and
        the whole roster (pending requests too) are gone, the group is unbound; and the page's
        token stops working. What stays is an anonymous count: the event, the class's name and
        declared size, the language, the dates."""
        now = self.clock.now()
        school_class.status = RegistrationStatus.CANCELLED
        school_class.cancelled_at = school_class.cancelled_at or now
        for name in TEACHER_FIELDS:
            setattr(school_class, name, None)
        school_class.group_chat_id = None
        school_class.access_token_hash = None
        school_class.students.clear()
        await self._touch(school_class)

    async def cancel(self, school_class: SchoolClass) -> None:
        school_class.status = RegistrationStatus.CANCELLED
        school_class.cancelled_at = self.clock.now()
        await self._touch(school_class)

    async def _touch(self, school_class: SchoolClass) -> None:
        school_class.updated_at = self.clock.now()
        await self.session.commit()

    # --- pupils joining by link ------------------------------------------------------------

    async def request_join(self, code: str, user_id: int, full_name: str) -> ClassStudent:
        school_class = await self.by_code(code)
        if school_class is None:
            raise ClassError("class-link-invalid")
        self.open_event(await self.slug_of(school_class))
        for student in school_class.students:
            if student.user_id == user_id:
                # A request still waiting is not a place in the list yet.
                waiting = student.status == StudentStatus.PENDING
                key = "class-join-waiting" if waiting else "class-join-already"
                raise ClassError(key, name=student.full_name)
        if len(self.active_students(school_class)) >= MAX_STUDENTS:
            raise ClassError("class-roster-size", max=MAX_STUDENTS)
        student = ClassStudent(
            full_name=full_name,
            status=StudentStatus.PENDING,
            user_id=user_id,
            created_at=self.clock.now(),
        )
        school_class.students.append(student)
        await self._touch(school_class)
        return student

    async def decide_join(self, teacher_id: int, student_id: int, approve: bool) -> JoinDecision:
        student = await self.session.get(ClassStudent, student_id)
        if student is None or student.status != StudentStatus.PENDING:
            raise ClassError("class-join-decided")
        school_class = await self.session.get(SchoolClass, student.class_id)
        if school_class is None or school_class.teacher_id != teacher_id:
            raise ClassError("class-not-found")
        decision = await self._decision(student, approve)
        if approve:
            student.status = StudentStatus.ACTIVE
        else:
            await self.session.delete(student)
        await self._touch(school_class)
        return decision

    async def decide_join_in_class(
        self, school_class: SchoolClass, student_id: int, approve: bool
    ) -> JoinDecision:
        """The same decision from the class page (a web class has no teacher's chat to ask):
        only a request of this class, and only once."""
        for student in list(school_class.students):
            if student.id == student_id and student.status == StudentStatus.PENDING:
                decision = await self._decision(student, approve)
                if approve:
                    student.status = StudentStatus.ACTIVE
                else:
                    school_class.students.remove(student)  # delete-orphan: the row goes
                await self._touch(school_class)
                return decision
        raise ClassError("class-join-decided")

    async def _decision(self, student: ClassStudent, approved: bool) -> JoinDecision:
        user_id = student.user_id
        pupil = await self.session.get(User, user_id) if user_id is not None else None
        return JoinDecision(
            user_id=user_id,
            name=student.full_name,
            approved=approved,
            language=pupil.language if pupil else None,
        )

    # --- the class's group -----------------------------------------------------------------

    async def bind_group(
        self, code: str, chat_id: int, title: str, by_user_id: int, by_group_admin: bool
    ) -> SchoolClass:
        school_class = await self.by_code(code)
        if school_class is None:
            raise ClassError("class-link-invalid")
        if by_user_id != school_class.teacher_id and not by_group_admin:
            raise ClassError("group-bind-not-allowed")
        school_class.group_chat_id = chat_id
        school_class.group_title = title
        school_class.bound_at = self.clock.now()
        await self._touch(school_class)
        return school_class

    async def unbind_group(self, chat_id: int) -> list[SchoolClass]:
        classes = list(
            (
                await self.session.execute(
                    select(SchoolClass).where(SchoolClass.group_chat_id == chat_id)
                )
            )
            .scalars()
            .all()
        )
        for school_class in classes:
            school_class.group_chat_id = None
            school_class.bound_at = None
            school_class.updated_at = self.clock.now()
        await self.session.commit()
        return classes

    async def migrate_group(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group that became a supergroup keeps its binding (Telegram's migrate_to_chat_id)."""
        for school_class in (
            (
                await self.session.execute(
                    select(SchoolClass).where(SchoolClass.group_chat_id == old_chat_id)
                )
            )
            .scalars()
            .all()
        ):
            school_class.group_chat_id = new_chat_id
            school_class.updated_at = self.clock.now()
        await self.session.commit()
