"""Random updates through the real dispatcher, with Telegram refusing some requests.

A few dozen simulated users (Russian, Chinese, English and unknown Telegram languages) send a few
thousand random updates: texts, commands, documents, stickers, photos, contacts, presses of the
buttons the bot really sent them, forged button data (someone else's, altered, or a known
kind with made-up values) and double taps. Two users in three mostly go on with the form they
are in, so that registrations and classes get completed and their later buttons are pressed;
late in the run the event starts (check-in). The recording session answers some requests with
flood control (429), some edits with "message is not modified" and some callback answers with
"query is too old" (every second answer to one query, as Telegram does). Checked:

- every message in a private chat gets at least one message that arrives;
- every button press gets an answer that arrives (or a message), unless Telegram refused the
  answer itself;
- no handler fails (no "update ... failed" in the log, no apology sent);
- a forged check-in button never checks a class in for someone who is not its teacher;
- together, the messages keep the rate (one limiter for replies and bulk sends);
- the same seed gives the same run: the same requests in the same order.

On the code before issue 11 it found: replies and apologies lost to 429 (a TelegramRetryAfter
escaping the error handler), KeyError 'answers' on a forged or stale clx: button, and forged
chk:<event>:<class> presses checking a class in.

Flood control waits on a virtual clock (FloodControl and its RateLimiter take monotonic and
sleep), so retry_after costs no real time: the test takes a few seconds per run."""

from __future__ import annotations

import asyncio
import logging
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.middlewares.flood_control import FloodControl, is_message
from bot.services.delivery.pacing import RateLimiter
from db.models import Registration, SchoolClass
from tests.conftest import BEFORE_EVENT
from tests.harness import (
    BotHarness,
    FakeUser,
    RecordingSession,
    Sent,
    catalog_of,
    make_event,
    shared_i18n,
)

SEED = 20251130
USERS = 36
UPDATES = 2400
EVENT_ON_AT = UPDATES * 3 // 4  # from this update on, the event is on (check-in)
RATE = 30.0  # messages per second, in virtual time

# Shares of requests Telegram refuses.
FLOOD_SHARE = 0.06
NOT_MODIFIED_SHARE = 0.3
TOO_OLD_SHARE = 0.03

COMMANDS = [
    "/start",
    "/me",
    "/link",
    "/edit",
    "/reminders",
    "/class",
    "/classes",
    "/certificate",
    "/verify",
    "/unregister",
    "/language",
    "/contacts",
    "/help",
    "/cancel",
    "/delete_me",
    "/admin",
    "/stats",
    "/broadcast",
    "/setlink",
    "/foo",
]
TEXTS = (
    "Иванов Иван Иванович",
    "李明",
    "王 小 明",
    "Smith John",
    "ivanov@example.com",
    "not-an-email",
    "Москва",
    "哈尔滨",
    "Школа № 1",
    "哈尔滨第一中学",
    "+7 900 123-45-67",
    "да",
    "нет",
    "是",
    "<b>жирный</b> & <script>",
    "Память о войне в семейных письмах",
    "a",
    "🙂",
    "x" * 300,
    "/verify ПБ-2025-0001",
    "Россия",
    "中国",
    "Китай",
    "Pupil One\nPupil Two\nPupil Three",
)


# The share of steps in which a user goes on with the form they are in (else anything): two
# users in three mostly do, so that registrations and classes are completed and their later
# buttons pressed; the others mostly do anything.
DILIGENT_SHARE = (0.15, 0.85, 0.85)
# Answers to the form's text steps, by the name of the step's state.
ANSWERS = {
    "full_name": ["Иванов Иван Иванович", "李明", "王 小明", "Smith John"],
    "teacher_name": ["Петрова Анна Сергеевна", "张伟"],
    "name": ["Сидоров Пётр", "刘洋"],
    "country": ["Россия", "中国", "Беларусь"],
    "city": ["Москва", "哈尔滨", "Минск"],
    "organization": ["Школа № 1", "哈尔滨第一中学"],
    "school": ["Гимназия № 5", "北京第二中学"],
    "talk_topic": ["Память о войне в семейных письмах", "家书中的战争记忆"],
    "email": ["ivanov@example.com", "li.ming@example.cn"],
    "phone": ["+7 900 123-45-67", "+86 138 0013 8000"],
    "class_name": ["5 А", "八年级二班"],
    "size": ["25", "3"],
    "rename": ["6 Б"],
    "comment": ["Спасибо!", "谢谢"],
    "number": ["ПБ-2025-0001"],
}


