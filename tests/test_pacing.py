"""The paced sender and the bot's flood control against a virtual clock: rates, retry_after,
blocked users, errors, replies sharing the pace with bulk sends."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    SendMessage,
    TelegramMethod,
)

from bot.clock import FrozenClock
from bot.i18n import I18n
from bot.middlewares.flood_control import FloodControl
from bot.services.delivery.pacing import Outcome, PacedSender, Priority, RateLimiter, Stats
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, RecordingSession, Sent, catalog_of, make_event

METHOD = SendMessage(chat_id=1, text="x")
BOT = Bot("4242:TEST-token-for-tests")  # never connects: the requests go to a ScriptedApi
T = TypeVar("T")


class VirtualTime:
    """monotonic() and sleep() for the sender: nothing really waits. A sleeper is woken when
    every other task is blocked, in wake-time order, and the clock jumps to its wake time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sends: list[tuple[float, int]] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), future))
        await future

    async def run(self, coro: Awaitable[T]) -> T:
        task = asyncio.ensure_future(coro)
        while not task.done():
            for _ in range(20):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._sleepers and not task.done():
                wake, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake)
                future.set_result(None)
        return task.result()


def sender(vt: VirtualTime, rate: float = 10) -> PacedSender:
    return PacedSender(rate, monotonic=vt.monotonic, sleep=vt.sleep)


async def test_limiter_spaces_sends_at_the_rate() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(5, vt.monotonic, vt.sleep)
    times = []
    for _ in range(6):
        await vt.run(limiter.acquire())
        times.append(round(vt.now, 6))
    assert times == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


async def test_concurrent_senders_share_one_rate() -> None:
    vt = VirtualTime()
    s = sender(vt, rate=10)

    async def one(chat: int) -> None:
        async def call() -> bool:
            vt.sends.append((vt.now, chat))
            return True

        assert (await s.send(chat, call)).outcome is Outcome.SENT

    await vt.run(asyncio.gather(*(one(chat) for chat in range(1, 51))))
    times = sorted(t for t, _ in vt.sends)
    assert len(times) == 50
    # 50 messages at 10/s: 4.9 s from the first to the last, never two closer than 0.1 s.
    assert times[-1] - times[0] == pytest.approx(4.9)
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.1 - 1e-9


async def test_one_chat_gets_at_most_one_message_per_second_and_groups_three() -> None:
    vt = VirtualTime()
    s = sender(vt, rate=100)
    for chat in (7, 7, 7, -100, -100):

        async def call(chat: int = chat) -> bool:
            vt.sends.append((vt.now, chat))
            return True

        await vt.run(s.send(chat, call))
    private = [t for t, c in vt.sends if c == 7]
    group = [t for t, c in vt.sends if c == -100]
    assert private[1] - private[0] >= 1.0 and private[2] - private[1] >= 1.0
    assert group[1] - group[0] >= 3.0


async def test_retry_after_waits_and_sends_the_same_message_again() -> None:
    vt = VirtualTime()
    s = sender(vt)
    attempts = []

    async def call() -> str:
        attempts.append(vt.now)
        if len(attempts) == 1:
            raise TelegramRetryAfter(method=METHOD, message="Too Many Requests", retry_after=7)
        return "ok"

    result = await vt.run(s.send(1, call))
    assert result.outcome is Outcome.SENT and result.value == "ok"
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 7


async def test_retry_after_pauses_everyone() -> None:
    vt = VirtualTime()
    s = sender(vt, rate=100)
    first = True

    async def flood() -> bool:
        nonlocal first
        if first:
            first = False
            raise TelegramRetryAfter(method=METHOD, message="Too Many Requests", retry_after=5)
        return True

    await vt.run(s.send(1, flood))

    async def other() -> bool:
        vt.sends.append((vt.now, 2))
        return True

    await vt.run(s.send(2, other))
    assert vt.sends[0][0] >= 5


