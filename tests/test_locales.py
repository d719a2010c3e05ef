"""ru and zh must say the same things: same keys, same variables, every message renders, and
every key the code asks for exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

from bot.i18n import LANGUAGES, LOCALES_DIR, I18n

REPO = Path(__file__).resolve().parent.parent


class _Variables(Visitor):
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.selectors: set[str] = set()

    def visit_VariableReference(self, node: ast.VariableReference) -> None:  # noqa: N802
        self.names.add(node.id.name)

    def visit_SelectExpression(self, node: ast.SelectExpression) -> None:  # noqa: N802
        if isinstance(node.selector, ast.VariableReference):
            self.selectors.add(node.selector.id.name)
        self.generic_visit(node)


SELECTORS: dict[str, set[str]] = {}


def _messages(lang: str) -> dict[str, set[str]]:
    """Message id -> variables it uses (in the value and in selectors)."""
    out: dict[str, set[str]] = {}
    parser = FluentParser()
    for path in sorted((LOCALES_DIR / lang).glob("*.ftl")):
        resource = parser.parse(path.read_text(encoding="utf-8"))
        for entry in resource.body:
            assert not isinstance(entry, ast.Junk), f"{path}: syntax error near {entry.content!r}"
            if isinstance(entry, ast.Message):
                collector = _Variables()
                collector.visit(entry)
                assert entry.id.name not in out, f"{lang}: {entry.id.name} defined twice"
                out[entry.id.name] = collector.names
                SELECTORS[f"{lang}:{entry.id.name}"] = collector.selectors
    return out


def test_ru_and_zh_have_the_same_keys_and_variables() -> None:
    ru, zh = _messages("ru"), _messages("zh")
    assert sorted(set(ru) - set(zh)) == [], "missing in zh"
    assert sorted(set(zh) - set(ru)) == [], "missing in ru"
    different = {k: (ru[k], zh[k]) for k in ru if ru[k] != zh[k]}
    assert different == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_renders_without_errors(lang: str) -> None:
    bundle_keys = _messages(lang)
    t = I18n()(lang)
    for key, variables in bundle_keys.items():
        args: dict[str, object] = {
            name: 1 if name in {"min", "max", "length", "average"} else f"<{name}>"
            for name in variables
        }
        text = t(key, **args)
        assert text and text != key, key
        assert "{" not in text and "}" not in text, (key, text)
        for name in variables - SELECTORS[f"{lang}:{key}"]:
            assert str(args[name]) in text, (key, name)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_message_parsed_at_first_use_is_the_one_its_file_gives(lang: str) -> None:
    """I18n keeps each message's text and parses it at its first use (bot/i18n.py): the
    message it parses from its own lines is the one the whole file gives, for every message."""
    parser = FluentParser(with_spans=False)
    whole: dict[str, ast.Message] = {}
    terms: dict[str, ast.Term] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.ftl")):
        for entry in parser.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(entry, (ast.Message, ast.Term)):
                entry.comment = None  # comments are not kept: nothing formats them
            if isinstance(entry, ast.Message):
                whole.setdefault(entry.id.name, entry)
            elif isinstance(entry, ast.Term):
                terms.setdefault(entry.id.name, entry)
    t = I18n()(lang)
    assert t.message_ids() == set(whole)
    bundle = t._bundle
    # Nothing but the terms (and the messages they name) is parsed before it is used.
    assert set(bundle._terms) == set(terms)
    assert len(bundle._messages) < 10
    for key, message in whole.items():
        assert t._load(key), key
        assert bundle._messages[key].equals(message), key
    for key, term in terms.items():
        assert bundle._terms[key].equals(term), key


def test_a_message_naming_another_formats_at_its_first_use() -> None:
    """`{ web-me-erase }` in the consent: the named message is parsed with the one naming it."""
    t = I18n()("ru")
    assert "web-me-erase" not in t._bundle._messages
    assert f"«{t('web-me-erase')}»" in t("web-consent-text")


def _keys_used_in_code() -> set[str]:
    used: set[str] = set()
    pattern = re.compile(
        r"""\bt\(\s*"([a-z0-9-]+)"|key = "([a-z0-9-]+)"|"""
        r""""((?:err|btn|country|admin-err)-[a-z0-9-]+)\""""
    )
    for folder in ("bot", "handlers"):
        for path in (REPO / folder).rglob("*.py"):
            for match in pattern.finditer(path.read_text(encoding="utf-8")):
                used.add(next(g for g in match.groups() if g))
    return used


def test_every_key_used_in_code_exists() -> None:
    defined = set(_messages("ru"))
    used = _keys_used_in_code()
    assert len(used) > 50  # the scan itself works
    assert sorted(used - defined) == []


def test_dynamic_keys_exist() -> None:
    from bot.commands import PARTICIPANT_COMMANDS
    from bot.services.registration.form import Field, ParticipationFormat, Role

    defined = set(_messages("ru"))
    dynamic = (
        {f"role-{r.value}" for r in Role}
        | {f"format-{f.value}" for f in ParticipationFormat}
        | {f"field-{f.value.replace('_', '-')}" for f in Field}
        | {f"ask-{f.value.replace('_', '-')}" for f in Field}
        | {f"cmd-{c.replace('_', '-')}" for c in PARTICIPANT_COMMANDS}
        | {f"btn-menu-{a}" for a in ("me", "edit", "unregister", "language", "contacts", "help")}
        | {f"btn-{a}-yes" for a in ("unregister", "delete")}
        | {f"duration-{unit}" for unit in ("days", "hours", "minutes", "seconds")}
    )
    assert sorted(dynamic - defined) == []


# The way back to Russian is written in Russian on Chinese screens: the only Cyrillic there.
LANGUAGE_SWITCH_WORDS = ("Русский язык", "Выберите язык", "Язык")


def test_chinese_texts_contain_no_cyrillic() -> None:
    for path in (LOCALES_DIR / "zh").glob("*.ftl"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("#"):
                continue
            for words in LANGUAGE_SWITCH_WORDS:
                line = line.replace(words, "")
            assert not re.search("[А-Яа-яЁё]", line), f"{path.name}:{number}: {line}"


def test_chinese_screens_show_the_way_back_to_russian() -> None:
    zh = I18n()("zh")
    for key in ("welcome", "help", "btn-language", "btn-menu-language", "cmd-language"):
        assert "Язык" in zh(key) or "Русский язык" in zh(key), key
    assert "Выберите язык" in zh("language-choose")


def test_command_descriptions_fit_telegram_limits() -> None:
    from bot.commands import PARTICIPANT_COMMANDS, commands_for

    for t in I18n().all():
        for command in commands_for(t):
            assert 1 <= len(command.description) <= 256
        assert len(commands_for(t)) == len(PARTICIPANT_COMMANDS)
