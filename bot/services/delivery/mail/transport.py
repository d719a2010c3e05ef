"""Sending e-mail over one SMTP connection kept open, and telling what became of each message.

A reminder wave sends thousands of messages in minutes: a connection per message (TCP, TLS,
EHLO, AUTH, then QUIT) costs several round trips each and looks like a flood to the server, so
one connection carries them all, one transaction after another. Connections do not live
forever: the server closes one it finds idle, or says 421 when it has carried enough. Such a
loss found before the message's content was sent (at MAIL or RCPT) is harmless, so the
transport opens a new connection and tries the same message once more; a loss during DATA is
reported as temporary, since the server may have taken the message (the Message-ID of a resend
stays the same when the caller gives a key, see message.message_id).

Each send ends as one of three outcomes: sent; temporary (try again later: 4xx, connection
refused or reset, a timeout, a server refusing us rather than the address); permanent (this
address cannot receive mail: 5xx about the recipient). Addresses never reach the logs: not the
recipient's, not in the server's words either."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum
from types import TracebackType

import aiosmtplib
from aiosmtplib.email import flatten_message

from bot.services.delivery.mail.config import SmtpServer

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0  # seconds for the connection and for each command's answer
# A connection idle longer than this is closed (QUIT) before the next message and a new one
# opened: servers drop idle clients after 30 s to 5 min (RFC 5321, 4.5.3.2.7), and a fresh
# connection costs less than finding out that the old one is gone.
DEFAULT_MAX_IDLE = 30.0


class Outcome(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"  # try again later, the address is fine
    PERMANENT = "permanent"  # the address is undeliverable: mark it, send it nothing more


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    # Where it ended: connect, tls, auth, mail, rcpt, data, address; "" when sent.
    stage: str = ""
    code: int | None = None  # the server's reply code, when it answered
    detail: str = ""  # the server's words or the error's name, without any address

    @property
    def sent(self) -> bool:
        return self.outcome is Outcome.SENT


SENT = SendResult(Outcome.SENT)

_ADDRESS = re.compile(r"<?[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+>?")
# RFC 3463 codes open the reply's text ("5.1.1 User unknown"); an IP address further on is none.
_ENHANCED = re.compile(r"^\s*[245]\.(\d{1,3})\.(\d{1,3})\b")
# Words with which servers refuse for a reason other than the address (without an enhanced
# status code): throttling (qq.com: "550 Ip frequency limited", "550 Connection frequency
# limited"; 163.com: "550 MI:STC" daily quota, "554 DT:SPM" spam), spam and content filters,
# our sender or our relay rights. The address may be fine: retry later, never mark it.
_NOT_THE_ADDRESS = re.compile(
    r"frequen|limit|too many|\brate\b|spam|\bdt:spm|mi:stc|content|block|blacklist|reputation"
    r"|policy|relay|try again|later|temporar|\bspf\b|dkim|dmarc|sender|authenticat|quota"
)


def redact(text: str, limit: int = 200) -> str:
    """The server's words for a log or a stored result: addresses removed, one line, short."""
    return " ".join(_ADDRESS.sub("<address>", text).split())[:limit]


def about_the_address(code: int, text: str) -> bool:
    """A 5xx answer to RCPT or DATA that says the recipient's address is unusable. With an
    enhanced status code (RFC 3463): X.1.x addressing (bad mailbox, bad domain, but not .7 and
    .8, which are about our sender) and X.2.1 (mailbox disabled); X.2.2 (mailbox full) and
    X.7.x (policy, spam, relaying) are not the address's fault. Without one: unless the words
    say throttling, spam or our sender."""
    if not 500 <= code < 600:
        return False
    enhanced = _ENHANCED.search(text)
    if enhanced:
        subject, detail = enhanced.group(1), enhanced.group(2)
        return (subject == "1" and detail not in ("7", "8")) or (subject, detail) == ("2", "1")
    return not _NOT_THE_ADDRESS.search(text.lower())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Stale(Exception):
    """The connection was found gone before the message's content was sent."""

    def __init__(self, result: SendResult) -> None:
        self.result = result


