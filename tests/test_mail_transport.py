"""The SMTP transport against a real server (aiosmtpd on 127.0.0.1): one connection for many
messages, and what each send became when the server refuses (550), defers (451), drops the
connection or goes away; STARTTLS, implicit TLS and login; no address in the logs."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.services.delivery.mail.config import parse_sender, parse_smtp_url
from bot.services.delivery.mail.message import build_message
from bot.services.delivery.mail.transport import (
    Outcome,
    SendResult,
    SmtpTransport,
    about_the_address,
    redact,
)
from tests.smtp_server import SmtpTestServer, make_certificate, running_smtp, server_tls

SENDER = parse_sender("Наша общая Победа <noreply@example.org>")
NOW = datetime(2025, 9, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp() as server:
        yield server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


def mail(to: str, n: int = 0) -> EmailMessage:
    return build_message(
        sender=SENDER,
        to_address=to,
        to_name="Участник",
        language="ru",
        subject=f"Напоминание {n}",
        text=f"Текст {n}",
        html_body=f"<b>Текст {n}</b>",
        now=NOW,
    )


def transport(server: SmtpTestServer, url: str | None = None, **options: object) -> SmtpTransport:
    return SmtpTransport(
        parse_smtp_url(url or f"smtp://{server.host}:{server.port}"),
        SENDER.address,
        **options,  # type: ignore[arg-type]
    )


async def test_many_messages_share_one_connection(smtp: SmtpTestServer) -> None:
    async with transport(smtp) as t:
        # Eight workers at once, as a reminder wave sends: they take turns on the connection.
        async def worker(k: int) -> list[SendResult]:
            return [await t.send(mail(f"p{k}-{i}@example.com", i)) for i in range(25)]

        results = [r for rs in await asyncio.gather(*(worker(k) for k in range(8))) for r in rs]
    assert all(r.sent for r in results)
    assert len(smtp.received) == 200
    assert len({r.rcpt_tos[0] for r in smtp.received}) == 200
    assert smtp.connections == 1 and t.connections == 1
    assert await smtp.all_closed()  # with QUIT at the end


async def test_refused_address_is_permanent_and_the_next_one_goes(smtp: SmtpTestServer) -> None:
    smtp.refuse("gone@example.com")
    async with transport(smtp) as t:
        refused = await t.send(mail("gone@example.com"))
        after = await t.send(mail("here@example.com"))
    assert (refused.outcome, refused.stage, refused.code) == (Outcome.PERMANENT, "rcpt", 550)
    assert "gone@" not in refused.detail and "<address>" in refused.detail
    assert after.sent and [r.rcpt_tos for r in smtp.received] == [["here@example.com"]]
    assert smtp.connections == 1  # RSET, not a new connection


@pytest.mark.parametrize("at", ["RCPT", "DATA"])
async def test_451_is_temporary_and_the_retry_goes_through(smtp: SmtpTestServer, at: str) -> None:
    smtp.defer_next(2, at=at)
    async with transport(smtp) as t:
        results = [await t.send(mail("greylisted@example.com")) for _ in range(3)]
    assert [r.outcome for r in results] == [Outcome.TEMPORARY] * 2 + [Outcome.SENT]
    assert results[0].code == 451 and results[0].stage == at.lower()
    assert len(smtp.received) == 1 and smtp.connections == 1


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        ("550 5.1.1 <x@example.com>: Recipient address rejected: User unknown", Outcome.PERMANENT),
        ("550 Mailbox not found.", Outcome.PERMANENT),
        ("550 Ip frequency limited", Outcome.TEMPORARY),  # qq.com throttling us
        ("554 DT:SPM 163 mx14", Outcome.TEMPORARY),  # 163.com: taken for spam
        ("554 5.7.1 Relay access denied", Outcome.TEMPORARY),  # our configuration
        ("552 5.2.2 Mailbox full", Outcome.TEMPORARY),
    ],
)
async def test_only_refusals_about_the_address_are_permanent(
    smtp: SmtpTestServer, reply: str, outcome: Outcome
) -> None:
    smtp.refuse("x@example.com", reply)
    async with transport(smtp) as t:
        result = await t.send(mail("x@example.com"))
    assert result.outcome is outcome and result.code == int(reply[:3])


def test_about_the_address() -> None:
    assert about_the_address(550, "5.1.10 Recipient address has null MX")
    assert about_the_address(550, "5.2.1 The email account that you tried to reach is disabled")
    assert not about_the_address(550, "5.1.8 Bad sender's system address")
    assert not about_the_address(550, "5.7.26 Unauthenticated email is not accepted (DMARC)")
    assert not about_the_address(550, "MI:STC 163 daily limit")
    assert not about_the_address(451, "4.1.1 Try again")
    # An IP address in the words is no enhanced status code.
    assert not about_the_address(550, "Connection frequency limited from 10.5.1.1")
    assert redact("550 5.1.1 <a.b@c.org>: no such user a@b.c (x@y)") == (
        "550 5.1.1 <address>: no such user <address> (<address>)"
    )


async def test_connection_lost_during_data_is_temporary_and_not_resent(
    smtp: SmtpTestServer,
) -> None:
    """The content went out, the answer never came: the server may have the message, so the
    transport does not send it again by itself (the ledger decides), and the next message
    goes on a new connection."""
    smtp.drop_next(1, at="DATA")
    async with transport(smtp) as t:
        lost = await t.send(mail("a@example.com", 1))
        after = await t.send(mail("b@example.com", 2))
    assert (lost.outcome, lost.stage) == (Outcome.TEMPORARY, "data")
    assert after.sent
    assert [r.rcpt_tos for r in smtp.received] == [["b@example.com"]]
    assert smtp.connections == 2


async def test_a_server_that_does_not_answer_is_temporary(smtp: SmtpTestServer) -> None:
    smtp.hang_next(1, at="RCPT", seconds=3.0)
    async with transport(smtp, timeout=0.3) as t:
        silent = await t.send(mail("a@example.com", 1))
        after = await t.send(mail("b@example.com", 2))
    assert (silent.outcome, silent.stage) == (Outcome.TEMPORARY, "rcpt")
    assert "Timeout" in silent.detail
    assert after.sent and smtp.connections == 2
    assert [r.rcpt_tos for r in smtp.received] == [["b@example.com"]]


async def test_a_send_cancelled_midway_leaves_a_clean_connection(smtp: SmtpTestServer) -> None:
    """A shutdown cancels a send waiting for the server: the next send does not continue the
    half-done transaction."""
    smtp.hang_next(1, at="DATA", seconds=3.0)
    async with transport(smtp) as t:
        stuck = asyncio.ensure_future(t.send(mail("a@example.com", 1)))
        await asyncio.sleep(0.2)
        stuck.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stuck
        assert (await t.send(mail("b@example.com", 2))).sent
    assert [r.rcpt_tos for r in smtp.received] == [["b@example.com"]]


@pytest.mark.parametrize("at", ["MAIL", "RCPT"])
async def test_connection_lost_before_data_is_retried_once_on_a_new_one(
    smtp: SmtpTestServer, at: str
) -> None:
    async with transport(smtp) as t:
        assert (await t.send(mail("a@example.com", 1))).sent
        smtp.drop_next(1, at=at)  # the server had dropped the connection meanwhile
        assert (await t.send(mail("b@example.com", 2))).sent
        smtp.drop_next(2, at=at)  # also the new connection fails: give up, temporarily
        failed = await t.send(mail("c@example.com", 3))
    assert (failed.outcome, failed.stage) == (Outcome.TEMPORARY, at.lower())
    assert [r.rcpt_tos for r in smtp.received] == [["a@example.com"], ["b@example.com"]]


async def test_idle_connection_closed_by_the_server_is_reopened(smtp: SmtpTestServer) -> None:
    async with transport(smtp) as t:
        assert (await t.send(mail("a@example.com"))).sent
        smtp.close_connections()
        await asyncio.sleep(0.05)
        assert (await t.send(mail("b@example.com"))).sent
        smtp.close_connections()  # and without giving the client time to notice
        assert (await t.send(mail("c@example.com"))).sent
    assert len(smtp.received) == 3 and smtp.connections == 3


async def test_a_connection_idle_too_long_is_replaced(smtp: SmtpTestServer) -> None:
    clock = [0.0]
    async with transport(smtp, max_idle=30.0, monotonic=lambda: clock[0]) as t:
        for seconds in (0.0, 10.0, 25.0, 60.0):
            clock[0] += seconds
            assert (await t.send(mail("a@example.com"))).sent
    assert smtp.connections == 2  # 60 s idle: QUIT, a new one


async def test_server_gone_is_temporary_and_the_next_send_reconnects(
    smtp: SmtpTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "bot.services.delivery.mail")
    async with transport(smtp, timeout=5.0) as t:
        assert (await t.send(mail("one@example.com", 1))).sent
        smtp.stop()
        down = [await t.send(mail("two@example.com", 2)) for _ in range(3)]
        smtp.start()
        back = await t.send(mail("two@example.com", 2))
    assert all((r.outcome, r.stage) == (Outcome.TEMPORARY, "connect") for r in down)
    assert back.sent and smtp.connections == 1
    assert [r.rcpt_tos for r in smtp.received] == [["one@example.com"], ["two@example.com"]]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1  # once when it went, not once per message
    assert "reachable again" in caplog.text


async def test_no_address_reaches_the_logs(
    smtp: SmtpTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "bot.services.delivery.mail")
    smtp.refuse("secret.person@example.com", "550 sender <noreply@example.org> rejected")
    smtp.refuse("other.person@example.com")
    async with transport(smtp) as t:
        await t.send(mail("secret.person@example.com"))
        await t.send(mail("other.person@example.com"))
        smtp.drop_next(1, at="DATA")
        await t.send(mail("third.person@example.com"))
        smtp.close_connections()
        await t.send(mail("third.person@example.com"))
        smtp.stop()
        await t.send(mail("third.person@example.com"))
    assert caplog.records  # something was logged
    assert "@" not in caplog.text


async def test_non_ascii_mailbox_goes_with_smtputf8(smtp: SmtpTestServer) -> None:
    async with transport(smtp) as t:
        result = await t.send(mail("пётр@почта.рф"))
    assert result.sent
    assert smtp.received[0].rcpt_tos == ["пётр@xn--80a1acny.xn--p1ai"]
    assert "SMTPUTF8" in smtp.received[0].mail_options


async def test_starttls_when_offered_then_login(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    login = ("robot@example.org", "p@ss:w/rd")
    with running_smtp(starttls=server_tls(cert, key), login=login) as server:
        url = f"smtp://robot%40example.org:p%40ss%3Aw%2Frd@127.0.0.1:{server.port}"
        trusting = ssl.create_default_context(cafile=str(cert))
        async with transport(server, url, tls_context=trusting) as t:
            assert (await t.send(mail("a@example.com"))).sent
            assert (await t.send(mail("b@example.com"))).sent
        assert [r.tls for r in server.received] == [True, True]
        assert server.logins == [login] and server.connections == 1

        # A certificate that does not verify: no mail, no password, no fallback to plain text.
        async with transport(server, url) as t:
            result = await t.send(mail("c@example.com"))
        assert (result.outcome, result.stage) == (Outcome.TEMPORARY, "tls")
        assert len(server.received) == 2 and len(server.logins) == 1


async def test_implicit_tls_and_a_wrong_password(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    trusting = ssl.create_default_context(cafile=str(cert))
    with running_smtp(implicit_tls=server_tls(cert, key), login=("robot", "right")) as server:
        async with transport(
            server, f"smtps://robot:right@127.0.0.1:{server.port}", tls_context=trusting
        ) as t:
            assert (await t.send(mail("a@example.com"))).sent
        assert server.received[0].tls

        async with transport(
            server, f"smtps://robot:wrong@127.0.0.1:{server.port}", tls_context=trusting
        ) as t:
            result = await t.send(mail("b@example.com"))
        # Our configuration, not the address: retry later, never mark it undeliverable.
        assert (result.outcome, result.stage, result.code) == (Outcome.TEMPORARY, "auth", 535)
        assert len(server.received) == 1


async def test_login_without_tls_only_on_the_loopback(smtp: SmtpTestServer) -> None:
    # aiosmtpd on 127.0.0.1 offers no STARTTLS here: a local relay may take the password.
    with running_smtp(login=("robot", "pw")) as server:
        async with transport(server, f"smtp://robot:pw@127.0.0.1:{server.port}") as t:
            assert (await t.send(mail("a@example.com"))).sent
        assert server.logins == [("robot", "pw")] and not server.received[0].tls
