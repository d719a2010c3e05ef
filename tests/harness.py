"""Test harness: the real dispatcher from bot.factory, a real SQLite database, and a recording
Bot session instead of Telegram. Users are simulated by FakeUser, which sends messages and taps
buttons found in what the bot actually sent."""

from __future__ import annotations

import atexit
import functools
import itertools
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetChatMember,
    GetFile,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import (
    CallbackQuery,
    Chat,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberMember,
    ChatMemberUpdated,
    Contact,
    Document,
    File,
    InlineKeyboardMarkup,
    Message,
    MessageId,
    PhotoSize,
    ReplyKeyboardMarkup,
    Sticker,
    Update,
)
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import FrozenClock
from bot.factory import create_bot, create_dispatcher, create_services
from bot.i18n import I18n
from bot.middlewares.flood_control import FloodControl
from bot.services.delivery.pacing import PacedSender, RateLimiter
from bot.services.events.catalog import EventCatalog, parse_events
from bot.services.registration.registrations import sync_events
from bot.settings import Settings
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from handlers import build_root_router

BOT_USER = TgUser(id=4242, is_bot=True, first_name="Victory bot", username="victory_test_bot")
TOKEN = "4242:TEST-token-for-tests"
ORGANIZER_ID = 9000  # in ADMIN_IDS of every harness unless a test says otherwise


@dataclass
class Sent:
    """One request the bot made, with the message Telegram would have returned."""

    method: TelegramMethod[Any]
    result: Any


