"""Putting certificate text on the page: fitting a text into a width (shrinking, then wrapping),
drawing it run by run with the right fonts, the default design (frame, corner ornaments, star,
type hierarchy) and the organizers' templates (a background and where each field goes).

A page's words come in as `PageContent`: for every field its text in the page's language, and
in the other language too on a bilingual page. Which words those are is decided in
bot/services/certificates/documents.py; here only where and how they are drawn."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.services.certificates.fonts import FontChain, Run, Shaped
from bot.services.events.qr import QUIET_ZONE, Modules, qr_modules

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 297 * MM, 210 * MM  # A4 landscape, in points

# Field names, shared by the certificate and the letter of thanks (see documents.py for the
# words): heading, intro ("Настоящим подтверждается, что"), name, body ("является участником
# мероприятия"), event (its title), date, closing ("特发此证"), organizer_label, organizer,
# number, verify.
FieldName = Literal[
    "heading",
    "intro",
    "name",
    "body",
    "event",
    "date",
    "closing",
    "organizer_label",
    "organizer",
    "number",
    "verify",
]


@dataclass(frozen=True)
class PageContent:
    """The words of one page: per field, the page's language first, then (bilingual pages) the
    other language. A field that is absent or empty is not drawn."""

    fields: Mapping[str, tuple[str, ...]]
    title: str  # the PDF's document title
    qr: str | None = None  # what the page's QR code encodes (the check address); None: no code

    def get(self, name: str) -> list[tuple[int, str]]:
        """The non-empty texts of a field with their position: 0 the page's language, 1 the
        other language."""
        return [(i, t) for i, t in enumerate(self.fields.get(name, ())) if t]

    def texts(self, name: str) -> list[str]:
        return [t for _, t in self.get(name)]


@dataclass(frozen=True)
class Chains:
    regular: FontChain
    bold: FontChain


# ---------------------------------------------------------------------------------------------
# Fitting text into a width

# Where a line must not start / end (Chinese and Western punctuation).
_NO_LINE_START = frozenset("，。、；：？！）」』”’》〉】〕…·%,.;:!?)]}")
_NO_LINE_END = frozenset("（「『“‘《〈【〔([{")
_BREAK_AFTER = frozenset("-‐–—/")
# Spaces that hold their neighbours on one line: «№\u00a0123», «2025\u00a0г.».
_NO_BREAK_SPACES = frozenset("\u00a0\u2007\u202f")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF  # radicals, punctuation, kana, ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x3FFFF
    )


def _break_points(text: str) -> list[int]:
    """Indexes where a new line may begin: after spaces (not non-breaking ones), after hyphens
    and dashes, and around Chinese characters (not before closing or after opening
    punctuation)."""
    points = []
    for i in range(1, len(text)):
        before, char = text[i - 1], text[i]
        if char.isspace() or char in _NO_LINE_START or before in _NO_LINE_END:
            continue
        after_space = before.isspace() and before not in _NO_BREAK_SPACES
        if after_space or before in _BREAK_AFTER or _is_cjk(before) or _is_cjk(char):
            points.append(i)
    return points


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]
    width: float  # at 1 pt, tracking included (but not after the last character)


@dataclass(frozen=True)
class Fitted:
    lines: tuple[Line, ...]
    size: float
    tracking: float  # em

    @property
    def width(self) -> float:
        return max((line.width for line in self.lines), default=0.0) * self.size


class _Measure:
    """Widths of stretches of one shaped text at 1 pt, spaces at the ends not counted."""

    def __init__(self, shaped: Shaped, tracking: float) -> None:
        self.shaped = shaped
        self.tracking = tracking
        self.prefix = [0.0]
        for width in shaped.widths:
            self.prefix.append(self.prefix[-1] + width + tracking)

    def trim(self, start: int, end: int) -> tuple[int, int]:
        text = self.shaped.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return start, end

    def width(self, start: int, end: int) -> float:
        start, end = self.trim(start, end)
        if start >= end:
            return 0.0
        return self.prefix[end] - self.prefix[start] - self.tracking

    def line(self, start: int, end: int) -> Line:
        start, end = self.trim(start, end)
        return Line(tuple(self.shaped.runs(start, end)), self.width(start, end))


def _greedy(measure: _Measure, points: Sequence[int], limit: float) -> list[int] | None:
    """Line starts when each line takes as much as fits in `limit`; None if a piece between
    two break points is wider than `limit` on its own."""
    n = len(measure.shaped.text)
    ends = [*points, n]
    starts = [0]
    start = 0
    k = 0
    while True:
        last_fit = None
        while k < len(ends) and measure.width(start, ends[k]) <= limit:
            last_fit = k
            k += 1
        if last_fit is None:
            return None
        if ends[last_fit] == n:
            return starts
        start = ends[last_fit]
        starts.append(start)
        k = last_fit + 1


def _balanced(measure: _Measure, points: Sequence[int], lines: int) -> list[int]:
    """Line starts for at most `lines` lines with the widest line as narrow as possible."""
    n = len(measure.shaped.text)
    low = max(
        measure.width(a, b) for a, b in zip([0, *points], [*points, n], strict=True)
    )  # the widest unbreakable piece
    high = measure.width(0, n)
    best = _greedy(measure, points, high) or [0]
    for _ in range(40):
        if high - low <= 1e-4 * high:
            break
        middle = (low + high) / 2
        starts = _greedy(measure, points, middle)
        if starts is not None and len(starts) <= lines:
            best, high = starts, middle
        else:
            low = middle
    starts = _greedy(measure, points, high)
    if starts is not None and len(starts) <= lines:
        best = starts
    return best


@lru_cache(maxsize=4096)  # the fixed words and the event's texts repeat on every certificate
def fit_text(
    chain: FontChain,
    text: str,
    *,
    size: float,
    max_width: float,
    max_lines: int = 1,
    min_size: float | None = None,
    tracking: float = 0.0,
) -> Fitted:
    """Fit `text` into `max_width` points: at `size` if it fits on one line; else shrunk, down
    to `min_size` (default 70% of size); else wrapped at `min_size` onto up to `max_lines`
    lines, balanced (the widest line as narrow as possible); and if that still does not fit,
    smaller: the text never overflows. `min_size` equal to `size` wraps before shrinking.
    A text without any break point (one very long word) may be broken anywhere. Raises
    MissingGlyphs for characters no font of the chain has. Cached: the fixed words and the
    event's texts are the same on every certificate."""
    shaped = chain.shape(text)
    text = shaped.text  # invisible characters left out
    measure = _Measure(shaped, tracking)
    n = len(text)
    floor = size * 0.7 if min_size is None else min(min_size, size)
    points = _break_points(text) if max_lines > 1 else []
    if max_lines > 1 and not points:
        points = list(range(1, n))
    best: Fitted | None = None
    for count in range(1, max_lines + 1):
        if count == 1:
            starts = [0]
        elif count - 1 > len(points):
            break
        else:
            starts = _balanced(measure, points, count)
        lines = tuple(measure.line(a, b) for a, b in zip(starts, [*starts[1:], n], strict=True))
        widest = max(line.width for line in lines)
        # Wrapped lines keep the size the single line was shrunk to: a name on two lines is
        # not drawn larger than one that just fitted on one.
        largest = size if count == 1 else floor
        fitted_size = min(largest, max_width / widest) if widest else largest
        best = Fitted(lines, fitted_size, tracking)
        if fitted_size >= floor - 1e-6:
            break
    assert best is not None
    return best