class JumpingTime:
    """monotonic() and sleep() for flood control: a sleep returns at once and moves the clock
    on, so waiting out a 429 or a slot costs no real time."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


class FlakySession(RecordingSession):
    """Telegram on a busy day. A refused request is refused at most twice in a row, so the
    bot's retries (three) always get through; a second answer to one query is always refused."""

    def __init__(self, rng: random.Random, time: JumpingTime) -> None:
        super().__init__()
        self.rng = rng
        self.time = time
        self.answered_queries: set[str] = set()
        self.injected_too_old: set[str] = set()
        self.floods: dict[int, tuple[TelegramMethod[Any], int]] = {}
        self.message_times: list[float] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        refusal = self._refusal(method)
        if refusal is not None:
            self.sent.append(Sent(method, refusal))
            raise refusal
        if is_message(method):
            self.message_times.append(self.time.now)
        return await super().make_request(bot, method, timeout)

    def _refusal(self, method: TelegramMethod[Any]) -> Exception | None:
        floods = self.floods.get(id(method), (method, 0))[1]
        if floods < 2 and self.rng.random() < FLOOD_SHARE:
            self.floods[id(method)] = (method, floods + 1)  # the method kept: its id stays its
            return TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=1)
        edit = method.__api_method__.startswith("editMessage")
        if edit and self.rng.random() < NOT_MODIFIED_SHARE:
            return TelegramBadRequest(
                method=method,
                message="Bad Request: message is not modified: specified new message content "
                "and reply markup are exactly the same",
            )
        if isinstance(method, AnswerCallbackQuery):
            query = method.callback_query_id
            again = query in self.answered_queries
            self.answered_queries.add(query)
            if again or self.rng.random() < TOO_OLD_SHARE:
                if not again:
                    self.injected_too_old.add(query)
                return TelegramBadRequest(
                    method=method,
                    message="Bad Request: query is too old and response timeout expired or "
                    "query ID is invalid",
                )
        return None


@dataclass
class Step:
    """One update fed, and the requests the bot made while handling it."""

    user: int
    kind: str
    detail: str
    requests: list[Sent]
    query_id: str | None = None


Button = tuple[str, str, int, str]


def inline_buttons(inbox: list[Sent]) -> list[list[Button]]:
    """(label, callback data, message id, text) of the inline buttons of each message that
    reached the user (their `inbox`), oldest first."""
    out = []
    for sent in inbox:
        markup = sent.method.reply_markup
        if isinstance(markup, InlineKeyboardMarkup):
            out.append(
                [
                    (b.text, b.callback_data, sent.result.message_id, sent.method.text)
                    for row in markup.inline_keyboard
                    for b in row
                    if b.callback_data
                ]
            )
    return [buttons for buttons in out if buttons]


def callback_kinds() -> list[type[CallbackData]]:
    """Every kind of button data the bot knows, by prefix."""
    kinds: dict[str, type[CallbackData]] = {}
    pending = list(CallbackData.__subclasses__())
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        kinds[kind.__prefix__] = kind
    return [kinds[prefix] for prefix in sorted(kinds)]


def plausible(rng: random.Random, kind: type[CallbackData], words: list[str]) -> str:
    """Button data of a kind the bot knows, with made-up values of the right types."""
    values: dict[str, Any] = {}
    for name, field in kind.model_fields.items():
        if field.annotation is int:
            values[name] = rng.randint(0, 6)
        elif field.annotation is bool:
            values[name] = rng.random() < 0.5
        else:
            values[name] = rng.choice(words)
    return kind(**values).pack()


def forged(
    rng: random.Random, own: list[str], everyone: list[str], kinds: list[type[CallbackData]]
) -> str:
    """Button data this user was never sent: someone else's, one of theirs with a part
    changed, a known kind with made-up values, or garbage."""
    roll = rng.random()
    if everyone and roll < 0.25:
        return rng.choice(everyone)
    if own and roll < 0.5:
        parts = rng.choice(own).split(":")
        parts[rng.randrange(len(parts))] = rng.choice(
            [str(rng.randint(-5, 99_999)), "victory-2025", "other-event", "", "x" * 20, "0"]
        )
        return ":".join(parts)[:64]
    if roll < 0.9:
        words = sorted({part for data in everyone for part in data.split(":")[1:] if part})
        return plausible(rng, rng.choice(kinds), words or ["victory-2025"])
    return rng.choice(["", ":", "x" * 64, "chk", "menu:", "ev:🙂", "reg:victory-2025:extra"])


