"""Fonts for certificates: which TrueType files, loading them once per process, and choosing for
every character a font that has its glyph.

No single free font covers Cyrillic, Latin and Chinese well, so text is drawn with a *chain* of
fonts: a name like "Иван Ли 李" becomes the runs "Иван Ли " (DejaVu Serif) and "李" (WenQuanYi
Zen Hei). Letters take the first font of the chain that has them; spaces, digits and punctuation
follow their neighbours (the quotes of “我们共同的胜利” are drawn by the Chinese font, the digits of
"3 сентября 2025" by DejaVu), so a run is only split where the script changes. A character no
font of the chain has raises `MissingGlyphs`: the certificate is refused rather than printed with
empty boxes.

reportlab embeds only the glyphs a document uses (a subset per font), so a certificate stays
small although WenQuanYi Zen Hei is a 17 MB collection. Fonts are parsed and registered with
reportlab once per process (`load_chain` is cached); every document shares them."""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
WQY_ZENHEI = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

# Characters a certificate needs in practice; check_fonts says which chain lacks which.
_SCRIPT_SAMPLES = {"Latin": "Aa", "Cyrillic": "Жж", "Chinese": "参会证书"}

# Right-to-left letters (Hebrew, Arabic...) would need bidi reordering and shaping, which plain
# reportlab does not do: they would come out reversed and unjoined. Refused like missing glyphs.
_RTL_CLASSES = frozenset({"R", "AL"})


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FontFace(_Frozen):
    """One TrueType font file (.ttf, or one font of a .ttc collection)."""

    path: Path
    subfont_index: int = Field(default=0, ge=0)  # the font inside a .ttc collection
    # Draw this face bolder by stroking the outlines too: for a chain of bold faces where a
    # script has no real bold (WenQuanYi Zen Hei comes in one weight only).
    embolden: bool = False


def _dejavu(name: str) -> FontFace:
    return FontFace(path=DEJAVU / name)


class FontConfig(_Frozen):
    """The font chains: for each character the first face that has it is used (see the module
    docstring). The defaults are the Debian packages fonts-dejavu-core and fonts-wqy-zenhei
    (deploy/apt-packages.txt)."""

    regular: tuple[FontFace, ...] = Field(
        default=(
            _dejavu("DejaVuSerif.ttf"),  # Latin, Cyrillic (Kazakh, Tatar...), Armenian, Georgian
            FontFace(path=WQY_ZENHEI),  # Chinese, Japanese kana, Korean
        ),
        min_length=1,
    )
    bold: tuple[FontFace, ...] = Field(
        default=(
            _dejavu("DejaVuSerif-Bold.ttf"),
            FontFace(path=WQY_ZENHEI, embolden=True),
        ),
        min_length=1,
    )


class MissingGlyphs(Exception):
    """Text contains characters that no configured font can draw. `chars` are the distinct
    characters, in order of appearance; the message names them with their code points so an
    organizer can act on it (another font, or the participant's name spelled differently)."""

    def __init__(self, chars: Sequence[str]) -> None:
        self.chars = tuple(chars)
        listed = ", ".join(f"{_printable(c)} (U+{ord(c):04X})" for c in self.chars)
        super().__init__(f"no configured font has these characters: {listed}")


class FontUnavailable(Exception):
    """A configured font file is missing, unreadable or not a TrueType font."""


def _printable(char: str) -> str:
    return char if char.isprintable() and not char.isspace() else repr(char)


@dataclass(frozen=True, eq=False)
class LoadedFace:
    """A face registered with reportlab under `name`, with what layout needs of it."""

    name: str
    face: FontFace
    glyphs: Mapping[int, int]  # code point -> glyph: the characters the face has
    widths: Mapping[int, float]  # advance width in 1/1000 em, by code point
    default_width: float

    @property
    def embolden(self) -> bool:
        return self.face.embolden

    def width(self, char: str) -> float:
        """Advance width at 1 pt."""
        return self.widths.get(ord(char), self.default_width) / 1000.0


@dataclass(frozen=True)
class Run:
    """Consecutive characters drawn with one face. `width` is at 1 pt, without tracking."""

    face: LoadedFace
    text: str
    width: float


@dataclass(frozen=True)
class Shaped:
    """A text with a face chosen for every character, and every character's width at 1 pt."""

    text: str
    faces: tuple[LoadedFace, ...]
    widths: tuple[float, ...]

    def runs(self, start: int = 0, end: int | None = None) -> list[Run]:
        end = len(self.text) if end is None else end
        runs: list[Run] = []
        i = start
        while i < end:
            face = self.faces[i]
            j = i + 1
            while j < end and self.faces[j] is face:
                j += 1
            runs.append(Run(face, self.text[i:j], sum(self.widths[i:j])))
            i = j
        return runs


def visible(text: str) -> str:
    """`text` without invisible format characters (zero-width space and joiners, soft hyphen,
    direction marks, a byte order mark), which names pasted from documents sometimes carry:
    they have no glyph to draw, and the name looks the same without them."""
    if text.isascii():
        return text
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


