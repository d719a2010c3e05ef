"""A command ends any organizer dialogue that waits for typed input.

An organizer who starts something (an answer to edit on a /find card, a new link, a broadcast, a
person to add...) and then sends another command has moved on. Without this rule the dialogue
would stay open, and a text typed much later ("Новая Фамилия", meant for something else) would
be saved as the answer still waited for. So a command, or a button of the /admin menu (each is
a command), sent in an organizer dialogue's state clears that state, says in a line that the
unfinished action was dropped, and then runs as usual. /cancel is left to its own handlers,
which clear the state and say so (handlers/common.py, handlers/admin/team.py).

The rule sits in an outer middleware of the organizer console's router (handlers/admin), so it
runs before any command handler is chosen, and it also resets the state the filters of the
later handlers read (`raw_state`). A participant's registration form is not an organizer
dialogue: /help and /contacts in the middle of it answer and resume the form
(handlers/common.py)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove, TelegramObject

from bot.i18n import Translator
from handlers.admin.callbacks import AdminMenuCb

ADMIN_PACKAGE = "handlers.admin"
# Commands that end a dialogue themselves, with their own words.
SELF_ENDING = frozenset({"cancel"})

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def admin_dialogue_states(package: str = ADMIN_PACKAGE) -> frozenset[str]:
    """Every state of every StatesGroup declared in the organizer console's modules: a dialogue
    added later is covered without being listed anywhere."""
    found: set[str] = set()
    root = importlib.import_module(package)
    for info in pkgutil.iter_modules(root.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, StatesGroup)
                and value.__module__ == module.__name__
            ):
                found.update(state.state for state in value.__all_states__ if state.state)
    return frozenset(found)


def command_name(text: str | None) -> str | None:
    """ "/stats@bot now" → "stats"; None for a text that is not a command."""
    if not text or not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""


def _is_menu_button(data: str | None) -> bool:
    prefix = AdminMenuCb.__prefix__ + AdminMenuCb.__separator__
    return bool(data and data.startswith(prefix))


class CommandEndsDialogue(BaseMiddleware):
    """Outer middleware for messages and callback queries of the console's router."""

    def __init__(self, states: frozenset[str]) -> None:
        self.states = states

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if data.get("raw_state") in self.states and self._moves_on(event):
            state: FSMContext | None = data.get("state")
            if state is not None:
                await state.clear()
                data["raw_state"] = None  # what the later handlers' state filters read
                await self._tell(event, data)
        return await handler(event, data)

    @staticmethod
    def _moves_on(event: TelegramObject) -> bool:
        if isinstance(event, Message):
            name = command_name(event.text)
            return name is not None and name not in SELF_ENDING
        if isinstance(event, CallbackQuery):
            return _is_menu_button(event.data)
        return False

    @staticmethod
    async def _tell(event: TelegramObject, data: dict[str, Any]) -> None:
        t: Translator | None = data.get("t")
        bot: Bot | None = data.get("bot")
        if t is None or bot is None:
            return
        chat_id = event.chat.id if isinstance(event, Message) else None
        if isinstance(event, CallbackQuery):
            chat_id = event.from_user.id
        if chat_id is not None:
            # The dialogue may have shown a reply keyboard (/team's person picker): it goes too.
            await bot.send_message(
                chat_id, t("dialogue-dropped"), reply_markup=ReplyKeyboardRemove()
            )