class SmtpTransport:
    """One SMTP connection, opened at the first send and kept for the next ones; concurrent
    senders take turns on it. `close()` (or `async with`) ends it with QUIT."""

    def __init__(
        self,
        server: SmtpServer,
        envelope_from: str,
        *,
        local_hostname: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_idle: float = DEFAULT_MAX_IDLE,
        tls_context: ssl.SSLContext | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`envelope_from`: MAIL_FROM's address (bounces go there). `local_hostname`: the
        EHLO name; default MAIL_FROM's domain (no DNS look-up of our own name at start-up).
        `tls_context`: e.g. one trusting a private CA; default: the system's, verifying."""
        self.server = server
        self.envelope_from = envelope_from
        self.local_hostname = local_hostname or envelope_from.rpartition("@")[2] or None
        self.timeout = timeout
        self.max_idle = max_idle
        self.tls_context = tls_context
        self._monotonic = monotonic
        self._smtp: aiosmtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = asyncio.Lock()
        self._down = False  # the last connection attempt failed (logged once, not per message)
        self.connections = 0  # opened so far: one per wave is the point of this class

    async def __aenter__(self) -> SmtpTransport:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._smtp is not None and self._smtp.is_connected

    async def close(self) -> None:
        async with self._lock:
            await self._quit()

    async def send(self, message: EmailMessage, recipient: str | None = None) -> SendResult:
        """Send one message to one recipient (default: the message's To address, which
        build_message writes in the form servers accept)."""
        try:
            to = recipient or message["To"].addresses[0].addr_spec
        except (AttributeError, IndexError, TypeError):
            return SendResult(Outcome.PERMANENT, "address", detail="no recipient")
        utf8 = not (self.envelope_from + to).isascii()
        # Written out before taking the connection: turning a message into bytes is the
        # costliest part of a send (the email package, about a millisecond), and meanwhile
        # another sender's transaction uses the connection. 7-bit (base64 or quoted-printable
        # where needed) goes through any server, 8BITMIME or not; an SMTPUTF8 message is 8-bit.
        data = flatten_message(message, utf8=utf8, cte_type="8bit" if utf8 else "7bit")
        async with self._lock:
            for attempt in (1, 2):
                reused = self.connected
                if reused and self._monotonic() - self._last_used > self.max_idle:
                    await self._quit()
                    reused = False
                if not reused:
                    failed = await self._connect()
                    if failed is not None:
                        return failed
                try:
                    result = await self._transaction(data, to, utf8)
                except _Stale as stale:
                    if reused and attempt == 1:
                        log.info("SMTP connection was closed by the server: reconnecting")
                        continue
                    return stale.result
                except asyncio.CancelledError:
                    self._drop()  # stopped mid-transaction: the next send starts afresh
                    raise
                self._last_used = self._monotonic()
                return result
        raise AssertionError("unreachable")  # pragma: no cover

    async def _connect(self) -> SendResult | None:
        """Open, secure and log in; None when ready, else why not (always temporary: a server
        refusing us says nothing about the address)."""
        server = self.server
        smtp = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            use_tls=server.implicit_tls,
            start_tls=False,  # decided below, after EHLO
            timeout=self.timeout,
            tls_context=self.tls_context,
            local_hostname=self.local_hostname,
        )
        stage = "connect"
        try:
            await smtp.connect()
            await smtp.ehlo()
            secure = server.implicit_tls
            if not secure and smtp.supports_extension("starttls"):
                stage = "tls"
                await smtp.starttls()
                await smtp.ehlo()
                secure = True
            if server.username:
                if not secure and not _is_loopback(server.host):
                    # A server that "offers no STARTTLS" may be someone in between who removed
                    # the offer: the password does not go out in clear text.
                    smtp.close()
                    return self._down_since(
                        SendResult(Outcome.TEMPORARY, "tls", detail="no STARTTLS offered"),
                        error=True,
                    )
                stage = "auth"
                await smtp.login(server.username, server.password or "")
        except aiosmtplib.SMTPResponseException as exc:
            smtp.close()
            # 5xx here (authentication failed, TLS refused) is our configuration, not the address.
            return self._down_since(
                SendResult(Outcome.TEMPORARY, stage, exc.code, redact(exc.message)),
                error=exc.code >= 500,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:  # ssl.SSLError is an OSError
            smtp.close()
            # TLS failures (a certificate that does not verify) say so in the error's text.
            detail = redact(str(exc)) if stage == "tls" else type(exc).__name__
            return self._down_since(
                SendResult(Outcome.TEMPORARY, stage, detail=detail), error=stage != "connect"
            )
        if self._down:
            log.info("SMTP server %s reachable again", server.label)
        self._down = False
        self._smtp = smtp
        self._last_used = self._monotonic()
        self.connections += 1
        return None

    def _down_since(self, result: SendResult, *, error: bool = False) -> SendResult:
        if not self._down:
            log.log(
                logging.ERROR if error else logging.WARNING,
                "SMTP server %s: cannot send, %s failed: %s",
                self.server.label,
                result.stage,
                " ".join(str(part) for part in (result.code, result.detail) if part),
            )
        self._down = True
        return result

    async def _transaction(self, data: bytes, to: str, utf8: bool) -> SendResult:
        smtp = self._smtp
        assert smtp is not None
        options: list[str] = []
        if utf8:
            if not smtp.supports_extension("smtputf8"):
                return SendResult(
                    Outcome.PERMANENT, "address", detail="non-ASCII address; server lacks SMTPUTF8"
                )
            options.append("SMTPUTF8")
        if smtp.supports_extension("size"):
            options.insert(0, f"SIZE={len(data)}")
        encoding = "utf-8" if utf8 else "ascii"
        stage = "mail"
        try:
            await smtp.mail(self.envelope_from, options=options, encoding=encoding)
            stage = "rcpt"
            await smtp.rcpt(to, encoding=encoding)
            stage = "data"
            await smtp.data(data)
        except aiosmtplib.SMTPResponseException as exc:
            result = self._refused(stage, exc.code, exc.message)
            if exc.code == 421:  # the server closes the connection (RFC 5321, 3.8)
                self._drop()
                if stage != "data":
                    raise _Stale(result) from None
                return result
            await self._reset()
            return result
        except (aiosmtplib.SMTPServerDisconnected, ConnectionError) as exc:
            self._drop()
            result = SendResult(Outcome.TEMPORARY, stage, detail=type(exc).__name__)
            if stage != "data":
                raise _Stale(result) from None
            return result
        except (aiosmtplib.SMTPException, OSError) as exc:  # a timeout, a broken stream
            self._drop()
            return SendResult(Outcome.TEMPORARY, stage, detail=type(exc).__name__)
        except ValueError:  # aiosmtplib refuses an address it cannot quote safely
            return SendResult(Outcome.PERMANENT, "address", detail="unusable address")
        return SENT

    @staticmethod
    def _refused(stage: str, code: int, text: str) -> SendResult:
        detail = redact(text)
        if stage in ("rcpt", "data") and about_the_address(code, text):
            return SendResult(Outcome.PERMANENT, stage, code, detail)
        if code >= 500 and stage == "mail":
            # Our sender refused (MAIL_FROM, SPF, a size limit): every message would be.
            log.error("SMTP server refuses our sender: %s %s", code, detail)
        return SendResult(Outcome.TEMPORARY, stage, code, detail)

    async def _reset(self) -> None:
        """RSET after a refused transaction, so the next one starts clean."""
        smtp = self._smtp
        if smtp is None:
            return
        try:
            await smtp.rset()
        except (aiosmtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None

    async def _quit(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if smtp.is_connected:
                await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            pass
        finally:
            smtp.close()
