"""Fluent translations: one bundle per language, loaded once from `locales/<lang>/*.ftl`."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle
from fluent.syntax import FluentParser
from fluent.syntax.ast import BaseNode, MessageReference, Resource
from fluent.syntax.visitor import Visitor

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

    def __init__(
        self, lang: str, bundle: FluentBundle, sources: dict[str, str] | None = None
    ) -> None:
        """`sources`: the messages not parsed yet (their .ftl text, by id): each is parsed
        and added to the bundle at its first use (see `I18n`)."""
        self.lang = lang
        self._bundle = bundle
        self._sources = dict(sources or {})
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
        if not self._load(key):
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
        return key in self._sources or bool(self._bundle.has_message(key))

    def message_ids(self) -> set[str]:
        """Every message of the language, parsed yet or not."""
        return set(self._sources) | set(self._bundle._messages)

    def _load(self, key: str) -> bool:
        """Whether the message exists, parsed and in the bundle now with the messages it
        names (`{ web-me-erase }` in a consent text), which the bundle looks up when it
        formats."""
        source = self._sources.pop(key, None)
        if source is None:
            return bool(self._bundle.has_message(key))
        resource = parse_ftl(source)
        self._bundle.add_resource(resource)
        for named in message_references(resource):
            self._load(named)
        return bool(self._bundle.has_message(key))


def parse_ftl(source: str) -> Resource:
    """fluent.runtime's FluentResource without the source positions (a Span on every node of
    the syntax tree, which the bundles keep for the life of the process): nothing formats with
    them, and they were 1 MB of the 2.3 MB the parsed texts took (bench/memory.py)."""
    return FluentParser(with_spans=False).parse(source)


class _References(Visitor):
    def __init__(self) -> None:
        self.found: list[str] = []

    def visit_MessageReference(self, node: MessageReference) -> None:  # noqa: N802 (fluent's)
        self.found.append(node.id.name)
        self.generic_visit(node)


def message_references(node: BaseNode) -> list[str]:
    """The ids of the messages a syntax tree names."""
    visitor = _References()
    visitor.visit(node)
    return visitor.found


# A line that opens an entry: a message (`key =`) or a term (`-key =`), at the start of a line.
# A comment (`#`) at the start of a line ends the entry before it; everything indented or blank
# belongs to the entry above (its lines, attributes and variants), and so does a line that
# starts with what Fluent lets a continuation start with even unindented: `}` closing a
# selector, a variant (`[`, `*[`) or an attribute (`.`).
ENTRY_START = re.compile(r"(-?)([A-Za-z][\w-]*)[ ]*=")
CONTINUATION = frozenset("}[*.")


def split_entries(source: str) -> tuple[dict[str, str], str]:
    """An .ftl text as its messages' texts by id (the first of an id, as FluentBundle keeps)
    and its terms' text, unparsed."""
    entries: list[tuple[bool, str, list[str]]] = []  # (a term?, id, lines)
    into: list[str] | None = None
    for line in source.splitlines(keepends=True):
        if line[:1].isspace() or line[:1] in CONTINUATION or not line.strip():
            if into is not None:
                into.append(line)
            continue
        found = ENTRY_START.match(line)
        if found is None:  # a comment, or a broken line (the locale tests parse every file)
            into = None
            continue
        into = [line]
        entries.append((bool(found.group(1)), found.group(2), into))
    messages: dict[str, str] = {}
    for is_term, key, lines in entries:
        if not is_term:
            messages.setdefault(key, "".join(lines))
    terms = "".join("".join(lines) for is_term, _, lines in entries if is_term)
    return messages, terms


class I18n:
    """The translations of every language. A message is parsed at its first use: a process
    formats a few hundred of the 1,200 messages of each language (an idle bot a few dozen),
    and the parsed trees of all of them took about 6 MB that the process kept for its life
    (bench/memory.py); their texts take a tenth of that. Terms (`-name`) are parsed at once,
    as messages name them."""

    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        self._translators: dict[str, Translator] = {}
        for lang in LANGUAGES:
            # use_isolating=False: Unicode bidi isolation marks around every variable would end
            # up as invisible garbage in Telegram messages and copied e-mail addresses.
            bundle = FluentBundle([lang], use_isolating=False)
            files = sorted((locales_dir / lang).glob("*.ftl"))
            if not files:
                raise FileNotFoundError(f"no .ftl files in {locales_dir / lang}")
            sources: dict[str, str] = {}
            terms = []
            for path in files:
                messages, file_terms = split_entries(path.read_text(encoding="utf-8"))
                for key, text in messages.items():
                    sources.setdefault(key, text)
                terms.append(file_terms)
            translator = Translator(lang, bundle, sources)
            parsed_terms = parse_ftl("".join(terms))
            bundle.add_resource(parsed_terms)
            for named in message_references(parsed_terms):
                translator._load(named)
            self._translators[lang] = translator

    def __call__(self, lang: str | None) -> Translator:
        return self._translators[lang if lang in LANGUAGES else normalize_language(lang)]

    def all(self) -> list[Translator]:
        return list(self._translators.values())