class RecordingSession(BaseSession):
    """Answers Bot API calls locally as Telegram would, and records them."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []
        self._ids = itertools.count(1000)
        # Method class -> exception to raise on its next call (Telegram refusing something).
        self.failures: dict[type[TelegramMethod[Any]], Exception] = {}
        # Chat id -> exceptions for its next requests, in order (a blocked user, a 429...).
        self.chat_failures: dict[int, list[Exception]] = {}
        # Files users "sent": file_id -> bytes, served to bot.download().
        self.files: dict[str, bytes] = {}
        # Group chat id -> user ids that are admins there (getChatMember).
        self.group_admins: dict[int, set[int]] = {}
        # Called after each answered request: lets a test act at an exact point of a wave.
        self.on_request: Callable[[TelegramMethod[Any]], None] | None = None

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        failure = self.failures.pop(type(method), None)
        chat_id = getattr(method, "chat_id", None)
        if failure is None and isinstance(chat_id, int) and self.chat_failures.get(chat_id):
            failure = self.chat_failures[chat_id].pop(0)
        if failure is not None:
            self.sent.append(Sent(method, failure))
            raise failure
        result = self._result(method)
        self.sent.append(Sent(method, result))
        if self.on_request is not None:
            self.on_request(method)
        return result

    def _result(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(method, SendPhoto):
            return Message(
                message_id=next(self._ids),
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                from_user=BOT_USER,
                caption=method.caption,
                photo=[PhotoSize(file_id="photo", file_unique_id="photo", width=1, height=1)],
            )
        if isinstance(method, SendDocument):
            return Message(
                message_id=next(self._ids),
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                from_user=BOT_USER,
                caption=method.caption,
                document=Document(file_id="doc", file_unique_id="doc"),
            )
        if isinstance(method, SendMessage):
            markup = (
                method.reply_markup
                if isinstance(method.reply_markup, InlineKeyboardMarkup)
                else None
            )
            return Message(
                message_id=next(self._ids),
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                from_user=BOT_USER,
                text=method.text,
                reply_markup=markup,
            )
        if isinstance(method, EditMessageText):
            return Message(
                message_id=method.message_id or 0,
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id or 0), type="private"),
                text=method.text,
            )
        if isinstance(method, GetFile):
            return File(
                file_id=method.file_id, file_unique_id=method.file_id, file_path=method.file_id
            )
        if isinstance(method, GetChatMember):
            if method.user_id in self.group_admins.get(int(method.chat_id), set()):
                # model_construct: the rights flags grow with every Bot API version.
                return ChatMemberAdministrator.model_construct(
                    status="administrator",
                    user=TgUser(id=method.user_id, is_bot=False, first_name="Admin"),
                )
            return ChatMemberMember(user=TgUser(id=method.user_id, is_bot=False, first_name="M"))
        if isinstance(method, CopyMessage):
            return MessageId(message_id=next(self._ids))
        if isinstance(method, (AnswerCallbackQuery, EditMessageReplyMarkup)):
            return True
        # setMyCommands, deleteWebhook, ...: True is what Telegram answers.
        return True

    async def close(self) -> None:
        return None

    async def stream_content(self, url: str, *args: Any, **kwargs: Any) -> Any:
        """Downloads: the bytes a test uploaded with `files[file_id] = ...`."""
        data = self.files[url.rsplit("/", 1)[-1]]
        yield data


class MigratedTemplate:
    """An SQLite database migrated to the head once per test process: every harness starts
    from a copy of the file (a fraction of a millisecond) instead of running each migration
    again (about 80 ms, Alembic included). tests/test_storage.py still migrates step by step."""

    def __init__(self) -> None:
        self._path: Path | None = None

    async def copy_to(self, path: Path) -> None:
        if self._path is None:
            self._path = await self._migrate()
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._path, path)

    @staticmethod
    async def _migrate() -> Path:
        directory = Path(tempfile.mkdtemp(prefix="bot-template-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        path = directory / "template.sqlite3"
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        # Closing the last connection checkpoints the WAL into the file: the file is whole.
        assert not path.with_name(path.name + "-wal").exists(), "the template's WAL remained"
        return path


# One per process (pytest-xdist workers each have their own).
MIGRATED_SQLITE = MigratedTemplate()


async def migrated_sqlite_url(path: Path) -> str:
    """The URL of a new SQLite database at `path`, at the newest migration."""
    await MIGRATED_SQLITE.copy_to(path)
    return f"sqlite+aiosqlite:///{path}"


class RouterLender:
    """The handlers' router trees (handlers.build_root_router), each lent to one dispatcher at a
    time. Building a tree takes about 80 ms (39 routers and 1,500 handler objects, each of
    which aiogram inspects): a quarter of the in-process tests' CPU when every test built its
    own. A tree holds no state (the dispatcher carries the storage, the services and the
    middlewares that do), so a harness takes the one the last closed harness gave back; a test
    with two dispatchers at once (replicas) gets a second tree."""

    def __init__(self) -> None:
        self._free: list[Router] = []

    def lend(self) -> Router:
        return self._free.pop() if self._free else build_root_router()

    def give_back(self, dp: Dispatcher, tree: Router) -> None:
        if tree.parent_router is not dp:
            return  # taken out of this dispatcher by the test: not ours to reuse
        dp.sub_routers.remove(tree)
        # aiogram has no way to detach a router: include_router refuses one that has a parent.
        tree._parent_router = None
        self._free.append(tree)


# One per process, as the template above.
ROUTERS = RouterLender()


class CompiledTemplates(jinja2.BytecodeCache):
    """The pages' templates compiled once per test process, for every web app the tests build
    (create_web_app's compiled_templates): compiling them took about 0.3 s an app. Keyed by
    Jinja2 on each template's name and source, so a changed template is compiled anew."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


@functools.cache
def shared_i18n() -> I18n:
    """The translations, parsed once per test process (about 70 ms a time): nothing in them
    changes after loading, so every harness can share them."""
    return I18n()


def make_event(
    slug: str = "victory-2025",
    *,
    starts_at: datetime = datetime(2025, 9, 3, 7, 0, tzinfo=UTC),
    duration: timedelta = timedelta(hours=3),
    deadline: datetime | None = None,
    fmt: str = "hybrid",
    **extra: Any,
) -> dict[str, Any]:
    """A raw [[events]] table, as it would come out of events.toml."""
    raw: dict[str, Any] = {
        "slug": slug,
        "title": {"ru": f"Конференция «{slug}»", "zh": f"“{slug}”会议"},
        "description": {"ru": "Описание мероприятия", "zh": "活动简介"},
        "starts_at": starts_at,
        "ends_at": starts_at + duration,
        "format": fmt,
        "contacts": {"email": "commonwin@bk.ru", "phone": "+79769738539"},
        "reminders": ["1d", "1h", "10m"],
    }
    if fmt != "online":
        raw["venue"] = {"ru": "Москва, Дом дружбы", "zh": "莫斯科友谊之家"}
    if deadline is not None:
        raw["registration_deadline"] = deadline
    raw.update(extra)
    return raw


def catalog_of(*events: dict[str, Any]) -> EventCatalog:
    return parse_events({"events": list(events)})


class BotHarness:
    def __init__(
        self,
        tmp_path: Path,
        clock: FrozenClock,
        catalog: EventCatalog,
        admin_ids: frozenset[int] = frozenset({ORGANIZER_ID}),
        database_url: str | None = None,
        flood_control: FloodControl | None = None,
        session: RecordingSession | None = None,
    ) -> None:
        self.clock = clock
        self.catalog = catalog
        # Without a URL: SQLite in tmp_path, a copy of the migrated template made by start().
        self._sqlite_path = None if database_url else tmp_path / "bot.sqlite3"
        self.settings = Settings(
            bot_token=TOKEN,  # type: ignore[arg-type]
            database_url=database_url or f"sqlite+aiosqlite:///{self._sqlite_path}",
            admin_ids=admin_ids,
            _env_file=None,  # type: ignore[call-arg]
        )
        self.i18n = shared_i18n()
        self.session = session or RecordingSession()
        # A fast pace, shared by replies and the paced sender as in production: tests check
        # what is sent, bench/ measures the pace.
        self.flood_control = flood_control or FloodControl(RateLimiter(10_000))
        self.bot = create_bot(self.settings, session=self.session, flood_control=self.flood_control)
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self.engine: AsyncEngine
        self.session_factory: async_sessionmaker[AsyncSession]
        self.dp: Dispatcher

    async def start(self) -> None:
        # A database left by an earlier harness on the same tmp_path is kept (a restart).
        path = self._sqlite_path
        fresh = path is not None and not path.exists()
        if path is not None and fresh:
            await MIGRATED_SQLITE.copy_to(path)
        self.engine = create_engine(self.settings.database_url)
        if not fresh:
            await upgrade(self.engine)
        self.session_factory = create_session_factory(self.engine)
        async with self.session_factory() as session:
            await sync_events(session, self.catalog, self.clock)
        self.sender = PacedSender(
            private_interval=0, group_interval=0, limiter=self.flood_control.limiter
        )
        self._handlers = ROUTERS.lend()
        services = create_services(
            bot=self.bot,
            session_factory=self.session_factory,
            catalog=self.catalog,
            clock=self.clock,
            i18n=self.i18n,
            sender=self.sender,
        )
        self.reminders = services.reminders
        self.broadcasts = services.broadcasts
        self.certificates = services.certificates
        self.dp = create_dispatcher(
            settings=self.settings,
            session_factory=self.session_factory,
            catalog=self.catalog,
            clock=self.clock,
            i18n=self.i18n,
            reminders=self.reminders,
            broadcasts=self.broadcasts,
            certificates=self.certificates,
            handlers=self._handlers,
        )
        self._handler_dp = self.dp  # a test may put another dispatcher in self.dp

    async def close(self) -> None:
        # Waves and broadcasts a test started may still be running: let them finish with the
        # database before it goes (else a connection is left to the garbage collector).
        await self.reminders.stop()
        await self.broadcasts.stop()
        await self.certificates.stop()
        await self.engine.dispose()
        ROUTERS.give_back(self._handler_dp, self._handlers)

    def user(self, user_id: int = 1001, language_code: str | None = "ru", **kw: Any) -> FakeUser:
        return FakeUser(
            self,
            TgUser(
                id=user_id,
                is_bot=False,
                first_name=kw.get("first_name", "Иван"),
                language_code=language_code,
            ),
        )

    async def feed(self, **update: Any) -> None:
        await self.dp.feed_update(self.bot, Update(update_id=next(self._update_ids), **update))

    def next_message_id(self) -> int:
        return next(self._message_ids)


@dataclass
class FakeUser:
    harness: BotHarness
    tg: TgUser
    query_ids: set[str] = field(default_factory=set)

    @property
    def id(self) -> int:
        return self.tg.id

    def _chat(self) -> Chat:
        return Chat(id=self.id, type="private", first_name=self.tg.first_name)

    def _message(self, **content: Any) -> Message:
        return Message(
            message_id=self.harness.next_message_id(),
            date=datetime.now(UTC),
            chat=self._chat(),
            from_user=self.tg,
            **content,
        )

    async def _feed_message(self, **content: Any) -> list[Sent]:
        start = len(self.harness.session.sent)
        await self.harness.feed(message=self._message(**content))
        return self.harness.session.sent[start:]

    async def send(self, text: str) -> list[Sent]:
        return await self._feed_message(text=text)

    async def send_sticker(self) -> list[Sent]:
        sticker = Sticker(
            file_id="s1",
            file_unique_id="u1",
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
        )
        return await self._feed_message(sticker=sticker)

    async def send_photo(self) -> list[Sent]:
        return await self._feed_message(
            photo=[PhotoSize(file_id="p", file_unique_id="p", width=1, height=1)]
        )

    async def send_document(self, filename: str, data: bytes) -> list[Sent]:
        file_id = f"file{self.harness.next_message_id()}"
        self.harness.session.files[file_id] = data
        document = Document(
            file_id=file_id, file_unique_id=file_id, file_name=filename, file_size=len(data)
        )
        return await self._feed_message(document=document)

    async def send_in_group(self, chat_id: int, text: str, title: str = "8 Б") -> list[Sent]:
        start = len(self.harness.session.sent)
        message = Message(
            message_id=self.harness.next_message_id(),
            date=datetime.now(UTC),
            chat=Chat(id=chat_id, type="supergroup", title=title),
            from_user=self.tg,
            text=text,
        )
        await self.harness.feed(message=message)
        return self.harness.session.sent[start:]

    async def send_contact(self, phone: str, owner_id: int | None = None) -> list[Sent]:
        contact = Contact(phone_number=phone, first_name="Иван", user_id=owner_id or self.id)
        return await self._feed_message(contact=contact)

    async def press(self, callback_data: str, message_id: int = 1, text: str = "…") -> list[Sent]:
        """Tap a button with the given callback data (it may be stale or forged)."""
        start = len(self.harness.session.sent)
        query_id = f"q{self.harness.next_message_id()}"
        self.query_ids.add(query_id)
        query = CallbackQuery(
            id=query_id,
            from_user=self.tg,
            chat_instance="test",
            data=callback_data,
            message=Message(
                message_id=message_id,
                date=datetime.now(UTC),
                chat=self._chat(),
                from_user=BOT_USER,
                text=text,
            ),
        )
        await self.harness.feed(callback_query=query)
        return self.harness.session.sent[start:]

    async def click(self, label: str) -> list[Sent]:
        """Tap the newest button whose text contains `label`, in messages sent to this user."""
        for sent in reversed(self.messages()):
            markup = sent.method.reply_markup
            if isinstance(markup, InlineKeyboardMarkup):
                for row in markup.inline_keyboard:
                    for button in row:
                        if label in button.text and button.callback_data:
                            return await self.press(
                                button.callback_data, sent.result.message_id, sent.method.text
                            )
        raise AssertionError(f"no button {label!r}; last texts: {self.texts()[-3:]}")

    def reply_keyboard(self) -> ReplyKeyboardMarkup | None:
        for sent in reversed(self.messages()):
            if isinstance(sent.method.reply_markup, ReplyKeyboardMarkup):
                return sent.method.reply_markup
        return None

    async def set_blocked(self, blocked: bool) -> None:
        old = (
            ChatMemberMember(user=BOT_USER)
            if blocked
            else ChatMemberBanned(user=BOT_USER, until_date=0)
        )
        new = (
            ChatMemberBanned(user=BOT_USER, until_date=0)
            if blocked
            else ChatMemberMember(user=BOT_USER)
        )
        await self.harness.feed(
            my_chat_member=ChatMemberUpdated(
                chat=self._chat(),
                from_user=self.tg,
                date=datetime.now(UTC),
                old_chat_member=old,
                new_chat_member=new,
            )
        )

    def messages(self) -> list[Sent]:
        return [
            s
            for s in self.harness.session.sent
            if isinstance(s.method, SendMessage)
            and int(s.method.chat_id) == self.id
            and not isinstance(s.result, Exception)  # refused: the user never saw it
        ]

    def texts(self) -> list[str]:
        return [s.method.text for s in self.messages()]

    def last(self) -> str:
        texts = self.texts()
        return texts[-1] if texts else ""

    def all_visible_text(self) -> list[str]:
        """Everything this user saw: messages, edits, button labels, callback notices."""
        out: list[str] = []
        for s in self.harness.session.sent:
            m = s.method
            if isinstance(m, SendMessage) and int(m.chat_id) == self.id:
                out.append(m.text)
                out.extend(_labels(m.reply_markup))
            elif isinstance(m, EditMessageText) and int(m.chat_id or 0) == self.id:
                out.append(m.text)
            elif isinstance(m, AnswerCallbackQuery) and m.callback_query_id in self.query_ids:
                out.append(m.text or "")
        return out


def _labels(markup: Any) -> list[str]:
    rows: list[list[Any]] = []
    if isinstance(markup, InlineKeyboardMarkup):
        rows = markup.inline_keyboard
    elif isinstance(markup, ReplyKeyboardMarkup):
        rows = markup.keyboard
    return [b.text for row in rows for b in row]


def strip_tags(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)
