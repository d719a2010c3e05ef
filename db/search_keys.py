"""Names as organizers search them (/find): one comparison key per name, stored next to it.

SQL cannot compare names the way people type them on both backends: SQLite's lower() and LIKE
fold ASCII letters only, PostgreSQL's lower() folds Cyrillic only under a non-C locale, and
neither treats "ё" as "е". So the key is computed here, in Python, whenever a name is set
(db/models.py keeps it with `validates`), and /find compares keys with LIKE
(bot/services/organizers/search.py). Migration 0014 filled the keys of the rows it found."""

from __future__ import annotations

import re
import unicodedata

# As bot/services/registration/form.py: Chinese names have no spaces ("王 小明" is "王小明").
_CJK = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_SPACE_IN_CHINESE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")

# The column's length: casefold() may lengthen a name ("ß" becomes "ss").
NAME_KEY_LENGTH = 255


def name_key(name: str | None) -> str | None:
    """ "  Иванова  Алёна " and "ИВАНОВА АЛЕНА" have one key: "иванова алена". Case (of every
    script), ё/е, runs of spaces and the spaces inside a Chinese name do not count."""
    if name is None:
        return None
    folded = unicodedata.normalize("NFKC", name).casefold().replace("ё", "е")
    folded = _SPACE_IN_CHINESE.sub("", " ".join(folded.split()))
    return folded[:NAME_KEY_LENGTH] or None