# ---------------------------------------------------------------------------------------------
# Drawing

Align = Literal["left", "center", "right"]


@cache
def _hex(color: str) -> Any:
    from reportlab.lib.colors import HexColor

    return HexColor(color)


def _stroke_groups(line: Line) -> list[list[Run]]:
    """The line's runs in groups drawn with the same stroke (see FontFace.embolden)."""
    groups: list[list[Run]] = []
    for run in line.runs:
        if groups and groups[-1][-1].face.embolden == run.face.embolden:
            groups[-1].append(run)
        else:
            groups.append([run])
    return groups


def draw_fitted(
    canvas: Any,
    fitted: Fitted,
    x: float,
    y: float,
    *,
    align: Align = "center",
    color: str,
    leading: float = 1.2,
) -> float:
    """Draw the lines with the first baseline at `y`; `x` is the left edge, centre or right
    edge for the alignment. Returns the baseline of the last line. Runs of an emboldened face
    are filled and stroked, with a line as wide as that face asks for: a text object per
    stretch of the same stroke."""
    size = fitted.size
    canvas.saveState()
    canvas.setFillColor(_hex(color))
    canvas.setStrokeColor(_hex(color))
    baseline = y
    for index, line in enumerate(fitted.lines):
        baseline = y - index * size * leading
        width = line.width * size
        left = x if align == "left" else x - width if align == "right" else x - width / 2
        for group in _stroke_groups(line):
            embolden = group[0].face.embolden
            if embolden:
                canvas.setLineWidth(size * embolden)
            text = canvas.beginText(left, baseline)
            if fitted.tracking:
                text.setCharSpace(fitted.tracking * size)
            # The mode is part of the graphics state and outlives the text object: set and
            # reset within it.
            text.setTextRenderMode(2 if embolden else 0)
            for run in group:
                text.setFont(run.face.name, size)
                text.textOut(run.text)
                left += (run.width + len(run.text) * fitted.tracking) * size
            text.setTextRenderMode(0)
            canvas.drawText(text)
    canvas.restoreState()
    return baseline


