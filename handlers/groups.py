"""Chats other than a private one, and the user blocking or unblocking the bot."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter, Command
from aiogram.types import ChatMemberUpdated, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from db.models import User
from db.repositories import UserRepository


async def _private_link(bot: Bot, t: Translator) -> InlineKeyboardMarkup:
    me = await bot.me()
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn-open-private"), url=f"https://t.me/{me.username}?start=group")
    return kb.as_markup()


async def on_group_command(message: Message, bot: Bot, t: Translator) -> None:
    # Registration asks for personal data: it happens in a private chat, not in front of a group.
    await message.reply(t("group-write-private"), reply_markup=await _private_link(bot, t))


async def on_blocked(update: ChatMemberUpdated, session: AsyncSession, clock: Clock) -> None:
    await UserRepository(session).mark_unreachable(update.from_user.id, clock.now())
    await session.commit()


async def on_unblocked(
    update: ChatMemberUpdated, session: AsyncSession, clock: Clock, user: User | None
) -> None:
    if user is not None and not user.is_reachable:
        await UserRepository(session).mark_reachable(user, clock.now())
        await session.commit()


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(
        on_group_command, F.chat.type.in_({"group", "supergroup"}), Command("start", "help")
    )
    router.my_chat_member.register(
        on_blocked, F.chat.type == "private", ChatMemberUpdatedFilter(member_status_changed=KICKED)
    )
    router.my_chat_member.register(
        on_unblocked,
        F.chat.type == "private",
        ChatMemberUpdatedFilter(member_status_changed=MEMBER),
    )
    return router
