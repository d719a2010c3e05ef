"""The addresses an e-mail carries: the personal page (which also confirms a pending address)
and the one-click unsubscribe, both signed (bot/services/registration/mail_links.py); and a
class's: the class page (which also confirms the class's address) and its unsubscribe."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.registration.access import digest, new_secret
from bot.services.registration.mail_links import PAGE, UNSUBSCRIBE, sign
from db.models import Registration, SchoolClass

# What a class's signed links are for (bot/services/registration/mail_links.py signs them).
CLASS_PAGE = "class-page"
CLASS_UNSUBSCRIBE = "class-unsubscribe"


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

    # --- a class's letters -------------------------------------------------------------
    # Signed like a registration's (`<class id>.<signature>`) for purposes of their own, so that
    # a registration's link can never open a class page or mute a class, and the other way round.

    @staticmethod
    def ensure_class_token(school_class: SchoolClass) -> str:
        """The digest a class's links are signed with. A class registered in the bot has no
        class page yet: it gets one (the e-mailed link is the way in; "new link" on the page
        ends the old token and every e-mailed link). The caller commits."""
        if school_class.access_token_hash is None:
            school_class.access_token_hash = digest(new_secret())
        return school_class.access_token_hash

    def class_page(self, school_class: SchoolClass) -> str:
        digest_ = self.ensure_class_token(school_class)
        return f"{self.web_address}/class/{sign(self.secret, CLASS_PAGE, school_class.id, digest_)}"

    def class_unsubscribe(self, school_class: SchoolClass) -> str:
        digest_ = self.ensure_class_token(school_class)
        token = sign(self.secret, CLASS_UNSUBSCRIBE, school_class.id, digest_)
        return f"{self.web_address}/unsubscribe/class/{token}"