@dataclass(frozen=True)
class Block:
    """A fitted text with its place in a vertical flow."""

    fitted: Fitted
    color: str
    space_before: float  # points between the previous block's descenders and this one's capitals
    leading: float = 1.2
    field: str = ""

    @property
    def ascent(self) -> float:
        return self.fitted.size * 0.8

    @property
    def descent(self) -> float:
        return self.fitted.size * 0.24

    @property
    def height(self) -> float:
        lines = len(self.fitted.lines)
        return self.ascent + (lines - 1) * self.fitted.size * self.leading + self.descent


def flow_height(blocks: Sequence[Block]) -> float:
    return sum(b.height for b in blocks) + sum(b.space_before for b in blocks[1:])


def draw_column(
    canvas: Any, blocks: Sequence[Block], x: float, top: float, *, align: Align = "center"
) -> list[tuple[Block, float]]:
    """Draw blocks one under the other from `top` (the first block's capitals) down, aligned on
    `x`. Returns each block with the baseline of its last line."""
    y = top
    placed = []
    for index, block in enumerate(blocks):
        if index:
            y -= block.space_before
        last = draw_fitted(
            canvas, block.fitted, x, y - block.ascent, align=align, color=block.color,
            leading=block.leading,
        )  # fmt: skip
        placed.append((block, last))
        y = last - block.descent
    return placed


def draw_flow(
    canvas: Any, blocks: Sequence[Block], x: float, top: float, bottom: float
) -> list[tuple[Block, float]]:
    """Draw blocks one under the other, centred on `x`, the whole centred between `top` and
    `bottom`. Returns each block with the baseline of its last line."""
    return draw_column(canvas, blocks, x, top - max(0.0, (top - bottom - flow_height(blocks)) / 2))


# ---------------------------------------------------------------------------------------------
# The default design


@dataclass(frozen=True)
class Palette:
    paper: str = "#FBF7EC"  # ivory
    red: str = "#7A1C1C"  # dark red: frame, heading, event
    gold: str = "#B08A2E"  # gold: inner frame, ornaments, star
    blue: str = "#1B2B4B"  # dark blue: the name and the text
    muted: str = "#55607A"  # small print
    secondary: str = "#4D5570"  # the other language on a bilingual page


PALETTE = Palette()
SECONDARY_SCALE = 0.72  # the other language, relative to the field's size

# Frame insets from the page edge, in points.
OUTER, INNER_RED, GOLD = 9 * MM, 11 * MM, 13.5 * MM