@pytest.mark.parametrize(
    "error",
    [
        TelegramForbiddenError(method=METHOD, message="Forbidden: bot was blocked by the user"),
        TelegramForbiddenError(method=METHOD, message="Forbidden: user is deactivated"),
        TelegramBadRequest(method=METHOD, message="Bad Request: chat not found"),
    ],
)
async def test_blocked_or_gone_is_unreachable_without_retry(error: Exception) -> None:
    vt = VirtualTime()
    calls = 0

    async def call() -> None:
        nonlocal calls
        calls += 1
        raise error

    result = await vt.run(sender(vt).send(1, call))
    assert result.outcome is Outcome.UNREACHABLE and calls == 1


async def test_network_errors_are_retried_then_failed() -> None:
    vt = VirtualTime()
    calls = 0

    async def call() -> None:
        nonlocal calls
        calls += 1
        raise TelegramNetworkError(method=METHOD, message="connection reset")

    result = await vt.run(sender(vt).send(1, call))
    assert result.outcome is Outcome.FAILED and calls == 3
    stats = Stats()
    stats.add(result)
    assert stats.failed == 1 and stats.errors == {"TelegramNetworkError": 1}


async def test_other_bad_requests_fail_once() -> None:
    vt = VirtualTime()
    calls = 0

    async def call() -> None:
        nonlocal calls
        calls += 1
        raise TelegramBadRequest(method=METHOD, message="Bad Request: can't parse entities")

    result = await vt.run(sender(vt).send(1, call))
    assert result.outcome is Outcome.FAILED and calls == 1
    assert result.error == "Bad Request: can't parse entities"


async def test_reminders_overtake_a_running_broadcast() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(10, vt.monotonic, vt.sleep)
    order: list[str] = []

    async def take(name: str, priority: int) -> None:
        await limiter.acquire(priority)
        order.append(name)

    async def scenario() -> None:
        broadcast = [asyncio.ensure_future(take(f"b{i}", Priority.BROADCAST)) for i in range(5)]
        await vt.sleep(0.15)  # two broadcast messages have gone; the reminder wave begins
        reminders = [asyncio.ensure_future(take(f"r{i}", Priority.REMINDER)) for i in range(2)]
        await asyncio.gather(*broadcast, *reminders)

    await vt.run(scenario())
    assert order == ["b0", "b1", "r0", "r1", "b2", "b3", "b4"]


async def test_a_pause_drops_the_slot_reserved_before_it() -> None:
    """bench/README.md, "A 429 at 25/s does not stay alone": the slot reserved before a 429 was
    given out when the pause ended, together with the next one, two messages at once."""
    vt = VirtualTime()
    limiter = RateLimiter(10, vt.monotonic, vt.sleep)
    times: list[float] = []

    async def take() -> None:
        await limiter.acquire()
        times.append(vt.now)

    async def flood_control_at(moment: float) -> None:
        await vt.sleep(moment)
        limiter.pause(1.0)

    # The first slot goes at 0; the pump has reserved 0.1 and sleeps when the 429 comes.
    await vt.run(asyncio.gather(*(take() for _ in range(5)), flood_control_at(0.05)))
    assert times[0] == 0.0
    after = times[1:]
    assert after[0] >= 1.05 - 1e-9
    # Once the pause is over, the pace again: never two messages closer than 1/rate.
    assert min(b - a for a, b in itertools.pairwise(after)) >= 0.1 - 1e-9


# --- FloodControl: the session middleware every request of the bot goes through ----------------


def refusal(method: TelegramMethod[Any], kind: str) -> Exception:
    if kind == "429":
        return TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=2)
    return TelegramBadRequest(method=method, message=f"Bad Request: {kind}")


class ScriptedApi:
    """The next step of the middleware chain: refuses the first requests as scripted, records
    when each request went out."""

    def __init__(self, vt: VirtualTime, refusals: list[str] | None = None) -> None:
        self.vt = vt
        self.refusals = list(refusals or [])
        self.requests: list[tuple[float, str]] = []

    async def __call__(self, bot: Any, method: TelegramMethod[Any]) -> Any:
        self.requests.append((self.vt.now, method.__api_method__))
        if self.refusals:
            raise refusal(method, self.refusals.pop(0))
        return "ok"


