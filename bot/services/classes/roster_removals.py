"""A roster replacement that takes pupils off the list who joined by the link: they are told.

Such a pupil was told "✅ you are on the class list" when the teacher approved them; the
replacement preview warned the teacher that they would go (ClassService.roster_change). Without
a word from the bot, the pupil's last message would still say they are on the list. Both ways
of replacing a roster (/classes in the chat, the class page) use `replace_roster` here and then
tell each pupil in it as the teacher's decisions are told (handlers/class_join.py tell_pupil;
the page through bot/app.py ChatNotices.join_decided)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.services.classes.classes import ClassService, JoinDecision
from db.models import SchoolClass, StudentStatus, User


@dataclass(frozen=True)
class Replaced:
    count: int  # pupils on the new list
    removed: list[JoinDecision]  # pupils with a chat who are no longer on it, to be told


def _on_the_list(school_class: SchoolClass) -> dict[int, str]:
    """The pupils on the list who have a chat with the bot (they joined by the link)."""
    return {
        student.user_id: student.full_name
        for student in school_class.students
        if student.status == StudentStatus.ACTIVE and student.user_id is not None
    }


async def replace_roster(
    service: ClassService,
    school_class: SchoolClass,
    names: Sequence[str],
    drop_joined: Collection[int] = (),
) -> Replaced:
    """ClassService.replace_roster, and who of those who joined by the link it took off."""
    before = _on_the_list(school_class)
    count = await service.replace_roster(school_class, names, drop_joined=drop_joined)
    after = _on_the_list(school_class)
    removed = []
    for user_id, name in before.items():
        if user_id not in after:
            pupil = await service.session.get(User, user_id)
            language = pupil.language if pupil else None
            removed.append(JoinDecision(user_id, name, False, language, removed=True))
    return Replaced(count, removed)
