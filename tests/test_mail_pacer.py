"""The e-mail pace against a virtual clock (nothing really waits): EMAIL_RATE, a slower pace
per Chinese mailbox provider that does not hold up the others, and EMAIL_DAILY_LIMIT over any
24 hours."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.services.delivery.limiter import Priority
from bot.services.delivery.mail.pacer import DailyLimitReached, MailPacer, provider
from tests.test_pacing import VirtualTime

REPO = Path(__file__).resolve().parent.parent
WALL = datetime(2025, 9, 2, 7, 0, tzinfo=UTC)


def pacer(vt: VirtualTime, rate: float = 10, **options: object) -> MailPacer:
    return MailPacer(rate, monotonic=vt.monotonic, sleep=vt.sleep, **options)  # type: ignore[arg-type]


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 9) for a, b in itertools.pairwise(sorted(times))]


async def test_the_rate_holds_for_concurrent_senders() -> None:
    vt = VirtualTime()
    p = pacer(vt, rate=20)
    sent: list[float] = []

    async def one(n: int) -> None:
        await p.acquire(f"user{n}@example.com")
        sent.append(vt.now)

    await vt.run(asyncio.gather(*(one(n) for n in range(60))))
    assert len(sent) == 60
    assert max(sent) - min(sent) == pytest.approx(59 / 20)
    assert min(gaps(sent)) >= 1 / 20 - 1e-9


async def test_slow_providers_get_a_share_without_holding_up_the_others() -> None:
    vt = VirtualTime()
    p = pacer(vt, rate=10, slow_share=0.2)  # 10/s overall, 2/s to each slow provider
    addresses = (
        [f"{n}@qq.com" for n in range(6)]
        + [f"{n}@FOXMAIL.com" for n in range(2)]  # Tencent's too: the same pace as qq.com
        + [f"{n}@163.com" for n in range(4)]
        + [f"user{n}@example.com" for n in range(30)]
    )
    sent: dict[str, list[float]] = {}

    async def one(address: str) -> None:
        await p.acquire(address)
        sent.setdefault(provider(address) or "other", []).append(vt.now)

    await vt.run(asyncio.gather(*(one(a) for a in addresses)))
    assert min(gaps(sent["tencent"])) >= 0.5 - 1e-9 and len(sent["tencent"]) == 8
    assert min(gaps(sent["netease"])) >= 0.5 - 1e-9
    everything = [t for times in sent.values() for t in times]
    assert min(gaps(everything)) >= 0.1 - 1e-9
    # 42 messages at 10/s: the slow ones fit between the others, nothing waits for them.
    assert max(everything) == pytest.approx(4.1)


async def test_the_daily_limit_counts_any_24_hours() -> None:
    vt = VirtualTime()
    wall = [WALL]
    p = pacer(vt, rate=100, daily_limit=3, now=lambda: wall[0])
    p.remember_sent([WALL - timedelta(hours=23), WALL - timedelta(days=2)])  # from the ledger
    assert p.sent_today() == 1
    await vt.run(p.acquire("a@example.com"))
    await vt.run(p.acquire("b@example.com"))
    with pytest.raises(DailyLimitReached) as reached:
        await vt.run(p.acquire("c@example.com"))
    assert reached.value.resume_at == WALL + timedelta(hours=1)
    wall[0] = WALL + timedelta(hours=1)  # the one from yesterday leaves the window
    await vt.run(p.acquire("c@example.com"))
    assert p.sent_today() == 3


async def test_a_sender_cancelled_while_waiting_gives_its_place_back() -> None:
    vt = VirtualTime()
    p = pacer(vt, rate=1, daily_limit=2, now=lambda: WALL)
    await vt.run(p.acquire("a@example.com"))
    waiting = asyncio.ensure_future(p.acquire("b@example.com"))
    await asyncio.sleep(0)
    assert p.sent_today() == 2  # its place is taken while it waits
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert p.sent_today() == 1
    await vt.run(p.acquire("c@example.com"))


async def test_reminders_go_before_broadcasts() -> None:
    vt = VirtualTime()
    p = pacer(vt, rate=1)
    order: list[str] = []

    async def one(name: str, priority: int) -> None:
        await p.acquire(f"{name}@example.com", priority)
        order.append(name)

    await vt.run(
        asyncio.gather(
            one("news1", Priority.BROADCAST),
            one("news2", Priority.BROADCAST),
            one("reminder", Priority.REMINDER),
        )
    )
    assert order == ["reminder", "news1", "news2"]


def test_estimate_for_a_wave() -> None:
    p = MailPacer(10, slow_share=0.2)
    assert p.estimate_seconds(f"{n}@example.com" for n in range(100)) == pytest.approx(10)
    mixed = [f"{n}@qq.com" for n in range(30)] + [f"{n}@example.com" for n in range(10)]
    assert p.estimate_seconds(mixed) == pytest.approx(15)  # 30 at 2/s to Tencent


def test_providers() -> None:
    assert provider("12345@QQ.com") == provider("x@vip.qq.com") == "tencent"
    assert provider("x@126.com") == provider("x@yeah.net") == "netease"
    assert provider("x@sina.com") == "sina"
    assert provider("x@example.com") is provider("x@notqq.com") is None
    with pytest.raises(ValueError):
        MailPacer(10, slow_share=0)


def test_the_mail_package_stands_without_telegram_and_the_web() -> None:
    """bot/services/delivery/mail sits at the bottom layer: it imports neither aiogram nor the
    web (a fresh interpreter, since this one has imported everything)."""
    code = (
        "import sys\n"
        "import bot.services.delivery.mail.transport, bot.services.delivery.mail.pacer\n"
        "import bot.services.delivery.mail.message, bot.services.delivery.mail.body\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'aiogram', 'aiohttp', 'web', 'handlers', 'jinja2'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
