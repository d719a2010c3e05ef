"""Russian names written in Latin letters, for matching a meeting report to registrations.

A VooV / Tencent Meeting nickname is often the name in Latin letters ("ivanov ivan",
"Ivanoff Ivan", "Iuliia Kozlova") while the registration has it in Cyrillic, or the other
way round. There is no one transliteration: passports, ГОСТ, the old BGN/PCGN, the German and
French schemes and habit give Юлия as Yuliya, Yulia, Iuliia, Julija... So both names become a
rough Latin skeleton where those spellings meet: я/ya/ia/ja → ia, ю/yu/iu/ju → iu, й/y/i/j → i,
ё/yo/e → e, х/kh/h → h, щ/shch/sch → sh, ц/ts/tz → ts, ж → zh, ч/ch/tch → ch, x → ks, w → v,
-ff → v, doubled letters once. Two names with the same skeleton are offered to the organizer to
confirm (never marked on their own): the skeleton is deliberately coarse.

Chinese names (pinyin) are out of scope: a skeleton is made of Latin and Cyrillic letters only."""

from __future__ import annotations

import re

# One Latin spelling per Cyrillic letter; the rules below bring the other schemes to the same.
_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    # Ukrainian and Belarusian letters that turn up in Russian-speaking names.
    "і": "i",
    "ї": "i",
    "є": "e",
    "ў": "u",
}
_TO_LATIN = str.maketrans(_CYRILLIC)

# Applied in this order to the Latin text (a name's words keep their spaces).
_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"x", "ks"),  # Alexander, Aleksandr
        (r"w", "v"),  # Iwanow (German, Polish)
        (r"q", "k"),
        (r"ck", "k"),
        (r"tsch", "ch"),  # German ч
        (r"shch|sch|shh", "sh"),  # щ, and ш in German: told apart from neither
        (r"tch", "ch"),  # French ч
        (r"kh", "h"),  # х: Mikhail, Mihail
        (r"tz", "ts"),  # ц
        (r"j", "y"),  # й, я, ю, ё in the German and passport schemes: Sergej, Julija
        (r"yo|ye", "e"),  # ё, е: Fyodor, Yevgeny, Andreyev
        (r"y", "i"),  # ы, й, я, ю: Dmitry/Dmitrii, Yulia/Iulia, Bykov/Bikov
        (r"ff\b", "v"),  # Ivanoff, Smirnoff
        (r"(.)\1+", r"\1"),  # doubled letters: Iuliia, Alla, Kirill
    )
)
_NOT_A_LETTER = re.compile(r"[^a-z ]+")
_LATIN = re.compile("[a-z]")


def latin_skeleton(key: str) -> str:
    """The rough Latin form of a folded name (db.search_keys.name_key): "" for a name without
    Latin or Cyrillic letters (a Chinese name)."""
    text = key.casefold().replace("'", "").translate(_TO_LATIN)
    text = " ".join(_NOT_A_LETTER.sub(" ", text).split())
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    return text


def has_latin(key: str) -> bool:
    return _LATIN.search(key) is not None
