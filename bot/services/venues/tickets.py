"""Tickets for the door of an offline venue: who has one, its code, and the ticket as a picture.

Everyone holding a seat at a venue (an active registration with a venue and not on its waiting
list) has a ticket: a QR code and, under it, the same code to type when a camera fails. The code
is 8 characters from an alphabet without the look-alikes 0/O and 1/I (`ALPHABET`), shown as
`K7QP-3MXR`: 7 random characters and a check character (Luhn mod 32), so that a typo or an
invented code is told apart from a code nobody holds. It is issued when first needed (the
ticket shown in the bot or on the personal page, or the seat taken) and kept in
`registrations.ticket_code` (unique). It is no secret: it checks in only when a coordinator of
the venue scans it (bot/services/venues/door.py).

Pillow and segno are imported when a picture is drawn, not with this module
(tests/test_lazy_imports.py)."""

from __future__ import annotations

import io
import itertools
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.certificates.fonts import DEJAVU, WQY_ZENHEI
from bot.services.events.qr import QUIET_ZONE, qr_modules
from db.models import Registration, RegistrationStatus

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

# No 0, O, 1, I: read aloud, typed or seen on a cracked screen, they are mistaken for each
# other. 32 characters: 5 bits each, and upper-case letters and digits are what a QR code's
# alphanumeric mode stores compactly.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RANDOM_LENGTH = 7  # 32**7: 34 billion codes for a few thousand tickets
CODE_LENGTH = RANDOM_LENGTH + 1  # and the check character
# Tries at a fresh code when the one drawn is taken (a chance of one in millions each).
ISSUE_TRIES = 5

# What people type instead of the code's characters: Cyrillic look-alikes (a Russian keyboard
# layout left on), and the separators they add.
_LOOK_ALIKES = str.maketrans("АВЕКМНРСТХУЗ", "ABEKMHPCTXY3")
_SEPARATORS = str.maketrans("", "", " -‐‑‒–—_.\u00a0\t\n")
# Punctuation around a word of a sentence: «K7QP-3MXR», (K7QP-3MXR), K7QP-3MXR!
_WORD_EDGES = re.compile(r"^\W+|\W+$")


def check_character(body: str) -> str:
    """The Luhn mod 32 check character of `body` (characters of ALPHABET): it catches every
    single wrong character and most swaps of neighbours."""
    total = 0
    factor = 2
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // len(ALPHABET) + addend % len(ALPHABET)
        factor = 1 if factor == 2 else 2
    return ALPHABET[(len(ALPHABET) - total % len(ALPHABET)) % len(ALPHABET)]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_character(body)


def cleaned(text: str) -> str:
    """What a person typed (or a QR code holds), without separators, in upper case, Cyrillic
    look-alikes made Latin: `k7qp 3mxr` and `К7QР-3МХR` both give `K7QP3MXR`."""
    return (
        unicodedata.normalize("NFKC", text).upper().translate(_LOOK_ALIKES).translate(_SEPARATORS)
    )


def looks_like_code(text: str) -> bool:
    """Eight characters of the alphabet (right or wrong check character): meant as a code."""
    code = cleaned(text)
    return len(code) == CODE_LENGTH and all(c in ALPHABET for c in code)


def valid_code(text: str) -> str | None:
    """The code in `text` if it is one the bot could have issued (its check character right),
    else None."""
    code = cleaned(text)
    if not looks_like_code(code) or check_character(code[:-1]) != code[-1]:
        return None
    return code


def found_codes(text: str) -> list[str]:
    """The valid codes (check character right) in a message, each once, in order: the whole
    message, or words of it (`код K7QP-3MXR`, `K7QP 3MXR, пожалуйста`), a code being one word
    or two neighbouring ones (`K7QP 3MXR`). Only words, never a piece of one: eight letters
    cut out of a sentence would pass the check character once in 32 tries."""
    whole = valid_code(text)
    if whole is not None:
        return [whole]
    words = [_WORD_EDGES.sub("", word) for word in text.split()]
    candidates = words + [a + b for a, b in itertools.pairwise(words)]
    return list(dict.fromkeys(code for c in candidates if (code := valid_code(c)) is not None))