def flood_control(vt: VirtualTime, rate: float = 10, **kw: Any) -> FloodControl:
    return FloodControl(RateLimiter(rate, vt.monotonic, vt.sleep), sleep=vt.sleep, **kw)


async def test_a_reply_waits_out_flood_control_and_goes_again() -> None:
    vt = VirtualTime()
    control = flood_control(vt)
    api = ScriptedApi(vt, ["429", "429"])
    result = await vt.run(control(api, BOT, SendMessage(chat_id=1, text="x")))
    assert result == "ok"
    assert [t for t, _ in api.requests] == [0.0, 2.0, 4.0]


async def test_flood_control_gives_up_after_its_retries() -> None:
    vt = VirtualTime()
    control = flood_control(vt, max_retries=3)
    api = ScriptedApi(vt, ["429"] * 10)
    with pytest.raises(TelegramRetryAfter):
        await vt.run(control(api, BOT, SendMessage(chat_id=1, text="x")))
    assert len(api.requests) == 4


async def test_flood_control_gives_up_rather_than_wait_too_long() -> None:
    vt = VirtualTime()
    control = flood_control(vt, max_wait=3)
    api = ScriptedApi(vt, ["429", "429"])
    with pytest.raises(TelegramRetryAfter):
        await vt.run(control(api, BOT, SendMessage(chat_id=1, text="x")))
    assert len(api.requests) == 2 and vt.now == 2.0


@pytest.mark.parametrize(
    ("method", "kind"),
    [
        (EditMessageText(chat_id=1, message_id=2, text="x"), "message is not modified"),
        (EditMessageReplyMarkup(chat_id=1, message_id=2), "message is not modified"),
        (
            AnswerCallbackQuery(callback_query_id="q"),
            "query is too old and response timeout expired or query ID is invalid",
        ),
    ],
)
async def test_harmless_refusals_do_not_stop_a_handler(
    method: TelegramMethod[Any], kind: str
) -> None:
    vt = VirtualTime()
    api = ScriptedApi(vt, [kind])
    assert await vt.run(flood_control(vt)(api, BOT, method)) is True


async def test_other_refusals_reach_the_handler() -> None:
    vt = VirtualTime()
    api = ScriptedApi(vt, ["message is not modified"])
    with pytest.raises(TelegramBadRequest):
        await vt.run(flood_control(vt)(api, BOT, SendMessage(chat_id=1, text="x")))


async def test_replies_go_before_a_wave_and_share_its_pace() -> None:
    """One limiter for the bot's replies and the paced sender's wave: together within the rate,
    and a reply takes the next slot, ahead of the wave's messages already waiting."""
    vt = VirtualTime()
    control = flood_control(vt, rate=10)
    s = PacedSender(private_interval=0, limiter=control.limiter, sleep=vt.sleep)
    api = ScriptedApi(vt)
    sends: list[tuple[float, str]] = []

    async def wave_message(chat: int) -> None:
        async def call() -> str:
            # As the bot does: through the session, and so through the middleware.
            result = await control(api, BOT, SendMessage(chat_id=chat, text="wave"))
            sends.append((vt.now, "wave"))
            return str(result)

        assert (await s.send(chat, call)).outcome is Outcome.SENT

    async def reply_after(moment: float) -> None:
        await vt.sleep(moment)
        await control(api, BOT, SendMessage(chat_id=1, text="reply"))
        sends.append((vt.now, "reply"))

    await vt.run(asyncio.gather(*(wave_message(c) for c in range(100, 120)), reply_after(0.55)))
    times = [t for t, _ in sends]
    assert len(times) == 21
    assert min(b - a for a, b in itertools.pairwise(sorted(times))) >= 0.1 - 1e-9
    [reply_at] = [t for t, what in sends if what == "reply"]
    assert reply_at == pytest.approx(0.6)  # the very next slot
    # Each wave message went through the middleware once: paced once, not twice.
    assert len(api.requests) == 21 and times[-1] == pytest.approx(2.0)


