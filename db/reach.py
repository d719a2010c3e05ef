"""How a registration can be reached, as SQL conditions and as a test of a loaded row: one
definition for every sender (reminder waves, broadcasts, certificates, the mail outbox), so that
"who gets what, and where" cannot differ between them; and how a class is reached by e-mail.
See README "E-mail"."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists

from db.models import Registration, SchoolClass, User


def email_usable() -> ColumnElement[bool]:
    """A confirmed address that has not bounced."""
    return and_(
        Registration.email.is_not(None),
        Registration.email_confirmed_at.is_not(None),
        Registration.email_bounced_at.is_(None),
    )


def telegram_usable() -> ColumnElement[bool]:
    """A chat with the bot that has not blocked it."""
    return exists().where(User.id == Registration.user_id, User.is_reachable.is_(True))


def mail_usable(registration: Registration) -> bool:
    """email_usable() of a loaded row."""
    return (
        registration.email is not None
        and registration.email_confirmed_at is not None
        and registration.email_bounced_at is None
    )


def class_email_usable() -> ColumnElement[bool]:
    """A class's address that its teacher confirmed and that has not bounced."""
    return and_(
        SchoolClass.email.is_not(None),
        SchoolClass.email_confirmed_at.is_not(None),
        SchoolClass.email_bounced_at.is_(None),
    )


def class_mail_usable(school_class: SchoolClass) -> bool:
    """class_email_usable() of a loaded row."""
    return (
        school_class.email is not None
        and school_class.email_confirmed_at is not None
        and school_class.email_bounced_at is None
    )
