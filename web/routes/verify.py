"""`/verify` (a form) and `/verify/<number>`: the public certificate check, the same function as
the bot's /verify (bot.services.certificates.issue.verify_certificate), so the same rule and
the same normalisation of what people type (Cyrillic look-alikes, long dashes, spaces)."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from bot.services.certificates.documents import event_date
from web.context import DEPS
from web.language import page_language
from web.render import render_page

# What is shown back of an unknown number; longer input is cut (it cannot be a number anyway).
SHOWN_LENGTH = 40


async def verify_form(request: web.Request) -> web.StreamResponse:
    """The form is sent with GET (a check changes nothing and can be shared as a link); a
    submitted number goes to its own address."""
    if "number" not in request.query:
        return render_page(request, "verify.html", found=None, not_found=False, typed="", error="")
    typed = request.query["number"].strip()[:SHOWN_LENGTH]
    if not typed:
        return render_page(
            request,
            "verify.html",
            status=400,
            found=None,
            not_found=False,
            typed="",
            error="web-verify-empty",
        )
    # safe="/": a pupil's page of a class certificate is "NP25-0042-K7QX/3".
    raise web.HTTPSeeOther(f"/verify/{quote(typed, safe='/')}")


async def verify_number(request: web.Request) -> web.StreamResponse:
    deps = request.app[DEPS]
    typed = request.match_info["number"].strip()[:SHOWN_LENGTH]
    found = await deps.verify(typed)
    event = deps.catalog.get(found.event_slug) if found else None
    if found is None or event is None:
        # Nothing but "not found": no hint whether the number is close to a real one.
        return render_page(
            request, "verify.html", status=404, found=None, not_found=True, typed=typed, error=""
        )
    lang = page_language(request) or "ru"
    return render_page(
        request,
        "verify.html",
        found=found,
        not_found=False,
        typed=typed,
        error="",
        event_title=event.title.get(lang),
        # As on the certificate: «3 сентября 2025 г.» (Moscow), 2025年9月3日 (Beijing).
        event_date=event_date(event.starts_at).get(lang),
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/verify", verify_form, name="verify")
    app.router.add_get("/verify/{number:.+}", verify_number, name="verify_number")