async def test_the_paced_sender_retries_alone() -> None:
    """A 429 on a bulk send is the paced sender's to handle (it counts outcomes, gives up by its
    own rules): the middleware lets its requests through instead of retrying inside them."""
    vt = VirtualTime()
    control = flood_control(vt)
    # No retry at all after a 429: one request, and the sender's own verdict.
    s = PacedSender(limiter=control.limiter, sleep=vt.sleep, monotonic=vt.monotonic)
    s.max_retry_after = 0
    api = ScriptedApi(vt, ["429"])

    async def call() -> Any:
        return await control(api, BOT, SendMessage(chat_id=5, text="x"))

    result = await vt.run(s.send(5, call))
    assert result.outcome is Outcome.FAILED and result.error == "retry_after"
    assert len(api.requests) == 1


async def test_calls_that_are_not_messages_take_no_slot() -> None:
    vt = VirtualTime()
    control = flood_control(vt, rate=1)
    api = ScriptedApi(vt)
    for _ in range(5):
        await vt.run(control(api, BOT, AnswerCallbackQuery(callback_query_id="q")))
        await vt.run(control(api, BOT, GetMe()))
    assert vt.now == 0.0 and len(api.requests) == 10


class StallingTime(VirtualTime):
    """A machine so busy that one wake-up comes `stall` seconds late."""

    def __init__(self, stall_on: int, stall: float) -> None:
        super().__init__()
        self.stall_on, self.stall, self.sleeps = stall_on, stall, 0

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        await super().sleep(seconds + (self.stall if self.sleeps == self.stall_on else 0.0))


async def test_a_slot_missed_by_a_late_wake_up_is_not_sent_with_the_next() -> None:
    """The pace holds when the requests leave: a slot given out after a stall would leave
    together with the next one."""
    vt = StallingTime(stall_on=2, stall=0.35)  # the slot at 0.2 is woken at 0.55
    limiter = RateLimiter(10, vt.monotonic, vt.sleep)
    times: list[float] = []

    async def take() -> None:
        await limiter.acquire()
        times.append(vt.now)

    await vt.run(asyncio.gather(*(take() for _ in range(8))))
    assert len(times) == 8
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.1 - 1e-9


# --- Through the dispatcher: a reply lost after all does not stop what the handler does ------

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)


class RefusingSession(RecordingSession):
    """Telegram refusing one message with flood control every time it is sent: the bot's
    retries run out."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        if isinstance(method, SendMessage) and method.text == self.text:
            refused = TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=0)
            self.sent.append(Sent(method, refused))
            raise refused
        return await super().make_request(bot, method, timeout)


async def test_a_lost_setlink_confirmation_does_not_stop_the_new_link_going_out(
    tmp_path: Path,
) -> None:
    clock = FrozenClock(START - timedelta(days=10))
    event = make_event(starts_at=START, meeting={"link": "https://voov.example/j/old"})
    session = RefusingSession(I18n()("ru")("admin-link-saved"))
    harness = BotHarness(tmp_path, clock, catalog_of(event), session=session)
    await harness.start()
    try:
        participant = harness.user(1)
        await register(participant)
        clock.set(START - timedelta(minutes=10))
        await harness.reminders.run_due()  # the participant has the old link
        org = harness.user(ORGANIZER_ID, "ru")
        await org.send("/setlink")
        await org.send("https://voov.example/j/new")
        await org.send("987 654 321")
        await org.click("Пропустить")
        mark = len(participant.texts())
        await org.click("Подтвердить")
        # The confirmation went four times (once and three retries), refused every time...
        refused = [s for s in session.sent if getattr(s.method, "text", None) == session.text]
        assert len(refused) == 4
        # ...and the correction the handler starts went out all the same.
        while harness.reminders._tasks:
            await asyncio.gather(*list(harness.reminders._tasks))
        assert any("https://voov.example/j/new" in t for t in participant.texts()[mark:])
    finally:
        await harness.close()
