"""The web page under load: form submissions and personal-page views per second, with p50/p99
latency, at 100 concurrent clients, against `python -m bot run` on SQLite (the web page alone:
no BOT_TOKEN), and a bare aiohttp "hello" handler in another process as the baseline.

    .venv/bin/python bench/web.py [--clients 100] [--submissions 1000] [--views 3000]

Everything runs on 127.0.0.1; nothing goes out. The bot process gets WEB_RATE_LIMIT=100000: all
the load comes from one address, and the default (30 form posts a minute) would answer 429 to
nearly all of it. Goals (exit status 1 when one is missed): a form submission's p99 under
100 ms, and the personal page at least 0.3 of the bare handler's requests per second.

See bench/README.md for what the figures mean."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import multiprocessing
import os
import re
import secrets
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.loop import loop_factory  # noqa: E402

SLUG = "bench-web"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
WELCOME = re.compile(r"/me/([\w-]+)\?welcome=1")
STARTUP_TIMEOUT = 60.0
# Goals of issue 12.
SUBMIT_P99_GOAL = 0.100  # seconds
VIEW_RATIO_GOAL = 0.3  # personal-page requests/s over the bare handler's
WARM_UP = 20  # submissions and views before each measured run, not counted


def events_toml(now: datetime) -> str:
    starts = (now + timedelta(days=30)).replace(second=0, microsecond=0)
    return f"""
[[events]]
slug = "{SLUG}"
format = "hybrid"
starts_at = {starts.isoformat()}
ends_at = {(starts + timedelta(hours=3)).isoformat()}
reminders = ["1d"]

[events.title]
ru = "Нагрузочная конференция"
zh = "负载测试会议"

[events.description]
ru = "Описание"
zh = "简介"

[events.venue]
ru = "Москва"
zh = "莫斯科"

[events.contacts]
email = "org@example.com"
"""


def answers(n: int) -> dict[str, str]:
    """A valid form (the hybrid event's), with an address of its own."""
    return {
        "full_name": "Иванова Мария Петровна",
        "country": "RU" if n % 2 else "CN",
        "country_other": "",
        "city": "Харбин",
        "organization": "Школа № 5",
        "role": "teacher",
        "participation_format": "online" if n % 3 else "offline",
        "wants_to_speak": "no",
        "talk_topic": "",
        "email": f"bench{n}@example.org",
        "phone": "",
        "consent": "yes",
        "homepage": "",
    }


# --- the servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(workdir: Path, port: int, loop: str) -> dict[str, str]:
    # The settings are all given here, so no .env of the developer changes what is measured.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(
            ("BOT_", "TELEGRAM_", "DATABASE_", "EVENTS_", "ADMIN_", "REDIS_", "WEB_", "PUBLIC_URL")
        )
    }
    env.update(
        BOT_TOKEN="",  # the web page alone
        DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}",
        EVENTS_FILE=str(workdir / "events.toml"),
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(port),
        WEB_SECRET=secrets.token_urlsafe(24),
        # All the clients share 127.0.0.1: the per-address limit is raised out of the way.
        WEB_RATE_LIMIT="100000",
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
        EVENT_LOOP=loop,
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass(frozen=True)
class Server:
    url: str
    pid: int | None


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time a process has used so far (Linux /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def bot_process(workdir: Path, loop: str) -> AsyncIterator[Server]:
    """`python -m bot run` serving the pages; yields their base address once they answer."""
    port = free_port()
    (workdir / "events.toml").write_text(events_toml(datetime.now(UTC)), encoding="utf-8")
    log_path = workdir / "bot.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=REPO,
            env=bot_env(workdir, port, loop),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_until_up(f"{base}/healthz", lambda: proc.returncode is None)
        yield Server(base, proc.pid)
    except BaseException:
        print(log_path.read_text(encoding="utf-8", errors="replace")[-4000:], file=sys.stderr)
        raise
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="hello")


def serve_hello(port: int, loop: str) -> None:
    """The baseline: aiohttp with one handler and nothing else, in its own process, on the
    event loop the bot runs on (bot/loop.py)."""
    from bot.loop import loop_factory

    app = web.Application()
    app.router.add_get("/", hello)
    factory = loop_factory(loop)
    web.run_app(
        app,
        host="127.0.0.1",
        port=port,
        access_log=None,
        print=None,
        loop=factory() if factory else None,
    )


@contextlib.asynccontextmanager
async def hello_process(loop: str) -> AsyncIterator[Server]:
    port = free_port()
    proc = multiprocessing.get_context("spawn").Process(target=serve_hello, args=(port, loop))
    proc.start()
    try:
        await wait_until_up(f"http://127.0.0.1:{port}/", proc.is_alive)
        yield Server(f"http://127.0.0.1:{port}/", proc.pid)
    finally:
        proc.terminate()
        proc.join(10)


