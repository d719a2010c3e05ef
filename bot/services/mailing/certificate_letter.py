"""The participant's certificate as a letter: the same PDF as in the bot (the same renderer on
the same certificate row, so the same number), named as the bot names it in the reader's
language, the public check address when there is one (PUBLIC_URL), and the bot's feedback
question as a paragraph that sends to the personal page, where the feedback form is. Never
muted by the unsubscribe link: a certificate is not a reminder."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.i18n import Translator
from bot.services.certificates.documents import verify_address
from bot.services.certificates.issue import document_labels
from bot.services.delivery.mail.message import Attachment
from bot.services.events.catalog import Event
from bot.services.mailing.letters import Addressee, Letter, _letter, _plain_title, _title
from db.models import Certificate

PDF_TYPE = "application/pdf"
# The ledger's kind of a certificate letter: `certificate-<certificate id>`, and after an
# organizer corrected the name, `certificate-<id>-<reissue>` (the corrected one goes out too).
CERTIFICATE = "certificate-"
_KIND = re.compile(r"certificate-(\d+)(?:-(\d+))?")


def certificate_kind(certificate_id: int, reissued: int = 0) -> str:
    suffix = f"-{reissued}" if reissued else ""
    return f"{CERTIFICATE}{certificate_id}{suffix}"


def certificate_of_kind(kind: str) -> int | None:
    """The certificate id a kind names, or None when it is not a certificate's."""
    found = _KIND.fullmatch(kind)
    return int(found[1]) if found else None


@dataclass(frozen=True)
class CertificateFile:
    """The document as it goes out: the PDF and what the letter says about it."""

    certificate: Certificate
    pdf: bytes
    # `<PUBLIC_URL>/verify/<number>`; None without PUBLIC_URL (no address anyone can open).
    public_url: str | None
    # The feedback paragraph: until a rating is given, in the bot or on the page.
    ask_feedback: bool


def certificate_letter(t: Translator, event: Event, to: Addressee, doc: CertificateFile) -> Letter:
    number = doc.certificate.number
    _, filename = document_labels(t, doc.certificate)
    parts = [t("mail-certificate-text", event=_title(t, event), number=number)]
    if doc.public_url:
        parts.append(t("mail-certificate-verify", url=verify_address(doc.public_url, number)))
    if doc.ask_feedback:
        parts += [t("mail-certificate-feedback"), to.page_url]
    subject = t("mail-certificate-subject", event=_plain_title(t, event))
    return _letter(
        t,
        event,
        subject,
        parts,
        to,
        page=not doc.ask_feedback,  # the feedback paragraph ends with the page's address
        attachments=[Attachment(filename, doc.pdf, PDF_TYPE)],
    )