def mentions_code(text: str) -> bool:
    """Meant as a code (a mistyped one included, told as such), or holding a valid one."""
    return looks_like_code(text) or bool(found_codes(text))


def shown_code(code: str) -> str:
    """`K7QP3MXR` as people read it: `K7QP-3MXR`."""
    return f"{code[:4]}-{code[4:]}"


def holds_seat(row: Registration) -> bool:
    """Has a seat at a venue, so a ticket: active, a venue chosen, not on its waiting list."""
    return (
        row.status == RegistrationStatus.ACTIVE
        and row.erased_at is None
        and row.venue_id is not None
        and row.venue_waiting_since is None
    )


def is_waiting(row: Registration) -> bool:
    """On a venue's waiting list: no seat, no ticket yet."""
    return (
        row.status == RegistrationStatus.ACTIVE
        and row.venue_id is not None
        and row.venue_waiting_since is not None
    )


async def issue_ticket(session: AsyncSession, row: Registration) -> str:
    """The registration's ticket code, issued now if it has none (and committed). Two issuers
    at once (the bot and the page) end with one code: only a row still without one is set."""
    if row.ticket_code:
        return row.ticket_code
    row_id = row.id  # a rollback expires the row: its attributes would be loaded again
    for _ in range(ISSUE_TRIES):
        code = new_code()
        try:
            await session.execute(
                update(Registration)
                .where(Registration.id == row_id, Registration.ticket_code.is_(None))
                .values(ticket_code=code)
            )
            await session.commit()
        except IntegrityError:  # someone else's code already: draw again
            await session.rollback()
            continue
        await session.refresh(row, ["ticket_code"])
        if row.ticket_code:
            return row.ticket_code
    raise RuntimeError(f"no free ticket code after {ISSUE_TRIES} tries")


async def waiting_place(session: AsyncSession, row: Registration) -> int:
    """The person's place in line on their venue's waiting list (1: next to get a seat)."""
    assert row.venue_id is not None and row.venue_waiting_since is not None
    ahead = await session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == row.event_id,
            Registration.venue_id == row.venue_id,
            Registration.status == RegistrationStatus.ACTIVE,
            Registration.venue_waiting_since.is_not(None),
            (Registration.venue_waiting_since < row.venue_waiting_since)
            | (
                (Registration.venue_waiting_since == row.venue_waiting_since)
                & (Registration.id < row.id)
            ),
        )
    )
    return (ahead or 0) + 1


# --- the picture --------------------------------------------------------------------------------

# Pixels per QR module: a ticket's code is a 21x21 symbol (25 with the quiet zone), so 500 px:
# large on a phone's screen, scanned from an arm's length in a dim hall.
MODULE = 20
WIDTH = 720
MARGIN = 40
Colour = tuple[int, int, int]
INK = (27, 43, 75)  # the pages' and certificates' ink and red (web/static/site.css)
RED = (122, 28, 28)
MUTED = (85, 96, 122)
PAPER = (255, 255, 255)
SANS = DEJAVU / "DejaVuSans.ttf"
SANS_BOLD = DEJAVU / "DejaVuSans-Bold.ttf"
MONO_BOLD = DEJAVU / "DejaVuSansMono-Bold.ttf"


@dataclass(frozen=True)
class TicketPicture:
    """What the ticket's picture says besides the code: the name, the event, the venue (name
    and address) and the time lines, in the holder's language."""

    name: str
    event: str
    venue: str
    address: str
    times: Sequence[str]


def qr_svg_data_uri(code: str) -> str:
    """The ticket's QR code as an SVG `data:` address, for the personal page's <img>."""
    import segno

    symbol = segno.make(shown_code(code), error="m", micro=False)
    return str(symbol.svg_data_uri(scale=8, border=QUIET_ZONE, dark="#000", light="#fff"))