async def wait_until_up(url: str, alive: Callable[[], bool]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    async with aiohttp.ClientSession() as http:
        while True:
            if not alive():
                raise RuntimeError(f"the server of {url} exited")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {STARTUP_TIMEOUT} s")
            await asyncio.sleep(0.2)


# --- the load ------------------------------------------------------------------------------------


@dataclass
class Run:
    """One measured run: every request's latency (s) and the wall time."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    server_cpu: float | None = None  # seconds of the server process's CPU during the run

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    @property
    def cpu_each(self) -> float | None:
        """The server's CPU time per request (its threads on both cores included)."""
        if self.server_cpu is None or not self.latencies:
            return None
        return self.server_cpu / len(self.latencies)


@dataclass
class Submissions:
    page: Run = field(default_factory=Run)  # GET /e/<slug> for the CSRF cookie and token
    post: Run = field(default_factory=Run)  # POST /e/<slug>: the submission itself
    tokens: list[str] = field(default_factory=list)
    wall: float = 0.0
    server_cpu: float | None = None

    @property
    def per_second(self) -> float:
        return len(self.post.latencies) / self.wall if self.wall else 0.0


async def timed(run: Run | None, request: Awaitable[aiohttp.ClientResponse]) -> tuple[int, str]:
    """Status and body of a request, its latency (to the whole body) added to `run`."""
    started = time.perf_counter()
    async with await request as response:
        body = await response.text()
        location = response.headers.get("Location", "")
    if run is not None:
        run.latencies.append(time.perf_counter() - started)
    return response.status, location or body


async def submit(http: aiohttp.ClientSession, base: str, n: int, into: Submissions | None) -> str:
    """A visitor's registration: the event page (a new browser: no cookie yet), then the form;
    returns the personal page's token from the redirect."""
    headers = {"Accept-Language": "zh-CN,zh" if n % 2 else "ru-RU,ru"}
    started = time.perf_counter()
    async with http.get(f"{base}/e/{SLUG}", headers=headers) as response:
        page = await response.text()
        csrf = response.cookies.get("csrf")
    if into is not None:
        into.page.latencies.append(time.perf_counter() - started)
    found = CSRF.search(page)
    if response.status != 200 or found is None or csrf is None:
        raise RuntimeError(f"the event page answered {response.status} without a form")
    data = {"csrf_token": found.group(1), **answers(n)}
    status, location = await timed(
        into.post if into else None,
        http.post(
            f"{base}/e/{SLUG}",
            data=data,
            headers=headers,
            cookies={"csrf": csrf.value},
            allow_redirects=False,
        ),
    )
    token = WELCOME.fullmatch(location)
    if status != 303 or token is None:
        raise RuntimeError(f"a submission answered {status}: {location[:300]}")
    return token.group(1)


async def in_parallel(
    clients: int, count: int, deadline: float, job: Callable[[int], Awaitable[None]]
) -> float:
    """`count` jobs by `clients` workers, each taking the next number; the wall time. Stops
    taking new jobs at `deadline` (time.monotonic)."""
    numbers = iter(range(count))

    async def worker() -> None:
        for n in numbers:
            if time.monotonic() > deadline:
                return
            await job(n)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - started


def client(clients: int) -> aiohttp.ClientSession:
    # Cookies are handled per request: every submission is a new browser with a key of its own.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=clients),
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=60),
    )


def cpu_used(pid: int | None, before: float | None) -> float | None:
    after = cpu_seconds(pid)
    return None if before is None or after is None else after - before


async def run_submissions(server: Server, clients: int, count: int, seconds: float) -> Submissions:
    base = server.url
    numbers = itertools.count()
    async with client(clients) as http:
        for _ in range(WARM_UP):
            await submit(http, base, next(numbers), None)
        result = Submissions()

        async def job(_: int) -> None:
            result.tokens.append(await submit(http, base, next(numbers), result))

        cpu_before = cpu_seconds(server.pid)
        result.wall = await in_parallel(clients, count, time.monotonic() + seconds, job)
        result.server_cpu = cpu_used(server.pid, cpu_before)
    result.page.wall = result.post.wall = result.wall
    return result


async def run_views(
    server: Server,
    urls: Callable[[int], str],
    clients: int,
    count: int,
    seconds: float,
    expect: str,
) -> Run:
    """GETs of `urls(n)`, each answered 200 with `expect` in the body."""
    async with client(clients) as http:

        async def view(n: int, run: Run | None) -> None:
            status, body = await timed(run, http.get(urls(n), headers={"Accept-Language": "ru"}))
            if status != 200 or expect not in body:
                raise RuntimeError(f"{urls(n)} answered {status}")

        for n in range(WARM_UP):
            await view(n, None)
        run = Run()
        cpu_before = cpu_seconds(server.pid)
        run.wall = await in_parallel(
            clients, count, time.monotonic() + seconds, lambda n: view(n, run)
        )
        run.server_cpu = cpu_used(server.pid, cpu_before)
    return run


