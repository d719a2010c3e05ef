"""Turns a certificate row into a PDF with the renderer of
bot/services/certificates/documents.py, in a worker thread so the bot's event loop keeps answering
while pages are drawn. With `web_address` (PUBLIC_URL) every page gets the QR code of its
public check address there; without it (None: no PUBLIC_URL) no page carries a web address,
since a local one (http://127.0.0.1:8080) would be printed where nobody can open it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.services.certificates.documents import (
    CertificateRenderer,
    Lang,
    certificate_data,
    letter_data,
)
from bot.services.certificates.issue import ClassPages, Render
from bot.services.events.catalog import Event
from db.models import Certificate


def make_render(
    renderer: CertificateRenderer,
    bot_username: Callable[[], Awaitable[str]],
    web_address: str | None,
) -> Render:
    async def render(event: Event, certificate: Certificate, pages: ClassPages | None) -> bytes:
        lang: Lang = "zh" if certificate.language == "zh" else "ru"
        username = await bot_username()
        if pages is None:
            return await renderer.render_async(
                certificate_data(
                    event,
                    full_name=certificate.full_name,
                    number=certificate.number,
                    lang=lang,
                    bilingual=event.certificate_bilingual,
                    bot_username=username,
                    web_address=web_address,
                )
            )
        pupils = [
            certificate_data(
                event,
                full_name=name,
                number=f"{certificate.number}/{index}",
                lang=lang,
                bilingual=event.certificate_bilingual,
                bot_username=username,
                web_address=web_address,
            )
            for index, name in enumerate(pages.pupils, 1)
        ]
        letter = letter_data(
            event,
            teacher_name=certificate.full_name,
            class_name=pages.class_name,
            school=pages.school,
            lang=lang,
            bilingual=event.certificate_bilingual,
            number=certificate.number,
            web_address=web_address,
        )
        return await renderer.render_class_async(pupils, letter)

    return render