# The corner ornaments (`_corner`) are Ls along the gold frame: from each of its corners they
# reach CORNER_REACH along the frame and CORNER_DEPTH into the page (strokes included).
CORNER_REACH, CORNER_DEPTH = 34.5 * MM, 15 * MM
CLEARANCE = 3 * MM  # the least room between text and an ornament
# The footer (organizer, number, verification line) lies between the corner ornaments.
FOOTER_SIDE = GOLD + CORNER_REACH + CLEARANCE
FOOTER_TOP = 43 * MM  # the capitals of the footer's first lines
VERIFY_RULE = 26.5 * MM  # the gold rule above the verification line
COLUMN_BOTTOM = VERIFY_RULE + 2 * MM  # the organizer and the number stay above it
# The QR code of the check address sits right of the number, inside the bottom right corner
# ornament's L: clear of its upright by CLEARANCE and above its foot by CLEARANCE.
QR_SIZE = 19 * MM  # the symbol, without its quiet zone
QR_RIGHT = PAGE_WIDTH - GOLD - CORNER_DEPTH - CLEARANCE
QR_BOTTOM = GOLD + CORNER_DEPTH + CLEARANCE
QR_GAP = 4 * MM  # from the number to the symbol: the quiet zone (about 2.3 mm) and some air

Box = tuple[float, float, float, float]  # left, bottom, right, top, in points


def qr_box() -> Box:
    """Where the QR code's symbol lies on the default design (its quiet zone not included)."""
    return (QR_RIGHT - QR_SIZE, QR_BOTTOM, QR_RIGHT, QR_BOTTOM + QR_SIZE)


def ornament_boxes() -> list[Box]:
    """Where the corner ornaments lie: each L as two boxes, one along each side of the frame."""
    w, h = PAGE_WIDTH, PAGE_HEIGHT
    boxes: list[Box] = []
    for left, bottom in ((GOLD, GOLD), (w - GOLD, GOLD), (GOLD, h - GOLD), (w - GOLD, h - GOLD)):
        sx = 1 if left < w / 2 else -1
        sy = 1 if bottom < h / 2 else -1
        for along, into in ((CORNER_REACH, CORNER_DEPTH), (CORNER_DEPTH, CORNER_REACH)):
            x0, x1 = sorted((left, left + sx * along))
            y0, y1 = sorted((bottom, bottom + sy * into))
            boxes.append((x0, y0, x1, y1))
    return boxes


class _Ops:
    """PDF path operators for the fixed artwork, written once and reused on every page: the
    frame costs nothing per certificate (reportlab would format every coordinate again)."""

    def __init__(self) -> None:
        self.parts: list[str] = ["q"]

    @staticmethod
    def _n(*values: float) -> str:
        return " ".join(f"{v:.3f}".rstrip("0").rstrip(".") for v in values)

    @staticmethod
    def _rgb(color: str) -> str:
        value = int(color.removeprefix("#"), 16)
        return _Ops._n(*(((value >> shift) & 0xFF) / 255 for shift in (16, 8, 0)))

    def fill(self, color: str) -> None:
        self.parts.append(f"{self._rgb(color)} rg")

    def stroke(self, color: str) -> None:
        self.parts.append(f"{self._rgb(color)} RG")

    def width(self, width: float) -> None:
        self.parts.append(f"{self._n(width)} w")

    def rect(self, x: float, y: float, w: float, h: float, *, fill: bool = False) -> None:
        self.parts.append(f"{self._n(x, y, w, h)} re {'f' if fill else 'S'}")

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.parts.append(f"{self._n(x1, y1)} m {self._n(x2, y2)} l S")

    def path(
        self, points: Sequence[tuple[float, float]], *, close: bool = False, paint: str = "S"
    ) -> None:
        """paint: S stroke, f fill, B fill and stroke."""
        (x0, y0), rest = points[0], points[1:]
        ops = [f"{self._n(x0, y0)} m", *(f"{self._n(x, y)} l" for x, y in rest)]
        if close:
            ops.append("h")
        self.parts.append(" ".join([*ops, paint]))

    def text(self) -> str:
        return "\n".join([*self.parts, "Q"])


