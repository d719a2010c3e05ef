"""The feedback after a certificate: a rating of 1 to 5 stars and an optional comment, one per
certificate. The bot asks in two questions (handlers/certificates.py), the personal page in
one form; both store through these functions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from db.models import Certificate, Feedback

RATINGS = range(1, 6)
COMMENT_LIMIT = 2000


async def feedback_of(session: AsyncSession, certificate_id: int) -> Feedback | None:
    return await session.scalar(select(Feedback).where(Feedback.certificate_id == certificate_id))


async def save_rating(
    session: AsyncSession, clock: Clock, certificate: Certificate, rating: int
) -> Feedback:
    """The rating for the certificate (a second one replaces the first; the comment stays)."""
    if rating not in RATINGS:
        raise ValueError(f"a rating is 1 to 5, not {rating}")
    feedback = await feedback_of(session, certificate.id)
    if feedback is None:
        feedback = Feedback(
            certificate_id=certificate.id,
            event_id=certificate.event_id,
            rating=rating,
            created_at=clock.now(),
        )
        session.add(feedback)
    feedback.rating = rating
    await session.commit()
    return feedback


async def save_comment(session: AsyncSession, certificate_id: int, comment: str) -> bool:
    """The comment for a rating given before; False when there is no rating to attach it to."""
    feedback = await feedback_of(session, certificate_id)
    if feedback is None:
        return False
    feedback.comment = comment.strip()[:COMMENT_LIMIT] or None
    await session.commit()
    return True