class FontChain:
    """Faces tried in order for each character."""

    def __init__(self, faces: Sequence[LoadedFace]) -> None:
        self.faces = tuple(faces)
        self._first: dict[str, LoadedFace | None] = {}

    def _first_face(self, char: str) -> LoadedFace | None:
        try:
            return self._first[char]
        except KeyError:
            pass
        code = ord(char)
        found: LoadedFace | None = None
        if unicodedata.bidirectional(char) not in _RTL_CLASSES:
            found = next((f for f in self.faces if code in f.glyphs), None)
        self._first[char] = found
        return found

    def missing(self, text: str) -> list[str]:
        """The distinct characters of `text` that no face has, in order of appearance
        (invisible format characters aside: they are left out when drawing)."""
        return list(dict.fromkeys(c for c in visible(text) if self._first_face(c) is None))

    def check(self, text: str) -> None:
        missing = self.missing(text)
        if missing:
            raise MissingGlyphs(missing)

    def shape(self, text: str) -> Shaped:
        """Choose a face for every character (see the module docstring) of the visible text.
        Raises MissingGlyphs."""
        text = visible(text)
        self.check(text)
        first = [self._first_face(c) for c in text]
        faces: list[LoadedFace | None] = [None] * len(text)
        # Letters, and marks that follow them, take the first face that has them.
        for i, char in enumerate(text):
            category = unicodedata.category(char)
            if category[0] == "L":
                faces[i] = first[i]
            elif category[0] == "M" and i > 0 and faces[i - 1] is not None:
                previous = faces[i - 1]
                faces[i] = previous if previous and ord(char) in previous.glyphs else first[i]
        # Neutral characters follow the letter before them, else the one after, if that face
        # has them; otherwise the first face that does.
        before: LoadedFace | None = None
        for i in range(len(text)):
            if faces[i] is None:
                if before is not None and ord(text[i]) in before.glyphs:
                    faces[i] = before
            else:
                before = faces[i]
        after: LoadedFace | None = None
        for i in range(len(text) - 1, -1, -1):
            face = faces[i]
            if face is None:
                faces[i] = after if after is not None and ord(text[i]) in after.glyphs else first[i]
            elif unicodedata.category(text[i])[0] in "LM":
                after = face
        chosen = tuple(f for f in faces if f is not None)
        assert len(chosen) == len(text)
        return Shaped(text, chosen, tuple(f.width(c) for f, c in zip(chosen, text, strict=True)))


_LOADING = threading.Lock()


@dataclass(frozen=True)
class _FontFile:
    name: str
    glyphs: Mapping[int, int]
    widths: Mapping[int, float]
    default_width: float


@cache
def _load_file(path: Path, subfont_index: int) -> _FontFile:
    """Parse a font file and register it with reportlab under a name of its own, once per
    process: a face used both plain and emboldened is one font, embedded once per document."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _LOADING:
        if not path.is_file():
            raise FontUnavailable(f"font {path}: file not found")
        if not os.access(path, os.R_OK):
            raise FontUnavailable(f"font {path}: cannot be read (permission denied)")
        digest = hashlib.sha1(f"{path.resolve()}#{subfont_index}".encode()).hexdigest()
        name = f"Cert{path.stem.replace(' ', '')}-{digest[:8]}"
        try:
            font = TTFont(
                name,
                str(path),
                subfontIndex=subfont_index,
                # Only the glyphs a document uses are embedded; the default would add all of
                # printable ASCII to every subset (about 100 glyphs more of each font).
                asciiReadable=False,
            )
        except Exception as exc:  # reportlab's TTFError, struct errors, a bad subfont index
            reason = str(exc).strip() or type(exc).__name__
            raise FontUnavailable(
                f"font {path} (#{subfont_index}): not a usable TrueType font: {reason}"
            ) from None
        pdfmetrics.registerFont(font)
        ttf = font.face
        return _FontFile(
            name=name,
            # reportlab's own tables, not copies: WenQuanYi has 42,000 characters.
            glyphs=ttf.charToGlyph,
            widths=ttf.charWidths,
            default_width=float(ttf.defaultWidth),
        )


@cache
def load_face(face: FontFace) -> LoadedFace:
    """A face ready for layout and drawing. Raises FontUnavailable."""
    loaded = _load_file(face.path, face.subfont_index)
    return LoadedFace(
        name=loaded.name,
        face=face,
        glyphs=loaded.glyphs,
        widths=loaded.widths,
        default_width=loaded.default_width,
    )


@cache
def load_chain(faces: tuple[FontFace, ...]) -> FontChain:
    """The chain of loaded faces, built once per process for each configuration."""
    return FontChain([load_face(face) for face in faces])


def check_fonts(config: FontConfig | None = None) -> list[str]:
    """Problems with the configured fonts, one line each, for start-up (empty when all is
    well): a missing or unreadable file, a file that is not a TrueType font, a chain with no
    font for Cyrillic, Latin or Chinese. Loads the fonts, so later certificates do not."""
    config = config or FontConfig()
    problems: list[str] = []
    for label, faces in (("regular", config.regular), ("bold", config.bold)):
        loaded: list[LoadedFace] = []
        for face in faces:
            try:
                loaded.append(load_face(face))
            except FontUnavailable as exc:
                line = str(exc)
                if line not in problems:
                    problems.append(line)
        chain = FontChain(loaded)
        for script, sample in _SCRIPT_SAMPLES.items():
            if chain.missing(sample):
                problems.append(f"certificate fonts ({label}): no font for {script} text")
    return problems