@cache
def design_ops(palette: Palette) -> str:
    """The fixed artwork of the default design as PDF operators: the paper, the frames, the
    corner ornaments and the star divider under the heading."""
    ops = _Ops()
    w, h = PAGE_WIDTH, PAGE_HEIGHT
    ops.fill(palette.paper)
    ops.rect(0, 0, w, h, fill=True)
    ops.stroke(palette.red)
    ops.width(2.6)
    ops.rect(OUTER, OUTER, w - 2 * OUTER, h - 2 * OUTER)
    ops.width(0.7)
    ops.rect(INNER_RED, INNER_RED, w - 2 * INNER_RED, h - 2 * INNER_RED)
    ops.stroke(palette.gold)
    ops.width(1.1)
    ops.rect(GOLD, GOLD, w - 2 * GOLD, h - 2 * GOLD)
    for sx, sy, cx, cy in (
        (1, 1, GOLD, GOLD),
        (-1, 1, w - GOLD, GOLD),
        (1, -1, GOLD, h - GOLD),
        (-1, -1, w - GOLD, h - GOLD),
    ):
        _corner(ops, palette, cx, cy, sx, sy)
    _divider(ops, palette, h - 31 * MM, 62 * MM, 9.5)
    return ops.text()


def _corner(ops: _Ops, palette: Palette, cx: float, cy: float, sx: int, sy: int) -> None:
    """A corner ornament drawn with lines, pointing into the page from the gold frame's corner
    (cx, cy); sx, sy are +1 or -1 towards the inside."""

    def p(dx: float, dy: float) -> tuple[float, float]:
        return cx + sx * dx * MM, cy + sy * dy * MM

    ops.stroke(palette.gold)
    # A square notch in the corner with a dark red diamond in it.
    ops.width(1.1)
    ops.path([p(0, 9), p(9, 9), p(9, 0)])
    ops.fill(palette.red)
    ops.path([p(4.5, 1.6), p(7.4, 4.5), p(4.5, 7.4), p(1.6, 4.5)], close=True, paint="B")
    # Two brackets along the frame, the inner one shorter.
    ops.width(0.8)
    for offset, length in ((12, 34), (14.5, 22)):
        ops.path([p(offset, length), p(offset, offset), p(length, offset)])
    # Small ticks on the frame lines.
    ops.width(0.6)
    for d in (18, 22, 26):
        ops.line(*p(d, 0), *p(d, 2.2))
        ops.line(*p(0, d), *p(2.2, d))


def _star(ops: _Ops, x: float, y: float, radius: float) -> None:
    points = []
    for k in range(10):
        r = radius if k % 2 == 0 else radius * 0.382
        angle = math.pi / 2 + k * math.pi / 5
        points.append((x + r * math.cos(angle), y + r * math.sin(angle)))
    ops.path(points, close=True, paint="f")


def _diamond(ops: _Ops, x: float, y: float, r: float) -> None:
    ops.path([(x - r, y), (x, y + r * 0.75), (x + r, y), (x, y - r * 0.75)], close=True, paint="f")


def _divider(ops: _Ops, palette: Palette, y: float, half: float, star: float) -> None:
    """── ◆ ──── ★ ──── ◆ ── centred at y."""
    x = PAGE_WIDTH / 2
    gap = star * 1.9
    ops.stroke(palette.gold)
    ops.fill(palette.gold)
    ops.width(0.9)
    ops.line(x - half, y, x - gap, y)
    ops.line(x + gap, y, x + half, y)
    ops.width(0.5)
    ops.line(x - half + 4 * MM, y - 1.6, x - gap - 4 * MM, y - 1.6)
    ops.line(x + gap + 4 * MM, y - 1.6, x + half - 4 * MM, y - 1.6)
    for side in (-1, 1):
        _diamond(ops, x + side * half, y, 2.4)
    _star(ops, x, y, star)


@dataclass(frozen=True)
class _Type:
    """One level of the type hierarchy."""

    size: float
    bold: bool
    color: str
    max_lines: int = 1
    space_before: float = 0.0  # points
    tracking: float = 0.0
    min_ratio: float = 0.7
    width: float = 230 * MM


