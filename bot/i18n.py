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
    """Renders messages of one language. Missing keys are logged loudly (a test guards them)."""

    def __init__(self, lang: str, bundle: FluentBundle) -> None:
        self.lang = lang
        self._bundle = bundle

    def __call__(self, key: str, **args: Any) -> str:
        if not self._bundle.has_message(key):
            log.error("missing %s translation for %r", self.lang, key)
            return key
        message = self._bundle.get_message(key)
        if message.value is None:
            log.error("%s message %r has no value", self.lang, key)
            return key
        text, errors = self._bundle.format_pattern(message.value, args)
        for error in errors:
            log.error("%s message %r: %s", self.lang, key, error)
        return str(text)

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