def roster_file(rng: random.Random, valid: bool = False) -> tuple[str, bytes]:
    if valid or rng.random() < 0.5:
        names = "\n".join(f"Ученик {i} Иванович" for i in range(rng.randint(1, 5)))
        return rng.choice(["roster.csv", "roster.txt"]), ("ФИО\n" + names).encode()
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
    return rng.choice(["roster.xlsx", "photo.jpg", "a.pdf", "noext"]), junk


class Fuzzer:
    def __init__(self, harness: BotHarness, rng: random.Random) -> None:
        self.h = harness
        self.rng = rng
        languages = ["ru", "zh", "en", None]
        self.users = [
            harness.user(70_001 + i, languages[i % len(languages)], first_name=f"U{i}")
            for i in range(USERS)
        ]
        self.steps: list[Step] = []
        self.last_press: dict[int, tuple[str, int, str]] = {}
        self.kinds = callback_kinds()
        self._seen: list[str] = []
        self._scanned = 0
        self._inboxes: dict[int, list[Sent]] = {}
        self._sorted = 0

    def inbox(self, user: FakeUser) -> list[Sent]:
        """The messages that reached the user (FakeUser.messages()), sorted into per-user lists
        as the requests come: scanning every request again at every step made the run
        quadratic, a sixth of its time."""
        sent = self.h.session.sent
        for s in sent[self._sorted :]:
            if isinstance(s.method, SendMessage) and not isinstance(s.result, Exception):
                self._inboxes.setdefault(int(s.method.chat_id), []).append(s)
        self._sorted = len(sent)
        return self._inboxes.get(user.id, [])

    def reply_keyboard(self, user: FakeUser) -> ReplyKeyboardMarkup | None:
        """FakeUser.reply_keyboard() from the user's inbox."""
        for sent in reversed(self.inbox(user)):
            if isinstance(sent.method.reply_markup, ReplyKeyboardMarkup):
                return sent.method.reply_markup
        return None

    def everyone(self) -> list[str]:
        """Button data the bot sent to anybody so far."""
        sent = self.h.session.sent
        for s in sent[self._scanned :]:
            markup = getattr(s.method, "reply_markup", None)
            if isinstance(markup, InlineKeyboardMarkup):
                self._seen.extend(
                    b.callback_data
                    for row in markup.inline_keyboard
                    for b in row
                    if b.callback_data
                )
        self._scanned = len(sent)
        return self._seen

    async def feed(self, user: FakeUser, kind: str, detail: str, act: Callable[[], Any]) -> None:
        start = len(self.h.session.sent)
        query_ids = set(user.query_ids)
        await act()
        new_query = next(iter(user.query_ids - query_ids), None)
        self.steps.append(
            Step(user.id, kind, detail, self.h.session.sent[start:], query_id=new_query)
        )

    async def press(self, user: FakeUser, data: str, message_id: int, text: str, kind: str) -> None:
        self.last_press[user.id] = (data, message_id, text)
        await self.feed(user, kind, data, lambda: user.press(data, message_id, text))

    async def state(self, user: FakeUser) -> str:
        """The user's form step, e.g. "RegistrationForm:email" ("" outside any form)."""
        key = StorageKey(bot_id=self.h.bot.id, chat_id=user.id, user_id=user.id)
        return await self.h.dp.storage.get_state(key) or ""

    async def diligent(self, user: FakeUser, keyboards: list[list[Button]]) -> None:
        """What a person filling in the form would do next: the answer the current step asks
        for, or one of the newest buttons; without either, /start."""
        rng = self.rng
        field = (await self.state(user)).rpartition(":")[2]
        if field in ANSWERS:
            text = rng.choice(ANSWERS[field])
            await self.feed(user, "answer", f"{field}: {text[:20]}", lambda: user.send(text))
        elif field in {"roster", "add", "replace"}:
            name, data = roster_file(rng, valid=True)
            await self.feed(user, "answer", name, lambda: user.send_document(name, data))
        elif keyboards and (field or rng.random() < 0.6):
            # Mostly the first button: "Register", "I agree", "Confirm" come first.
            buttons = keyboards[-1]
            button = buttons[0] if rng.random() < 0.6 else rng.choice(buttons)
            _, data, message_id, text = button
            await self.press(user, data, message_id, text, "button")
        else:
            await self.feed(user, "command", "/start", lambda: user.send("/start"))

    async def step(self) -> None:
        rng, user = self.rng, self.rng.choice(self.users)
        keyboards = inline_buttons(self.inbox(user))
        if rng.random() < DILIGENT_SHARE[user.id % len(DILIGENT_SHARE)]:
            await self.diligent(user, keyboards)
            return
        roll = rng.random()
        if roll < 0.35 and keyboards:
            # Mostly the newest buttons, as people do; sometimes an old message's.
            buttons = keyboards[-1] if rng.random() < 0.75 else rng.choice(keyboards)
            _, data, message_id, text = rng.choice(buttons)
            await self.press(user, data, message_id, text, "button")
        elif roll < 0.42 and user.id in self.last_press:
            data, message_id, text = self.last_press[user.id]
            await self.press(user, data, message_id, text, "double tap")
        elif roll < 0.50:
            own = [b[1] for buttons in keyboards for b in buttons]
            data = forged(rng, own, self.everyone(), self.kinds)
            await self.press(user, data, rng.randint(1, 5000), "…", "forged")
        elif roll < 0.58 and (keyboard := self.reply_keyboard(user)) is not None:
            labels = [b.text for row in keyboard.keyboard for b in row]
            label = rng.choice(labels)
            await self.feed(user, "reply button", label, lambda: user.send(label))
        elif roll < 0.72:
            command = rng.choice(COMMANDS)
            await self.feed(user, "command", command, lambda: user.send(command))
        elif roll < 0.88:
            text = rng.choice(TEXTS)
            await self.feed(user, "text", text[:20], lambda: user.send(text))
        elif roll < 0.93:
            name, data = roster_file(rng)
            await self.feed(user, "document", name, lambda: user.send_document(name, data))
        elif roll < 0.96:
            await self.feed(user, "sticker", "", user.send_sticker)
        elif roll < 0.98:
            await self.feed(user, "photo", "", user.send_photo)
        else:
            owner = user.id if rng.random() < 0.7 else user.id + 1
            await self.feed(
                user, "contact", str(owner), lambda: user.send_contact("+79001234567", owner)
            )


