"""Secrets that reach a registration without Telegram: the personal page's token and the
one-time "Connect Telegram" code. Pure functions; RegistrationService stores and looks up.

Only a SHA-256 digest of each secret is stored: a copy of the database opens no personal page.
The secrets are long and random, so a plain hash (no salt, no slow hash) is enough, and it can
be looked up by equality in an index."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

# 32 random bytes: 43 URL-safe characters, far beyond guessing.
TOKEN_BYTES = 32
# The bind code travels in a t.me start link: at most 64 characters of [A-Za-z0-9_-] in all,
# "bind-" included. 16 random bytes (22 characters) live a day and are used once.
BIND_CODE_BYTES = 16
BIND_CODE_LIFETIME = timedelta(hours=24)
BIND_PAYLOAD_PREFIX = "bind-"


def new_secret(size: int = TOKEN_BYTES) -> str:
    return secrets.token_urlsafe(size)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def matches(secret: str, stored_digest: str | None) -> bool:
    """Whether `secret` is the one whose digest was stored, compared in constant time."""
    return stored_digest is not None and hmac.compare_digest(digest(secret), stored_digest)


def email_key(email: str | None) -> str | None:
    """The address as compared for "already registered": "  Li.Wei@Mail.CN " and
    "li.wei@mail.cn" are one address. (Strictly the local part may be case-sensitive; no mail
    service in use treats it so, and a copy registered by case is the worse mistake.)"""
    if email is None:
        return None
    return email.strip().lower() or None
