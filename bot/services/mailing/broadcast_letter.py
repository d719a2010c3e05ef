"""An organizer's broadcast as a letter: the message's text or caption (Telegram HTML, as the
organizer formatted it) as the letter's HTML and plain-text parts, the photo or document sent
with it attached, and a subject naming the event. Muted by the e-mail's one-click unsubscribe,
as reminders are: the footer and List-Unsubscribe carry the address."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services.delivery.mail.message import Attachment
from bot.services.events.catalog import Event
from bot.services.mailing.letters import Addressee, Letter, _letter, _plain_title
from db.models import Broadcast

# A photo comes from Telegram as a JPEG without a name; a document may lack name and type.
PHOTO_NAME = "photo.jpg"
PHOTO_TYPE = "image/jpeg"
DOCUMENT_NAME = "document"
DOCUMENT_TYPE = "application/octet-stream"


def attachment_of(broadcast: Broadcast, content: bytes) -> Attachment:
    return Attachment(
        broadcast.file_name or DOCUMENT_NAME, content, broadcast.file_type or DOCUMENT_TYPE
    )


def broadcast_letter(
    t: Translator, event: Event, to: Addressee, text_html: str | None, file: Attachment | None
) -> Letter:
    """`text_html`: the organizer's text as Telegram HTML (escaped by Telegram's own rules:
    it goes in as it is, delivery/mail/body.py keeps only the allowed tags)."""
    parts = [text_html.strip()] if text_html and text_html.strip() else []
    subject = t("mail-broadcast-subject", event=_plain_title(t, event))
    return _letter(t, event, subject, parts, to, mutable=True, attachments=[file] if file else [])
