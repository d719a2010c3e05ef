"""Where each certificate of an event stands, for the organizers' export: its number, and whether
it reached its holder, by Telegram (`certificates.sent_at` without an error) and by e-mail (the
latest certificate letter in the delivery ledger, kind `certificate-<id>[-<reissue>]`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.mailing.certificate_letter import CERTIFICATE, certificate_of_kind
from db.models import Certificate, Delivery, DeliveryChannel, DeliveryStatus


class Delivered(StrEnum):
    """What the export says about a certificate; `report-certificate-delivered` names each."""

    TELEGRAM = "telegram"
    EMAIL = "email"
    BOTH = "telegram-email"
    WAITING = "waiting"  # issued, its message not sent yet (or sent again after a correction)
    FAILED = "failed"  # Telegram refused it (blocked) and no letter reached the person
    PAGE = "page"  # nobody to send it to: it waits on the personal or class page


@dataclass(frozen=True)
class CertificateState:
    number: str
    delivered: Delivered


@dataclass(frozen=True)
class EventCertificates:
    by_registration: dict[int, CertificateState]
    by_class: dict[int, CertificateState]


_WAITING = {DeliveryStatus.QUEUED.value, DeliveryStatus.CLAIMED.value}


def delivered(certificate: Certificate, letter: str | None) -> Delivered:
    """`letter`: the status of the latest certificate letter to the holder, if any was queued."""
    telegram = (
        certificate.recipient_id is not None
        and certificate.sent_at is not None
        and certificate.error is None
    )
    email = letter == DeliveryStatus.SENT
    if telegram and email:
        return Delivered.BOTH
    if telegram or email:
        return Delivered.TELEGRAM if telegram else Delivered.EMAIL
    telegram_waiting = certificate.recipient_id is not None and certificate.sent_at is None
    if telegram_waiting or letter in _WAITING:
        return Delivered.WAITING
    if certificate.sent_at is not None or letter is not None:
        return Delivered.FAILED
    return Delivered.PAGE


async def event_certificates(session: AsyncSession, event_id: int) -> EventCertificates:
    certificates = (
        await session.scalars(select(Certificate).where(Certificate.event_id == event_id))
    ).all()
    letters = await _latest_letters(session, event_id)
    by_registration: dict[int, CertificateState] = {}
    by_class: dict[int, CertificateState] = {}
    for certificate in certificates:
        state = CertificateState(
            certificate.number, delivered(certificate, letters.get(certificate.id))
        )
        if certificate.registration_id is not None:
            by_registration[certificate.registration_id] = state
        if certificate.class_id is not None:
            by_class[certificate.class_id] = state
    return EventCertificates(by_registration, by_class)


async def _latest_letters(session: AsyncSession, event_id: int) -> dict[int, str]:
    """Certificate id -> the status of its latest letter (a corrected name sends a new one)."""
    rows = await session.execute(
        select(Delivery.kind, Delivery.status)
        .where(
            Delivery.event_id == event_id,
            Delivery.channel == DeliveryChannel.EMAIL,
            Delivery.kind.startswith(CERTIFICATE),
        )
        .order_by(Delivery.id)
    )
    latest: dict[int, str] = {}
    for kind, status in rows:
        certificate_id = certificate_of_kind(kind)
        if certificate_id is not None:
            latest[certificate_id] = status  # later rows overwrite earlier ones
    return latest
