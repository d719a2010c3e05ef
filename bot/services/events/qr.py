"""QR codes: the encoder the certificates draw from (the check address next to the number) and
the PNG of an event page's address for posters and WeChat (`python -m bot qr <slug>`).

segno (pure Python) is imported when a code is made, not with this module: a bot that draws
no certificate and prints no poster does not load it (tests/test_lazy_imports.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.services.events.catalog import load_events

if TYPE_CHECKING:
    from bot.settings import Settings

# Medium error correction (15% of the symbol can be lost): a printed page gets folded, stamped
# and photographed at an angle. segno raises the level further when the symbol has room.
ERROR_LEVEL = "m"
# The light margin a reader needs around the symbol, in modules (what the standard asks for).
QUIET_ZONE = 4
# Pixels per module of a poster PNG: an event page's address gives a symbol of 29 to 33
# modules, so 740 to 820 pixels with its margin: sharp at 10 cm in print (and a PNG of a QR
# code scales up without blur in any editor, pixel for pixel).
POSTER_SCALE = 20

Modules = tuple[tuple[bool, ...], ...]


def qr_modules(text: str) -> Modules:
    """The symbol for `text` as rows of modules, True for dark, top row first, without the quiet
    zone (a drawing keeps QUIET_ZONE modules around it free)."""
    import segno

    code = segno.make(text, error=ERROR_LEVEL, micro=False)
    return tuple(tuple(bool(m) for m in row) for row in code.matrix_iter(border=0))


def event_url(web_address: str, slug: str) -> str:
    """The event page's address: `<PUBLIC_URL>/e/<slug>` (web/routes/events.py)."""
    return f"{web_address.rstrip('/')}/e/{quote(slug, safe='')}"


def event_qr_png(url: str, path: Path, *, scale: int = POSTER_SCALE) -> Path:
    """Write a PNG of the QR code of `url` (black on white, with its quiet zone) to `path` and
    return the path."""
    import segno

    code = segno.make(url, error=ERROR_LEVEL, micro=False)
    code.save(str(path), kind="png", scale=scale, border=QUIET_ZONE, dark="#000", light="#fff")
    return path


class UnknownEvent(Exception):
    """No event with that slug in the events file; the message says so in one line."""


def main_qr(settings: Settings, slug: str, out: Path | None = None) -> Path:
    """For `python -m bot qr <slug> [--out FILE]`: the PNG of the event page's address at
    PUBLIC_URL (else the local address), written to `out` (default `qr-<slug>.png`). Raises
    UnknownEvent for a slug the events file does not have, and EventsFileError for an events
    file that cannot be read."""
    if load_events(settings.events_file).get(slug) is None:
        raise UnknownEvent(f"no event '{slug}' in {settings.events_file}")
    return event_qr_png(event_url(settings.web_address, slug), out or Path(f"qr-{slug}.png"))