def _default_types(palette: Palette) -> dict[str, _Type]:
    return {
        "intro": _Type(15, False, palette.blue, max_lines=2, tracking=0.02),
        "name": _Type(40, True, palette.blue, max_lines=2, space_before=3 * MM, width=245 * MM),
        "body": _Type(
            15,
            False,
            palette.blue,
            max_lines=3,  # the letter of thanks says more here than the certificate
            space_before=9 * MM,
            min_ratio=0.9,
            width=215 * MM,
        ),
        "event": _Type(21, True, palette.red, max_lines=3, space_before=2 * MM, min_ratio=1.0),
        "date": _Type(16, False, palette.blue, space_before=4 * MM),
        "closing": _Type(14, False, palette.blue, space_before=3 * MM),
    }


FLOW_FIELDS = ("intro", "name", "body", "event", "date", "closing")


def draw_default(canvas: Any, content: PageContent, chains: Chains, palette: Palette) -> None:
    """The default design: ivory page, double frame (dark red) with a gold inner frame and
    corner ornaments, a gold star divider, the heading in dark red capitals, then the text
    centred in a vertical flow, the organizer bottom left, the number bottom right and the
    verification line at the bottom."""
    canvas.addLiteral(design_ops(palette))
    w, h = PAGE_WIDTH, PAGE_HEIGHT

    # Heading: the page's language, then the other one smaller.
    headings = content.get("heading")
    y = h - 50 * MM
    previous = 0.0
    for index, heading in headings:
        cjk = any(_is_cjk(c) for c in heading)
        size = (40.0 if cjk else 31.0) * (1.0 if index == 0 else 0.55)
        fitted = fit_text(
            chains.bold, heading, size=size, max_width=220 * MM, tracking=0.45 if cjk else 0.1
        )
        if index:
            y -= previous * 0.25 + size * 0.8 + 2.5 * MM
        draw_fitted(canvas, fitted, w / 2, y, color=palette.red)
        previous = size
    top = y - previous * 0.25 - 6 * MM
    footer_top = FOOTER_TOP + 4 * MM

    types = _default_types(palette)
    scale = 1.0
    blocks: list[Block] = []
    for _ in range(8):  # shrink the whole flow until it fits between heading and footer
        blocks = _flow_blocks(content, chains, palette, types, scale)
        if flow_height(blocks) <= top - footer_top:
            break
        scale *= 0.92
    placed = draw_flow(canvas, blocks, w / 2, top, footer_top)
    # A gold rule under the name, like the line it would be written on.
    for block, last in placed:
        if block.field == "name":
            half = min(max(block.fitted.width / 2 + 10 * MM, 70 * MM), 122 * MM)
            canvas.setStrokeColor(_hex(palette.gold))
            canvas.setLineWidth(0.8)
            y_rule = last - block.fitted.size * 0.3
            canvas.line(w / 2 - half, y_rule, w / 2 + half, y_rule)
    # Drawn last so that text extraction (copy, screen readers) reads the page top to bottom.
    _footer(canvas, content, chains, palette)


def _flow_blocks(
    content: PageContent, chains: Chains, palette: Palette, types: dict[str, _Type], scale: float
) -> list[Block]:
    blocks: list[Block] = []
    for name in FLOW_FIELDS:
        t = types[name]
        for index, text in content.get(name):
            secondary = index > 0
            size = t.size * scale * (SECONDARY_SCALE if secondary else 1.0)
            fitted = fit_text(
                chains.bold if t.bold and not secondary else chains.regular,
                text,
                size=size,
                max_width=t.width,
                max_lines=t.max_lines,
                min_size=size * t.min_ratio,
                tracking=t.tracking,
            )
            space = 0.8 * MM if secondary else t.space_before * scale
            color = palette.secondary if secondary else t.color
            blocks.append(Block(fitted, color, space, field=name))
    return blocks


