"""The two settings that say where e-mail goes and who sends it: SMTP_URL and MAIL_FROM, read
into plain values (bot/settings.py validates them with these functions, so that a bad value is
refused at start-up with the variable's name)."""

from __future__ import annotations

import email.policy
from dataclasses import dataclass, field
from email.headerregistry import Address
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": 587, "smtps": 465}  # submission with STARTTLS; submission over TLS (RFC 8314)


@dataclass(frozen=True)
class SmtpServer:
    """Where the SMTP client connects. `implicit_tls`: TLS from the first byte (smtps://);
    else STARTTLS when the server offers it (smtp://)."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """For logs and check-config: no user name, no password."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


@dataclass(frozen=True)
class Sender:
    """MAIL_FROM: the From header (name and address) and the envelope sender."""

    name: str
    address: str

    @property
    def username(self) -> str:
        return self.address.rpartition("@")[0]

    @property
    def domain(self) -> str:
        """Also the right-hand side of our Message-IDs."""
        return self.address.rpartition("@")[2]


def parse_smtp_url(url: str) -> SmtpServer:
    """smtp://user:password@host:587 or smtps://user:password@host:465; the user and password
    are optional and percent-decoded (a password with @, : or / is written %40, %3A, %2F).
    ValueError with a sentence for the operator when the URL cannot be right."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(
            "must start with smtp:// (STARTTLS when offered, port 587) or smtps:// (TLS, port 465)"
        )
    if "@" in parts.path + parts.query + parts.fragment:
        # smtp://user:pa/ss@host: the / ended the address part early.
        raise ValueError("percent-encode / ? # in the user name and password (%2F %3F %23)")
    if not parts.hostname:
        raise ValueError("has no host name, e.g. smtp://user:password@smtp.example.org:587")
    try:
        port = parts.port or SCHEMES[scheme]
    except ValueError:
        raise ValueError("the port must be a number from 1 to 65535") from None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            "only smtp://user:password@host:port is understood; percent-encode / ? # in the "
            "password (%2F %3F %23)"
        )
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password and not username:
        raise ValueError("has a password but no user name")
    if username and not password:
        raise ValueError("has a user name but no password (smtp://user:password@host)")
    return SmtpServer(
        host=parts.hostname,
        port=port,
        implicit_tls=scheme == "smtps",
        username=username,
        password=password,
    )


def parse_sender(value: str) -> Sender:
    """`Наша общая Победа <noreply@example.org>` or a bare address."""
    try:
        header = email.policy.default.header_factory("From", value.strip())
    except (ValueError, IndexError):
        raise ValueError("must be one address, like Name <noreply@example.org>") from None
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    if len(addresses) != 1 or header.defects:
        raise ValueError("must be one address, like Name <noreply@example.org>")
    address = addresses[0]
    if not address.username or "." not in address.domain:
        raise ValueError("must be one address, like Name <noreply@example.org>")
    if not address.addr_spec.isascii():
        raise ValueError(
            "the address must be ASCII (an internationalised domain in its xn-- form); the "
            "name may be in any language"
        )
    return Sender(name=address.display_name, address=address.addr_spec)
