"""A class's Telegram group: bound with the teacher's link (t.me/<bot>?startgroup=<code>),
which makes Telegram post "/start <code>" in the group from whoever added the bot. Only the
teacher or a group admin may bind. Removing the bot ends the binding and tells the teacher,
whose chat gets the class's messages until a group is bound again; a group upgraded to a
supergroup keeps its binding."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import (
    IS_MEMBER,
    IS_NOT_MEMBER,
    ChatMemberUpdatedFilter,
    CommandObject,
    CommandStart,
)
from aiogram.types import ChatMemberUpdated, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import I18n
from bot.services.classes.classes import ClassError, ClassService
from bot.services.events.catalog import EventCatalog
from bot.services.reminders.class_chats import unbound_notice
from db.models import SchoolClass, User

log = logging.getLogger(__name__)
GROUPS = {"group", "supergroup"}


async def _is_group_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError as exc:
        log.warning("could not check admin rights in %s: %s", chat_id, exc)
        return False
    return member.status in {"creator", "administrator"}


async def _teacher_language(session: AsyncSession, i18n: I18n, school_class: SchoolClass) -> str:
    teacher = await session.get(User, school_class.teacher_id) if school_class.teacher_id else None
    return teacher.language if teacher else school_class.language


async def on_group_start(
    message: Message,
    command: CommandObject,
    bot: Bot,
    i18n: I18n,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    assert message.from_user is not None
    service = ClassService(session, catalog, clock)
    code = command.args or ""
    school_class = await service.by_code(code)
    t = i18n(message.from_user.language_code)
    if school_class is None:
        await message.reply(t("class-link-invalid"))
        return
    admin = message.from_user.id != school_class.teacher_id and await _is_group_admin(
        bot, message.chat.id, message.from_user.id
    )
    try:
        await service.bind_group(
            code, message.chat.id, message.chat.title or "", message.from_user.id, admin
        )
    except ClassError as problem:
        await message.reply(t(problem.key))
        return
    tt = i18n(await _teacher_language(session, i18n, school_class))
    # Confirmed in the group in the teacher's language: the class reads what its teacher reads.
    await message.answer(tt("group-bound", class_name=escape(school_class.name)))
    if school_class.teacher_id and school_class.teacher_id != message.from_user.id:
        await bot.send_message(
            school_class.teacher_id,
            tt(
                "group-bound-teacher",
                class_name=escape(school_class.name),
                group=escape(message.chat.title or ""),
            ),
        )


async def on_removed(
    update: ChatMemberUpdated,
    bot: Bot,
    i18n: I18n,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    for school_class in await ClassService(session, catalog, clock).unbind_group(update.chat.id):
        if school_class.teacher_id is None:
            continue
        tt = i18n(await _teacher_language(session, i18n, school_class))
        try:
            # Where the class's reminders and link go from now on: the teacher's chat.
            await bot.send_message(
                school_class.teacher_id,
                unbound_notice(tt, school_class.name, update.chat.title or ""),
            )
        except TelegramAPIError as exc:
            log.warning("could not tell teacher %s: %s", school_class.teacher_id, exc)


async def on_migrated(
    message: Message, session: AsyncSession, catalog: EventCatalog, clock: Clock
) -> None:
    assert message.migrate_to_chat_id is not None
    await ClassService(session, catalog, clock).migrate_group(
        message.chat.id, message.migrate_to_chat_id
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_migrated, F.migrate_to_chat_id)
    router.message.register(on_group_start, F.chat.type.in_(GROUPS), CommandStart(deep_link=True))
    router.my_chat_member.register(
        on_removed,
        F.chat.type.in_(GROUPS),
        ChatMemberUpdatedFilter(member_status_changed=IS_MEMBER >> IS_NOT_MEMBER),
    )
    return router
