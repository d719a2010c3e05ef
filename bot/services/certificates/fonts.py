"""Fonts for certificates: which TrueType files, loading them once per process, and choosing for
every character a font that has its glyph.

No single free font covers Cyrillic, Latin and Chinese well, so text is drawn with a *chain* of
fonts: a name like "Иван Ли 李" becomes the runs "Иван Ли " (DejaVu Serif) and "李" (AR PL UMing,
a Ming face: the serif of Chinese type, so both languages are set in serif). Letters take the
first font of the chain that has them; spaces, digits and punctuation follow their neighbours
(the quotes of “我们共同的胜利” are drawn by the Chinese font, the digits of "3 сентября 2025" by
DejaVu), so a run is only split where the script changes. WenQuanYi Zen Hei comes last, for the
rare characters UMing lacks (about 2,000 uncommon Hanzi, Hangul). A character no font of the
chain has raises `MissingGlyphs`: the certificate is refused rather than printed with empty
boxes. Only TrueType outlines will do: reportlab cannot read CFF-based fonts such as Noto CJK.

UMing comes in one weight, and a light one: it is stroked as well as filled (`embolden`) so that
its Hanzi are as dark as the DejaVu letters next to them, a little in running text and more in
the bold chain (the name, the event), where it stands beside DejaVu Serif Bold.

reportlab embeds only the glyphs a document uses (a subset per font), so a certificate stays
small although the Chinese fonts are 20 MB collections. A parsed font takes about 33 MB, so
nothing is parsed at start-up (`check_fonts` only reads the first bytes of each file): a face is
parsed and registered with reportlab when the first certificate needs it, once per process, and
the fallback face only when a character needs it."""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
UMING = Path("/usr/share/fonts/truetype/arphic/uming.ttc")  # font 0: AR PL UMing CN
WQY_ZENHEI = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

# Right-to-left letters (Hebrew, Arabic...) would need bidi reordering and shaping, which plain
# reportlab does not do: they would come out reversed and unjoined. Refused like missing glyphs.
_RTL_CLASSES = frozenset({"R", "AL"})


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FontFace(_Frozen):
    """One TrueType font file (.ttf, or one font of a .ttc collection)."""

    path: Path
    subfont_index: int = Field(default=0, ge=0)  # the font inside a .ttc collection
    # Draw this face bolder by stroking its outlines too, with a line this wide (in em): for a
    # script with no real bold, or a face lighter than the one beside it (see the docstring).
    embolden: float = Field(default=0.0, ge=0.0, le=0.1)


def _dejavu(name: str) -> FontFace:
    return FontFace(path=DEJAVU / name)