def ticket_png(code: str, picture: TicketPicture) -> bytes:
    """The ticket as a PNG made in memory: the QR code, the code under it, then the name, the
    event, the venue and the time."""
    from PIL import Image, ImageDraw

    qr = _qr_image(shown_code(code))
    fonts = _Fonts()
    lines: list[tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont, Colour]] = []
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    text_width = WIDTH - 2 * MARGIN
    lines.append((shown_code(code), fonts.code, INK))
    for text, size, bold, colour in (
        (picture.name, 34, True, INK),
        (picture.event, 24, False, RED),
        (picture.venue, 26, True, INK),
        (picture.address, 22, False, MUTED),
        *((time, 22, False, INK) for time in picture.times),
    ):
        for line in _wrap(scratch, text, fonts.pick(text, size, bold), text_width):
            lines.append((line, fonts.pick(line, size, bold), colour))
    heights = [_line_height(scratch, font) for _, font, _ in lines]
    height = MARGIN + qr.height + sum(heights) + 12 * len(lines) + MARGIN
    image = Image.new("RGB", (WIDTH, height), PAPER)
    image.paste(qr, ((WIDTH - qr.width) // 2, MARGIN))
    draw = ImageDraw.Draw(image)
    y = MARGIN + qr.height
    for (text, font, colour), line_height in zip(lines, heights, strict=True):
        width = draw.textlength(text, font=font)
        draw.text(((WIDTH - width) / 2, y), text, font=font, fill=colour)
        y += line_height + 12
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _qr_image(text: str) -> Image.Image:
    """The symbol one pixel a module, then scaled up without smoothing: sharp edges."""
    from PIL import Image

    modules = qr_modules(text)
    side = len(modules) + 2 * QUIET_ZONE
    image = Image.new("L", (side, side), 255)
    image.putdata(
        [
            0
            if QUIET_ZONE <= y < side - QUIET_ZONE
            and QUIET_ZONE <= x < side - QUIET_ZONE
            and modules[y - QUIET_ZONE][x - QUIET_ZONE]
            else 255
            for y in range(side)
            for x in range(side)
        ]
    )
    return image.resize((side * MODULE, side * MODULE), Image.Resampling.NEAREST).convert("RGB")


def _has_hanzi(text: str) -> bool:
    return any(unicodedata.east_asian_width(char) in ("W", "F") for char in text)


class _Fonts:
    """DejaVu for Latin and Cyrillic; a line with Hanzi in WenQuanYi Zen Hei, which has the
    Latin and Cyrillic letters as well (one face per line: a ticket is no certificate)."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[str, int], ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
        self.code = self._font(str(MONO_BOLD), 56)

    def pick(
        self, text: str, size: int, bold: bool
    ) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if _has_hanzi(text):
            return self._font(str(WQY_ZENHEI), size)
        return self._font(str(SANS_BOLD if bold else SANS), size)

    def _font(self, path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        from PIL import ImageFont

        key = (path, size)
        if key not in self._loaded:
            try:
                self._loaded[key] = ImageFont.truetype(path, size)
            except OSError:  # a machine without the fonts: still a ticket with a readable code
                self._loaded[key] = ImageFont.load_default(size)
        return self._loaded[key]


def _line_height(
    draw: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont | ImageFont.ImageFont
) -> int:
    box = draw.textbbox((0, 0), "Ag王Йy", font=font)
    return int(box[3] - box[1]) + 4


def _wrap(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    width: int,
) -> list[str]:
    """`text` in lines no wider than `width`: at spaces, or between any two Hanzi."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for piece in _pieces(paragraph):
            candidate = line + piece
            if line and draw.textlength(candidate.rstrip(), font=font) > width:
                lines.append(line.rstrip())
                line = piece.lstrip()
            else:
                line = candidate
        if line.strip():
            lines.append(line.rstrip())
    return lines


def _pieces(text: str) -> list[str]:
    """Words with their trailing space, and each Hanzi on its own: the places a line may end."""
    pieces: list[str] = []
    word = ""
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            if word:
                pieces.append(word)
                word = ""
            pieces.append(char)
        elif char == " ":
            pieces.append(word + char)
            word = ""
        else:
            word += char
    if word:
        pieces.append(word)
    return pieces