def registrations_in(workdir: Path) -> int:
    with contextlib.closing(sqlite3.connect(workdir / "bench.sqlite3")) as db:
        return int(db.execute("SELECT count(*) FROM registrations").fetchone()[0])


# --- the report ----------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def percentiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0], values[0]) if values else (0.0, 0.0)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values), cuts[98]


def line(name: str, count: int, latencies: list[float], rate: float | None = None) -> str:
    p50, p99 = percentiles(latencies)
    per_second = f"{rate:9.1f}/s" if rate is not None else " " * 11
    return f"{name:<32} {count:>6} {per_second}   p50 {ms(p50)}   p99 {ms(p99)}"


def report(
    clients: int, submissions: Submissions, views: Run, baseline: Run
) -> Iterator[tuple[str, bool]]:
    posts = submissions.post.latencies
    print(f"{'':<32} {'count':>6} {'rate':>11}")
    print(f"{'submissions (page + form)':<32} {len(posts):>6} {submissions.per_second:9.1f}/s")
    print(line("  GET /e/<slug>", len(submissions.page.latencies), submissions.page.latencies))
    print(line("  POST /e/<slug> (303)", len(posts), posts))
    print(
        line(
            "personal page GET /me/<token>", len(views.latencies), views.latencies, views.per_second
        )
    )
    print(
        line(
            "bare aiohttp 'hello' GET /",
            len(baseline.latencies),
            baseline.latencies,
            baseline.per_second,
        )
    )
    _, post_p99 = percentiles(submissions.post.latencies)
    ratio = views.per_second / baseline.per_second if baseline.per_second else 0.0
    print(f"personal page / bare handler: {ratio:.2f} of its requests per second")
    submission_cpu = (
        submissions.server_cpu / len(posts) if submissions.server_cpu and posts else None
    )
    costs = [
        ("a submission (page + form)", submission_cpu),
        ("a personal page", views.cpu_each),
        ("a bare 'hello'", baseline.cpu_each),
    ]
    if all(cost is not None for _, cost in costs):
        # The server's own CPU (all its threads), whatever the load generator takes: the figure
        # to compare between versions on a machine that other work shares.
        print(
            "server CPU per request: "
            + "; ".join(f"{name} {(cost or 0) * 1000:.2f} ms" for name, cost in costs)
        )
    yield (
        f"form submission p99 {post_p99 * 1000:.1f} ms < {SUBMIT_P99_GOAL * 1000:.0f} ms "
        f"at {clients} clients",
        post_p99 < SUBMIT_P99_GOAL,
    )
    yield (
        f"personal page {ratio:.2f} >= {VIEW_RATIO_GOAL} of the bare handler's requests/s",
        ratio >= VIEW_RATIO_GOAL,
    )


async def bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        workdir = Path(tmp)
        async with bot_process(workdir, args.loop) as server:
            base = server.url
            submissions = await run_submissions(
                server, args.clients, args.submissions, args.seconds
            )
            stored = registrations_in(workdir)
            expected = WARM_UP + len(submissions.tokens)
            if stored != expected:
                raise RuntimeError(f"{stored} registrations stored, {expected} submitted")
            tokens = submissions.tokens
            views = await run_views(
                server,
                lambda n: f"{base}/me/{tokens[n % len(tokens)]}",
                args.clients,
                args.views,
                args.seconds,
                "bench",  # the address is on the page
            )
        async with hello_process(args.loop) as hello:
            baseline = await run_views(
                hello, lambda n: hello.url, args.clients, args.views, args.seconds, "hello"
            )
    print(
        f"python -m bot run on SQLite (WAL), the web page alone; {args.clients} concurrent "
        f"clients on 127.0.0.1 (aiohttp, a connection limit of {args.clients}); "
        f"WEB_RATE_LIMIT=100000 for the bench; {os.cpu_count()} cores; both servers on "
        f"{'uvloop' if loop_factory(args.loop) else 'asyncio'}'s event loop"
    )
    missed = 0
    for goal, met in report(args.clients, submissions, views, baseline):
        print(f"{'PASS' if met else 'FAIL'}: {goal}")
        missed += not met
    return 1 if missed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100, help="concurrent clients")
    parser.add_argument("--submissions", type=int, default=1000, help="forms to submit")
    parser.add_argument("--views", type=int, default=3000, help="GETs of each page")
    parser.add_argument(
        "--loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="the event loop of both servers (EVENT_LOOP; uvloop falls back to asyncio where "
        "it is not installed)",
    )
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="the most each measured run may last"
    )
    args = parser.parse_args(argv)
    try:
        return asyncio.run(bench(args))
    except RuntimeError as problem:  # a server that did not start or a wrong answer
        print(f"error: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