def signature(sent: Sent) -> tuple[Any, ...]:
    """What identifies a request across runs (no dates, no file bytes)."""
    m = sent.method
    markup = getattr(m, "reply_markup", None)
    buttons: list[str] = []
    if isinstance(markup, InlineKeyboardMarkup):
        buttons = [str(b.callback_data or b.url) for row in markup.inline_keyboard for b in row]
    elif isinstance(markup, ReplyKeyboardMarkup):
        buttons = [b.text for row in markup.keyboard for b in row]
    return (
        m.__api_method__,
        getattr(m, "chat_id", None),
        getattr(m, "text", None) or getattr(m, "caption", None),
        getattr(m, "callback_query_id", None),
        tuple(buttons),
        type(sent.result).__name__ if isinstance(sent.result, Exception) else "ok",
    )


def arrived(sent: Sent) -> bool:
    return not isinstance(sent.result, Exception)


@dataclass
class Run:
    steps: list[Step]
    requests: list[Sent]
    message_times: list[float]
    injected_too_old: set[str]
    failures: list[str]
    apology: str
    counts: dict[str, int]
    teachers: dict[int, int | None]  # class id -> its teacher


async def database_facts(harness: BotHarness) -> tuple[dict[str, int], dict[int, int | None]]:
    """How far the users got (registrations, classes), and each class's teacher."""
    async with harness.session_factory() as session:
        counts = {
            "registrations": await session.scalar(select(func.count()).select_from(Registration)),
            "classes": await session.scalar(select(func.count()).select_from(SchoolClass)),
        }
        teachers = dict(
            (await session.execute(select(SchoolClass.id, SchoolClass.teacher_id))).all()
        )
    return {k: int(v or 0) for k, v in counts.items()}, teachers


