"""A real SMTP server for the e-mail tests: aiosmtpd on 127.0.0.1 (a free port, its own thread),
keeping what it receives as parsed messages, and misbehaving on request: refusing an address
(550), deferring the next messages (451), dropping the connection mid-transaction, closing
the connections it has (as a server does with idle clients), or going away altogether."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (certificate, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-nodes", "-days", "2",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@dataclass
class Received:
    """One accepted message: the envelope and the message as the `email` package reads it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    tls: bool
    mail_options: list[str] = field(default_factory=list)


class SmtpTestServer:
    def __init__(
        self,
        *,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        """`starttls`: offer STARTTLS with this context; `implicit_tls`: TLS from the first
        byte (smtps); `login`: require AUTH with this user name and password."""
        self.host = "127.0.0.1"
        self.port = free_port()
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.login = login
        self.received: list[Received] = []
        self.connections = 0  # connections opened by clients (STARTTLS is the same one)
        self.logins: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._refused: dict[str, str] = {}
        self._faults: list[tuple[str, str, str]] = []  # (stage, kind, reply), the next first
        self._open: set[SMTP] = set()
        self._controller: Controller | None = None

    # --- what the tests read -------------------------------------------------------------------

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]

    @property
    def open_connections(self) -> int:
        return len(self._open)

    async def all_closed(self, timeout: float = 2.0) -> bool:
        """Whether every connection is closed within `timeout` (the server notices a client's
        QUIT in its own thread, a moment later)."""
        for _ in range(int(timeout / 0.01)):
            if not self._open:
                return True
            await asyncio.sleep(0.01)
        return not self._open

    # --- misbehaving -----------------------------------------------------------------------------

    def refuse(self, address: str, reply: str = "550 5.1.1 <{}>: User unknown") -> None:
        """RCPT TO this address answers `reply` ({} is the address), from now on."""
        self._refused[address.lower()] = reply.format(address)

    def defer_next(self, count: int, reply: str = "451 4.7.1 Try later", at: str = "RCPT") -> None:
        """The next `count` transactions are answered `reply` at RCPT or DATA."""
        with self._lock:
            self._faults.extend([(at, "reply", reply)] * count)

    def drop_next(self, count: int = 1, at: str = "DATA") -> None:
        """The next `count` transactions lose their connection at MAIL, RCPT or DATA (at DATA:
        after the content arrived, before the answer: the client cannot know)."""
        with self._lock:
            self._faults.extend([(at, "drop", "")] * count)

    def hang_next(self, count: int = 1, at: str = "RCPT", seconds: float = 5.0) -> None:
        """The next `count` transactions get no answer at MAIL, RCPT or DATA for `seconds`."""
        with self._lock:
            self._faults.extend([(at, "hang", str(seconds))] * count)

    def close_connections(self) -> None:
        """Close every connection open now, as a server does with clients idle too long."""
        if self._controller is None:
            return

        async def close_all() -> None:
            for smtp in list(self._open):
                if smtp.transport is not None:
                    smtp.transport.close()
            for _ in range(100):  # until their connection_lost ran
                if not self._open:
                    return
                await asyncio.sleep(0.01)

        asyncio.run_coroutine_threadsafe(close_all(), self._controller.loop).result(5)

    # --- life ------------------------------------------------------------------------------------

    def start(self) -> None:
        assert self._controller is None
        kwargs: dict[str, Any] = {"server_hostname": "localhost", "enable_SMTPUTF8": True}
        if self.starttls is not None:
            kwargs["tls_context"] = self.starttls
        if self.login is not None:
            kwargs["authenticator"] = self._authenticate
            # With STARTTLS: AUTH only after it, and required. Otherwise AUTH is offered from
            # the start (aiosmtpd warns if it is then required: its check knows only STARTTLS);
            # the tests read `logins` to see that the client logged in.
            kwargs["auth_require_tls"] = kwargs["auth_required"] = self.starttls is not None
        owner = self

        class CountingSMTP(SMTP):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                new = self._original_transport is None  # STARTTLS comes here again
                super().connection_made(transport)
                if new:
                    owner._opened(self)

            def connection_lost(self, error: Exception | None) -> None:
                owner._open.discard(self)
                super().connection_lost(error)

        class Counting(Controller):
            def factory(self) -> SMTP:
                return CountingSMTP(self.handler, **self.SMTP_kwargs)

        controller = Counting(
            _Handler(self), hostname=self.host, port=self.port, ssl_context=self.implicit_tls,
            **kwargs,
        )  # fmt: skip
        controller.start()
        self._controller = controller
        self.connections = 0  # start() made one connection of its own to see the server up

    def stop(self) -> None:
        """The server goes away: its connections are closed, the port refuses connections."""
        if self._controller is None:
            return
        self.close_connections()
        self._controller.stop()
        self._controller = None
        self._open.clear()

    def _opened(self, smtp: SMTP) -> None:
        with self._lock:
            self.connections += 1
            self._open.add(smtp)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            given = (auth_data.login.decode(), auth_data.password.decode())
            self.logins.append(given)
            return AuthResult(success=given == self.login, handled=False)
        return AuthResult(success=False, handled=False)

    def _fault(self, stage: str) -> tuple[str, str] | None:
        with self._lock:
            if self._faults and self._faults[0][0] == stage:
                _, kind, reply = self._faults.pop(0)
                return kind, reply
        return None

    def _record(self, server: SMTP, session: Session, envelope: Envelope) -> None:
        raw = envelope.original_content or b""
        if isinstance(envelope.content, bytes) and not raw:
            raw = envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(
            Received(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                message=message,
                raw=raw,
                # STARTTLS or TLS from the start (aiosmtpd's session.ssl knows only the first)
                tls=server.transport is not None
                and server.transport.get_extra_info("ssl_object") is not None,
                mail_options=list(envelope.mail_options),
            )
        )


async def _misbehave(server: SMTP, kind: str, reply: str) -> str:
    if kind == "drop":
        return await _drop(server)
    if kind == "hang":
        await asyncio.sleep(float(reply))
        return "451 4.3.0 Too late"
    return reply


async def _drop(server: SMTP) -> str:
    if server.transport is not None:
        server.transport.close()
    await asyncio.sleep(5)  # connection_lost cancels this before it ends
    return "421 gone"  # pragma: no cover


class _Handler:
    """aiosmtpd's hooks (their names are aiosmtpd's)."""

    def __init__(self, owner: SmtpTestServer) -> None:
        self.owner = owner

    async def handle_MAIL(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        fault = self.owner._fault("MAIL")
        if fault is not None:
            return await _misbehave(server, *fault)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        fault = self.owner._fault("RCPT")
        if fault is not None:
            return await _misbehave(server, *fault)
        refused = self.owner._refused.get(address.lower())
        if refused is not None:
            return refused
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        fault = self.owner._fault("DATA")
        if fault is not None:
            return await _misbehave(server, *fault)
        self.owner._record(server, session, envelope)
        return "250 2.0.0 Accepted"


@contextmanager
def running_smtp(**options: Any) -> Iterator[SmtpTestServer]:
    server = SmtpTestServer(**options)
    server.start()
    try:
        yield server
    finally:
        server.stop()
