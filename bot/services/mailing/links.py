"""The addresses an e-mail carries: the personal page (which also confirms a pending address)
and the one-click unsubscribe, both signed (bot/services/registration/mail_links.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.registration.access import digest, new_secret
from bot.services.registration.mail_links import PAGE, UNSUBSCRIBE, sign
from db.models import Registration


@dataclass(frozen=True)
class MailLinks:
    """`web_address`: PUBLIC_URL (else the local address); `secret`: the web secret."""

    web_address: str
    secret: bytes

    @staticmethod
    def ensure_token(registration: Registration) -> str:
        """The digest the links are signed with. A registration made in the bot may have no
        personal page yet: it gets one (nobody holds its plain token; the e-mailed link is the
        way in, and "My page in a browser" in the bot reissues it). The caller commits."""
        if registration.access_token_hash is None:
            registration.access_token_hash = digest(new_secret())
        return registration.access_token_hash

    def page(self, registration: Registration) -> str:
        token = sign(self.secret, PAGE, registration.id, self.ensure_token(registration))
        return f"{self.web_address}/me/{token}"

    def unsubscribe(self, registration: Registration) -> str:
        token = sign(self.secret, UNSUBSCRIBE, registration.id, self.ensure_token(registration))
        return f"{self.web_address}/unsubscribe/{token}"