async def fuzz(
    tmp_path: Path, seed: int, caplog: pytest.LogCaptureFixture, updates: int = UPDATES
) -> Run:
    rng = random.Random(seed)
    # The bot's own randomness (class join codes, certificate numbers) from the seed too.
    bot_rng = random.Random(seed + 1)
    time = JumpingTime()
    session = FlakySession(random.Random(seed + 2), time)
    control = FloodControl(
        RateLimiter(RATE, time.monotonic, time.sleep), sleep=time.sleep, max_wait=30
    )
    clock = FrozenClock(BEFORE_EVENT)
    event = make_event()
    harness = BotHarness(tmp_path, clock, catalog_of(event), flood_control=control, session=session)
    await harness.start()
    caplog.clear()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(
                "secrets.token_urlsafe",
                lambda n=16: "".join(bot_rng.choices(string.ascii_letters, k=n + n // 3)),
            )
            patch.setattr("secrets.choice", bot_rng.choice)
            fuzzer = Fuzzer(harness, rng)
            for i in range(updates):
                if i == EVENT_ON_AT:
                    # The event is on: check-in buttons, "we are starting", certificates later.
                    clock.set(event["starts_at"] + timedelta(minutes=20))
                await fuzzer.step()
        counts, teachers = await database_facts(harness)
    finally:
        await harness.close()
    failures = [
        failure(r, fuzzer.steps)
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith(("handlers", "aiogram", "bot"))
    ]
    return Run(
        fuzzer.steps,
        list(session.sent),
        session.message_times,
        session.injected_too_old,
        failures,
        shared_i18n()("ru")("err-unexpected"),
        counts,
        teachers,
    )


def failure(record: logging.LogRecord, steps: list[Step]) -> str:
    """The log line, its exception and the update that caused it (update ids count from 1)."""
    text = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        text += f": {record.exc_info[1]!r}"
    if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], int):
        index = record.args[0] - 1
        if 0 <= index < len(steps):
            step = steps[index]
            text += f" ({step.kind} {step.detail!r} from {step.user})"
    return text


def unanswered(run: Run) -> list[str]:
    """Updates after which nothing reached the person: for a message, no message to the chat;
    for a button, neither the button's answer nor a message (a new one or an edited text)."""
    missing = []
    for step in run.steps:
        said = [
            s
            for s in step.requests
            if getattr(s.method, "chat_id", None) == step.user
            and is_message(s.method)
            and not isinstance(s.method, EditMessageReplyMarkup)  # buttons taken off: silent
            and arrived(s)
        ]
        answered = any(
            isinstance(s.method, AnswerCallbackQuery)
            and s.method.callback_query_id == step.query_id
            and arrived(s)
            for s in step.requests
        )
        # Telegram refusing the answer itself (injected "too old"): nothing could arrive.
        refused = step.query_id in run.injected_too_old
        if not (said or answered or refused):
            missing.append(f"{step.kind} {step.detail!r} from {step.user}")
    return missing


def forged_check_ins(run: Run) -> list[str]:
    """Forged "I'm here" presses for a class (chk:<event>:<class>) that checked the class in,
    pressed by someone who is not its teacher (in a private chat: not from its group)."""
    i18n = shared_i18n()
    done = {i18n(lang)("checkin-done") for lang in ("ru", "zh")}
    wrong = []
    for step in run.steps:
        parts = step.detail.split(":")
        if step.kind != "forged" or parts[0] != "chk" or len(parts) < 3:
            continue
        if not parts[2].isdigit() or int(parts[2]) == 0:
            continue
        texts = {getattr(s.method, "text", None) for s in step.requests if arrived(s)}
        if texts & done and run.teachers.get(int(parts[2])) != step.user:
            wrong.append(f"{step.detail!r} from {step.user}")
    return wrong


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    most, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def test_random_updates_under_flood_control(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    run = await fuzz(tmp_path / "first", SEED, caplog)
    kinds = {
        kind: sum(1 for s in run.steps if s.kind == kind) for kind in {s.kind for s in run.steps}
    }
    refused = [s for s in run.requests if not arrived(s)]
    print(
        f"{len(run.steps)} updates {kinds}, {run.counts}; "
        f"{len(run.requests)} requests, {len(refused)} refused; "
        f"busiest second: {busiest_second(run.message_times)} messages (rate {RATE:g})"
    )
    assert len(run.steps) == UPDATES
    assert any(isinstance(s.result, TelegramRetryAfter) for s in refused)

    assert not run.failures, "\n".join(run.failures[:20])
    apologies = [s for s in run.requests if getattr(s.method, "text", None) == run.apology]
    assert not apologies, f"{len(apologies)} apologies"
    missing = unanswered(run)
    assert not missing, f"{len(missing)} updates without an answer: {missing[:10]}"
    forged = forged_check_ins(run)
    assert not forged, f"forged check-in buttons that acted: {forged}"
    # One limiter for everything the bot sends: the rate holds (+1: a window starting on a
    # slot holds both ends).
    assert busiest_second(run.message_times) <= RATE + 1

    # The same seed, the same run: a shorter one makes the same requests as the start of this.
    again = await fuzz(tmp_path / "second", SEED, caplog, updates=UPDATES // 4)
    prefix = [signature(s) for s in again.requests]
    assert prefix == [signature(s) for s in run.requests[: len(prefix)]]