def _footer(canvas: Any, content: PageContent, chains: Chains, palette: Palette) -> None:
    """The organizer bottom left, the number bottom right, both between the corner ornaments
    and above the verification line, which is at the bottom in the middle."""
    w = PAGE_WIDTH
    organizer = _organizer_blocks(content, chains, palette)
    draw_column(canvas, organizer, FOOTER_SIDE, FOOTER_TOP, align="left")
    numbers = [
        Block(
            fit_text(chains.regular, number, size=11.0 if index == 0 else 9.0, max_width=80 * MM),
            palette.blue if index == 0 else palette.secondary,
            1.2 * MM,
        )
        for index, number in content.get("number")
    ]
    number_right = w - FOOTER_SIDE
    if content.qr:
        left, bottom, right, _ = qr_box()
        draw_qr(canvas, content.qr, left, bottom, right - left, color=palette.blue)
        number_right = left - QR_GAP
    draw_column(canvas, numbers, number_right, FOOTER_TOP, align="right")
    verify = content.texts("verify")
    if verify:
        canvas.setStrokeColor(_hex(palette.gold))
        canvas.setLineWidth(0.5)
        canvas.line(w / 2 - 40 * MM, VERIFY_RULE, w / 2 + 40 * MM, VERIFY_RULE)
        y = 22 * MM
        for text in verify:
            fitted = fit_text(chains.regular, text, size=8.5, max_width=w - 2 * FOOTER_SIDE)
            draw_fitted(canvas, fitted, w / 2, y, color=palette.muted)
            y -= 4.2 * MM


def qr_ops(modules: Modules, x: float, y: float, size: float, color: str) -> str:
    """PDF operators that fill the dark modules of a symbol whose lower left corner is at (x, y)
    and whose side is `size` points: one path of rectangles, a run of dark modules in a row
    being one rectangle, filled at once (so that no hairline shows between modules)."""
    ops = _Ops()
    ops.fill(color)
    step = size / len(modules)
    rects = []
    for row, dark in enumerate(modules):
        top = y + size - row * step
        column = 0
        while column < len(dark):
            if not dark[column]:
                column += 1
                continue
            start = column
            while column < len(dark) and dark[column]:
                column += 1
            rects.append(
                f"{_Ops._n(x + start * step, top - step, (column - start) * step, step)} re"
            )
    ops.parts.append("\n".join([*rects, "f"]))
    return ops.text()


def draw_qr(
    canvas: Any,
    text: str,
    x: float,
    y: float,
    size: float,
    *,
    color: str,
    backdrop: str | None = None,
) -> None:
    """The QR code of `text` as vector rectangles, the symbol's lower left corner at (x, y),
    `size` points wide. With `backdrop`, its quiet zone is painted in that colour first (on an
    organizer's background, which may be dark or busy)."""
    modules = qr_modules(text)
    if backdrop is not None:
        quiet = size / len(modules) * QUIET_ZONE
        canvas.saveState()
        canvas.setFillColor(_hex(backdrop))
        canvas.rect(x - quiet, y - quiet, size + 2 * quiet, size + 2 * quiet, stroke=0, fill=1)
        canvas.restoreState()
    canvas.addLiteral(qr_ops(modules, x, y, size, color))


def _organizer_blocks(content: PageContent, chains: Chains, palette: Palette) -> list[Block]:
    """A small label, then the organizer (both languages on a bilingual page), smaller if need
    be to stay above the verification line."""
    label = " / ".join(content.texts("organizer_label"))
    organizers = content.get("organizer")
    if not organizers:
        return []
    blocks: list[Block] = []
    scale = 1.0
    for _ in range(8):
        blocks = []
        if label:
            fitted = fit_text(
                chains.regular, label, size=8.5 * scale, max_width=100 * MM, tracking=0.08
            )
            blocks.append(Block(fitted, palette.muted, 0.0))
        for index, organizer in organizers:
            size = (11.5 if index == 0 else 9.5) * scale
            fitted = fit_text(
                chains.bold if index == 0 else chains.regular,
                organizer,
                size=size,
                max_width=100 * MM,
                max_lines=2,
                min_size=size * 0.8,
            )
            color = palette.blue if index == 0 else palette.secondary
            blocks.append(Block(fitted, color, (1.6 if index == 0 else 1.2) * MM * scale))
        if flow_height(blocks) <= FOOTER_TOP - COLUMN_BOTTOM:
            break
        scale *= 0.92
    return blocks