class FontConfig(_Frozen):
    """The font chains: for each character the first face that has it is used (see the module
    docstring). The defaults are the Debian packages fonts-dejavu-core, fonts-arphic-uming and
    fonts-wqy-zenhei (deploy/apt-packages.txt)."""

    regular: tuple[FontFace, ...] = Field(
        default=(
            _dejavu("DejaVuSerif.ttf"),  # Latin, Cyrillic (Kazakh, Tatar...), Armenian, Georgian
            FontFace(path=UMING, embolden=0.012),  # Chinese (serif), Japanese kana
            FontFace(path=WQY_ZENHEI),  # rare Hanzi, Korean
        ),
        min_length=1,
    )
    bold: tuple[FontFace, ...] = Field(
        default=(
            _dejavu("DejaVuSerif-Bold.ttf"),
            FontFace(path=UMING, embolden=0.055),
            FontFace(path=WQY_ZENHEI, embolden=0.028),
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
    def embolden(self) -> float:
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
    """Faces tried in order for each character. A face is loaded (`load`) when a character
    is first looked for in it: the fallback face at the end stays unloaded as long as the faces
    before it have every character drawn. Raises FontUnavailable when a face needed cannot be
    loaded."""

    def __init__(
        self, faces: Sequence[FontFace], load: Callable[[FontFace], LoadedFace] | None = None
    ) -> None:
        if not faces:
            raise ValueError("a font chain needs at least one face")
        self.configured = tuple(faces)
        self._load = load or load_face
        self._loaded: list[LoadedFace] = []
        self._loading = threading.Lock()  # renderers in several threads share a chain
        self._first: dict[str, LoadedFace | None] = {}

    def face(self, index: int) -> LoadedFace:
        """The chain's `index`-th face, loading it (and those before it) if need be."""
        if index < len(self._loaded):
            return self._loaded[index]
        with self._loading:
            while len(self._loaded) <= index:
                self._loaded.append(self._load(self.configured[len(self._loaded)]))
            return self._loaded[index]

    def _rank(self, face: LoadedFace) -> int:
        return next(i for i, loaded in enumerate(self._loaded) if loaded is face)

    @property
    def loaded(self) -> tuple[LoadedFace, ...]:
        """The faces loaded so far, in chain order."""
        return tuple(self._loaded)

    def _first_face(self, char: str) -> LoadedFace | None:
        try:
            return self._first[char]
        except KeyError:
            pass
        code = ord(char)
        found: LoadedFace | None = None
        if unicodedata.bidirectional(char) not in _RTL_CLASSES:
            for index in range(len(self.configured)):
                face = self.face(index)
                if code in face.glyphs:
                    found = face
                    break
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
        # Neutral characters take the face of a neighbouring letter (the nearest before or
        # after them) that has them; between two scripts the one earlier in the chain, so the
        # spaces, "@" and "/" around a Latin word in Chinese text are Latin ones. Otherwise the
        # first face that has them.
        neighbours: list[list[LoadedFace]] = [[] for _ in text]
        for order in (range(len(text)), range(len(text) - 1, -1, -1)):
            letter: LoadedFace | None = None
            for i in order:
                face = faces[i]
                if face is not None:
                    letter = face
                elif letter is not None and ord(text[i]) in letter.glyphs:
                    neighbours[i].append(letter)
        for i, candidates in enumerate(neighbours):
            if faces[i] is None:
                faces[i] = min(candidates, key=self._rank) if candidates else first[i]
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


def _load_file(path: Path, subfont_index: int) -> _FontFile:
    """Parse a font file and register it with reportlab under a name of its own, once per
    process: a face used both plain and emboldened is one font, embedded once per document.
    Under a lock, so that two threads drawing their first certificates parse it once."""
    with _LOADING:
        return _parse_file(path, subfont_index)


@cache
def _parse_file(path: Path, subfont_index: int) -> _FontFile:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    problem = _file_problem(path, subfont_index)
    if problem:
        raise FontUnavailable(problem)
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
        # reportlab's own tables, not copies: the Chinese fonts have 25,000-42,000 characters.
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
    """The chain of `faces`, one per process for each configuration; its faces are loaded as
    characters need them."""
    return FontChain(faces)


_TRUETYPE = (b"\x00\x01\x00\x00", b"true")  # sfnt versions of fonts with TrueType outlines
_CFF = b"OTTO"  # OpenType with CFF outlines (Noto CJK, Source Han): reportlab cannot read them
_COLLECTION = b"ttcf"


def _file_problem(path: Path, subfont_index: int) -> str | None:
    """Why `path` (font `subfont_index` of it) cannot be a certificate font, in one line, or
    None. Reads the first bytes only: cheap enough for every start-up."""
    try:
        with path.open("rb") as file:
            head = file.read(12)
            version = head[:4]
            if version == _COLLECTION:
                count = int.from_bytes(head[8:12], "big")
                if subfont_index >= count:
                    return f"font {path}: has {count} fonts, no font #{subfont_index}"
                file.seek(12 + 4 * subfont_index)
                file.seek(int.from_bytes(file.read(4), "big"))
                version = file.read(4)
    except FileNotFoundError:
        return f"font {path}: file not found"
    except PermissionError:
        return f"font {path}: cannot be read (permission denied)"
    except OSError as exc:
        return f"font {path}: cannot be read: {exc.strerror or exc}"
    if version in _TRUETYPE:
        return None
    if version == _CFF:
        return (
            f"font {path} (#{subfont_index}): has CFF (PostScript) outlines; reportlab needs "
            "TrueType outlines"
        )
    return f"font {path} (#{subfont_index}): not a TrueType font"


def check_fonts(config: FontConfig | None = None) -> list[str]:
    """Problems with the configured fonts, one line each, for start-up (empty when all is
    well): a missing or unreadable file, a file that is not a TrueType font. Only the first
    bytes of each file are read: the fonts are parsed when the first certificate is drawn, not
    in every process that starts (see the module docstring)."""
    config = config or FontConfig()
    problems: list[str] = []
    for face in (*config.regular, *config.bold):
        problem = _file_problem(face.path, face.subfont_index)
        if problem and problem not in problems:
            problems.append(problem)
    return problems
