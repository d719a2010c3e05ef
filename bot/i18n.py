"""Fluent translations: one bundle per language, loaded once from `locales/<lang>/*.ftl`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle
from fluent.syntax import FluentParser
from fluent.syntax.ast import Resource

log = logging.getLogger(__name__)

LANGUAGES = ("ru", "zh")
DEFAULT_LANGUAGE = "ru"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


def is_supported_language(code: str | None) -> bool:
    """Whether a Telegram `language_code` names a language the bot speaks (ru*, zh*)."""
    return bool(code) and str(code).strip().lower()[:2] in LANGUAGES


def normalize_language(code: str | None) -> str:
    """Telegram sends `zh-hans`, `zh-CN`, `zh-TW`...: any Chinese is `zh`, the rest Russian."""
    if code and code.strip().lower().startswith("zh"):
        return "zh"
    return DEFAULT_LANGUAGE


class Translator:
    """Renders messages of one language. Missing keys are logged loudly (a test guards them).

    A message always comes out the same for the same arguments. Those without arguments, and
    those whose arguments are all whole numbers (the form's "2 to 200 characters", formatted
    by Babel), are formatted once and kept: a page shows dozens of them, and formatting one
    costs more than the rest of its line in the template. Other arguments (names, addresses,
    dates) are formatted every time: nobody's data is kept here. The kept texts are one per
    message used, and at most KEPT_WITH_NUMBERS messages with numbers (then they start
    over)."""

    KEPT_WITH_NUMBERS = 1000

    def __init__(self, lang: str, bundle: FluentBundle) -> None:
        self.lang = lang
        self._bundle = bundle
        self._plain: dict[str, str] = {}
        self._with_numbers: dict[tuple[str, frozenset[tuple[str, int]]], str] = {}

    def __call__(self, key: str, **args: Any) -> str:
        if not args:
            text = self._plain.get(key)
            if text is None:
                text, clean = self._format(key, args)
                if clean:  # a missing key or a broken message stays loud every time
                    self._plain[key] = text
            return text
        if not all(type(value) is int for value in args.values()):
            return self._format(key, args)[0]
        kept = (key, frozenset(args.items()))
        text = self._with_numbers.get(kept)
        if text is None:
            text, clean = self._format(key, args)
            if clean:
                if len(self._with_numbers) >= self.KEPT_WITH_NUMBERS:
                    self._with_numbers.clear()
                self._with_numbers[kept] = text
        return text

    def _format(self, key: str, args: dict[str, Any]) -> tuple[str, bool]:
        """The text, and whether it came out without a problem."""
        if not self._bundle.has_message(key):
            log.error("missing %s translation for %r", self.lang, key)
            return key, False
        message = self._bundle.get_message(key)
        if message.value is None:
            log.error("%s message %r has no value", self.lang, key)
            return key, False
        text, errors = self._bundle.format_pattern(message.value, args)
        for error in errors:
            log.error("%s message %r: %s", self.lang, key, error)
        return str(text), not errors

    def has(self, key: str) -> bool:
        return bool(self._bundle.has_message(key))


def parse_ftl(source: str) -> Resource:
    """fluent.runtime's FluentResource without the source positions (a Span on every node of
    the syntax tree, which the bundles keep for the life of the process): nothing formats with
    them, and they were 1 MB of the 2.3 MB the parsed texts took (bench/memory.py)."""
    return FluentParser(with_spans=False).parse(source)


class I18n:
    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        self._translators: dict[str, Translator] = {}
        for lang in LANGUAGES:
            # use_isolating=False: Unicode bidi isolation marks around every variable would end
            # up as invisible garbage in Telegram messages and copied e-mail addresses.
            bundle = FluentBundle([lang], use_isolating=False)
            files = sorted((locales_dir / lang).glob("*.ftl"))
            if not files:
                raise FileNotFoundError(f"no .ftl files in {locales_dir / lang}")
            for path in files:
                bundle.add_resource(parse_ftl(path.read_text(encoding="utf-8")))
            self._translators[lang] = Translator(lang, bundle)

    def __call__(self, lang: str | None) -> Translator:
        return self._translators[lang if lang in LANGUAGES else normalize_language(lang)]

    def all(self) -> list[Translator]:
        return list(self._translators.values())
