"""Countries are stored in one canonical form and shown in the reader's language.

The countries the form offers as buttons are stored as ISO 3166 codes ("RU", "CN"); so is a
typed name of one of them, in either language ("россия", "中国", "РФ"). Any other country is
kept as typed, with its spacing tidied; /stats groups those by `fold_country`. The names of the
coded countries live in the locales as `country-<code>`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.i18n import Translator

# Offered as buttons, in this order.
BUTTON_COUNTRIES = ("RU", "CN")
# Every code that has a `country-<code>` name in both locales.
COUNTRY_CODES = BUTTON_COUNTRIES

# Other spellings people type for the coded countries (folded), beyond the locale names.
ALIASES: Mapping[str, str] = {
    "рф": "RU",
    "российская федерация": "RU",
    "russia": "RU",
    "russian federation": "RU",
    "俄国": "RU",
    "俄羅斯": "RU",
    "кнр": "CN",
    "китайская народная республика": "CN",
    "china": "CN",
    "中华人民共和国": "CN",
    "中國": "CN",
}


def fold_country(name: str) -> str:
    """The comparison key of a country name: case and spacing do not matter. Done in Python:
    SQLite's lower() folds only ASCII, and most names here are Cyrillic or Chinese."""
    return " ".join(name.split()).casefold()


def country_key(code: str) -> str:
    return f"country-{code}"


def known_names(translators: Iterable[Translator]) -> dict[str, str]:
    """Folded name -> code: the codes themselves, their names in every language, the aliases."""
    names = {fold_country(code): code for code in COUNTRY_CODES}
    for t in translators:
        names.update({fold_country(t(country_key(code))): code for code in COUNTRY_CODES})
    names.update(ALIASES)
    return names


def canonical_country(typed: str, names: Mapping[str, str]) -> str:
    """What to store for a typed country: a code when it names a coded country, else the text
    with its spacing tidied."""
    tidy = " ".join(typed.split())
    return names.get(fold_country(tidy), tidy)


def country_label(t: Translator, value: str | None) -> str:
    """A stored country as `t`'s reader calls it (not escaped: typed names are user input)."""
    if value in COUNTRY_CODES:
        return t(country_key(value))
    return value or ""