# ---------------------------------------------------------------------------------------------
# Templates given by the organizers


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextField(_Frozen):
    """Where one field goes on a template page. x is the left edge, the centre or the right
    edge of the text (by `align`), y is the baseline of its first line; both in millimetres
    from the left and the *top* edge of the page, as an image editor shows them."""

    x_mm: float = Field(ge=0, le=297)
    y_mm: float = Field(ge=0, le=210)
    size_pt: float = Field(gt=0, le=200)
    max_width_mm: float = Field(gt=0, le=297)
    align: Align = "center"
    max_lines: int = Field(default=1, ge=1, le=4)  # wrapped onto this many lines at most
    min_size_pt: float | None = Field(default=None, gt=0)  # shrink to this before wrapping
    bold: bool = False
    color: str = Field(default="#1B2B4B", pattern=r"^#[0-9A-Fa-f]{6}$")
    tracking: float = Field(default=0.0, ge=-0.1, le=1.0)  # letter spacing, in em
    # On a bilingual page the other language goes under the field, at this fraction of the size.
    secondary_scale: float = Field(default=SECONDARY_SCALE, gt=0, le=1)


class QrPlace(_Frozen):
    """Where the QR code of the check address goes on a template page: the left and the top
    edge of the symbol in millimetres from the left and the top edge of the page, and its side.
    Its quiet zone (four modules, about an eighth of the side, around it) is painted white, so
    the code reads on any artwork."""

    x_mm: float = Field(ge=0, le=297)
    y_mm: float = Field(ge=0, le=210)
    size_mm: float = Field(default=20, ge=12, le=60)
    color: str = Field(default="#000000", pattern=r"^#[0-9A-Fa-f]{6}$")

    @model_validator(mode="after")
    def _on_the_page(self) -> QrPlace:
        if self.x_mm + self.size_mm > 297 or self.y_mm + self.size_mm > 210:
            raise ValueError("the QR code reaches outside the page")
        return self


class TemplateConfig(_Frozen):
    """An organizer's design: a background covering the whole page (A4 landscape) and the
    fields to print on it; fields left out are not printed (e.g. a heading already in the
    artwork). The background is a PNG or JPEG image (stretched to the page; make it
    297:210, e.g. 3508 x 2480 pixels for 300 dpi) or a one-page PDF of A4 landscape size.
    The QR code of the check address goes in the bottom right corner unless `qr` puts it
    elsewhere (leave that corner free in the artwork, or move the code).

    In events.toml it would read:

        [events.certificate_template]
        background = "templates/victory-2025.png"
        [events.certificate_template.fields.name]
        x_mm = 148.5
        y_mm = 105
        size_pt = 34
        max_width_mm = 220
        max_lines = 2
        bold = true
        [events.certificate_template.qr]
        x_mm = 262
        y_mm = 172
    """

    background: Path
    fields: dict[FieldName, TextField]
    # 20 mm, 12 mm from the right and the bottom edge.
    qr: QrPlace = QrPlace(x_mm=265, y_mm=178)

    @model_validator(mode="after")
    def _has_name(self) -> TemplateConfig:
        if "name" not in self.fields:
            raise ValueError("fields: 'name' is required")
        return self


def draw_template_fields(
    canvas: Any, content: PageContent, chains: Chains, fields: Mapping[FieldName, TextField]
) -> None:
    for name, spec in fields.items():
        y = PAGE_HEIGHT - spec.y_mm * MM
        for drawn, (index, text) in enumerate(content.get(name)):
            size = spec.size_pt * (spec.secondary_scale if index else 1.0)
            fitted = fit_text(
                chains.bold if spec.bold else chains.regular,
                text,
                size=size,
                max_width=spec.max_width_mm * MM,
                max_lines=spec.max_lines,
                min_size=(spec.min_size_pt or spec.size_pt * 0.7) * (size / spec.size_pt),
                tracking=spec.tracking,
            )
            if drawn:
                y -= fitted.size * 1.3
            y = draw_fitted(canvas, fitted, spec.x_mm * MM, y, align=spec.align, color=spec.color)


def draw_template_qr(canvas: Any, content: PageContent, place: QrPlace) -> None:
    if content.qr:
        size = place.size_mm * MM
        x, y = place.x_mm * MM, PAGE_HEIGHT - place.y_mm * MM - size
        draw_qr(canvas, content.qr, x, y, size, color=place.color, backdrop="#FFFFFF")
