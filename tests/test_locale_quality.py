"""What people read, checked the way a careful editor reads it: every message of both languages is
rendered with sample values (event titles that carry their own quotes, class names like 8 «Б»
and 初二（3）班, numbers 1, 2, 5, 21, 101) and must have

- no quote pair doubled around a value that already holds quotes («…«…»», ““…”…”);
- in Russian, no event title after a preposition (it would need a case the title cannot take),
  and a plural selector on every number followed by a counted word («5 символов», not «5 символа»);
- in Chinese, no ASCII comma, colon or semicolon next to Hanzi, and no space between Hanzi and
  Arabic numerals (共5人, 第3行);
- no raw ISO date or enum value (online, hybrid, 1d, 10m…) in the output.

The same checks run over texts that code assembles (the /event card, the class summary, row lists,
event buttons)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import cycle, islice, pairwise
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

from bot.i18n import LANGUAGES, LOCALES_DIR, I18n, Translator
from bot.services.classes.roster import format_rows
from bot.services.events.catalog import Event, load_events
from bot.services.events.timefmt import moment_args, span_args

REPO = Path(__file__).resolve().parent.parent
START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
NUMBERS = (1, 2, 5, 21, 101)

# Variables that hold a count or a number: they are rendered with each of NUMBERS.
NUMERIC = frozenset(
    {
        "active", "average", "cancelled", "classes", "comments", "count", "days",
        "duplicates_count", "eligible", "empty_count", "failed", "groups", "hours", "issued",
        "length", "max", "max_kb", "max_mb", "min", "minutes", "pending", "row", "seconds",
        "sent", "size", "size_kb", "students", "total", "unreachable", "telegram", "email_only",
        "rating", "by_email", "bounced", "confirmed", "muted", "waiting", "page", "pages",
        "percent", "position", "free", "capacity", "taken",
    }
)  # fmt: skip


def _event(lang: str) -> Event:
    [event] = list(load_events(REPO / "events.toml"))
    return event


def _samples(lang: str) -> dict[str, str]:
    """Plain (non-selector, non-numeric) values, as the code passes them."""
    event = _event(lang)
    ru = lang == "ru"
    span = span_args(START, START + timedelta(hours=3), lang)
    moment = moment_args(START, lang)
    t = I18n()(lang)
    return {
        "event": event.title.get(lang),
        "class_name": "8 «Б»" if ru else "初二（3）班",
        "name": "Иванова Мария Петровна" if ru else "王小明",
        "teacher": "Иванова Мария Петровна" if ru else "王小明",
        "school": "Школа № 1" if ru else "北京市第一中学",
        "city": "Москва" if ru else "北京",
        "country": "Россия" if ru else "中国",
        "topic": "Память о войне в семейных письмах" if ru else "家书中的战争记忆",
        "group": "8 «Б» — родители" if ru else "初二（3）班家长群",
        "venue": event.venue.get(lang) if event.venue else "",
        "address": "ул. Тверская, 1, Москва" if ru else "北京市东城区东长安街1号",
        "start": "10:00",
        "end": "13:00",
        "value": "commonwin@bk.ru",
        "email": "ivanov@mail.ru",
        "phone": "+7 900 123-45-67",
        "link": "https://voovmeeting.com/dm/abc",
        "group_link": "https://t.me/bot?startgroup=c_1",
        "pupil_link": "https://t.me/bot?start=class_abc",
        "meeting_id": "123 456 789",
        "passcode": "1945",
        "number": "NP26-0005-RHU2",
        "slug": "victory-2025",
        "organization": "Школа № 1" if ru else "北京市第一中学",
        "first": "1. Иванов Иван\n2. Петрова Анна" if ru else "1. 王小明\n2. 李华",
        "rows": format_rows([3, 7, 12, 13, 14, 15], lang=lang),
        "label": t("field-full-name"),
        "field": t("field-full-name"),
        "status": t("status-active"),
        "countdown": t("countdown-hours", hours=1),
        "reminders": t("duration-hours", hours=1),
        "duration": t("duration-hours", hours=1),
        "reason": t("admin-err-end-before-start"),
        "date": span["msk_date"],
        "extension": ".doc",
        "organizer": event.organizer.get(lang) if event.organizer else "",
        "request_id": "3f9a0c1e",
        "format": "online",
        "url": "https://conf.example.org/me/Dk3sPDnqdtbM6hY5KCkS_vf25Q9SbjJroDQaTN4DHOU",
        "stars": "★★★★",
        # Tickets and the door (locales/*/tickets.ftl).
        "code": "K7QP-3MXR",
        "venues": "Москва, Дом дружбы, Харбин" if ru else "莫斯科友谊之家、哈尔滨会场",
        "time": "09:00",
        "local_start": "11:00",
        "local_end": "14:00",
        # /team and /audit: a person as handlers/admin/labels.py writes one, a moment, an action.
        "who": "Иванова Мария (@ivanova_m, <code>123456789</code>)"
        if ru
        else "王小明（@wangxm，<code>123456789</code>）",
        "by": "Петров Пётр (<code>987654321</code>)" if ru else "李华（<code>987654321</code>）",
        "username": "ivanova_m",
        "user_id": "123456789",
        "when": t("organizer-when", same_day="yes", **moment),
        "action": t("audit-action-export"),
        "outer": t("audit-detail-previous"),
        "inner": t("audit-detail-starts-at"),
        **span,
        **moment,
    }


class _Collect(Visitor):
    """The variables of one message and, for each selector variable, its variant keys."""

    def __init__(self) -> None:
        self.variables: set[str] = set()
        self.variants: dict[str, list[str]] = {}

    def visit_VariableReference(self, node: ast.VariableReference) -> None:  # noqa: N802
        self.variables.add(node.id.name)

    def visit_SelectExpression(self, node: ast.SelectExpression) -> None:  # noqa: N802
        if isinstance(node.selector, ast.VariableReference):
            keys = self.variants.setdefault(node.selector.id.name, [])
            for variant in node.variants:
                key = variant.key
                keys.append(key.name if isinstance(key, ast.Identifier) else key.value)
        self.generic_visit(node)


def _messages(lang: str) -> dict[str, ast.Message]:
    parser = FluentParser()
    out: dict[str, ast.Message] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.ftl")):
        for entry in parser.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(entry, ast.Message):
                out[entry.id.name] = entry
    return out


@dataclass
class Rendering:
    key: str
    texts: list[str] = field(default_factory=list)


def _value_lists(collect: _Collect, samples: dict[str, str]) -> dict[str, list[object]]:
    values: dict[str, list[object]] = {}
    for name in collect.variables:
        keys = collect.variants.get(name, [])
        if name in NUMERIC:
            values[name] = [*NUMBERS, *(k for k in keys if not k.lstrip("-").isdigit())]
        elif keys:
            values[name] = list(dict.fromkeys(keys))
        else:
            assert name in samples, f"add a sample value for ${name} to this test"
            values[name] = [samples[name]]
    return values


def render_all(lang: str) -> list[Rendering]:
    """Every message, rendered once per sample scenario (each variable cycles its values)."""
    t = I18n()(lang)
    samples = _samples(lang)
    out = []
    for key, message in _messages(lang).items():
        collect = _Collect()
        collect.visit(message)
        values = _value_lists(collect, samples)
        rounds = max((len(v) for v in values.values()), default=1)
        rendering = Rendering(key)
        for i in range(rounds):
            args = {name: next(islice(cycle(v), i, None)) for name, v in values.items()}
            rendering.texts.append(t(key, **args))
        out.append(rendering)
    return out


# --- the checks: each returns what is wrong with one text, or None ----------------------------

_HANZI = "\u3400-\u9fff\uf900-\ufaff"
_ASCII_PUNCT_BY_HANZI = re.compile(f"[{_HANZI}]\\s*[,:;]|[,:;]\\s*[{_HANZI}]")
# A space between Hanzi and a number; a clock time after a date ("9月3日 15:00") keeps its space.
# Codes keep their spaces (编号 NP26-0005-RHU2 的), so a number glued to letters does not count.
_SPACE_HANZI_DIGIT = re.compile(
    f"[{_HANZI}] \\d+(?![\\dA-Za-z:-])|(?<![\\dA-Za-z:.-])\\d+ [{_HANZI}]"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ENUM = re.compile(r"(?<![A-Za-z0-9/._-])(?:online|offline|hybrid|\d+[dhms])(?![A-Za-z0-9])")
_CODE = re.compile(r"<code>.*?</code>", re.S)
_RU_PREPOSITION = re.compile(
    r"(?i)(?<![а-яё])(?:в|во|на|о|об|по|для|к|ко|с|со|у|от|до|из|за|при|про)\s+(?:<[bi]>)?"
)
_QUOTE_PAIRS = (("«", "»"), ("“", "”"))


def doubled_quotes(text: str) -> str | None:
    for opening, closing in _QUOTE_PAIRS:
        depth = 0
        for ch in text:
            depth += (ch == opening) - (ch == closing)
            if depth > 1:
                return f"{opening}…{opening}…{closing}{closing}"
    return None


def ascii_punctuation_by_hanzi(text: str) -> str | None:
    match = _ASCII_PUNCT_BY_HANZI.search(text)
    return match.group(0) if match else None


def space_between_hanzi_and_digits(text: str) -> str | None:
    match = _SPACE_HANZI_DIGIT.search(text)
    return match.group(0) if match else None


def raw_values(text: str) -> str | None:
    visible = _CODE.sub("", text)  # <code> shows what to type, e.g. 2026-05-06 10:00
    match = _ISO_DATE.search(visible) or _ENUM.search(visible)
    return match.group(0) if match else None


def event_after_preposition(text: str, title: str) -> str | None:
    for match in _RU_PREPOSITION.finditer(text):
        if text.startswith(title, match.end()):
            return match.group(0) + title[:20] + "…"
    return None


def _offenders(lang: str, check: object) -> list[tuple[str, str]]:
    assert callable(check)
    found = []
    for rendering in render_all(lang):
        for text in rendering.texts:
            problem = check(text)
            if problem:
                found.append((rendering.key, problem))
                break
    return found


# --- messages ---------------------------------------------------------------------------------


def test_every_message_is_rendered() -> None:
    for lang in LANGUAGES:
        renderings = render_all(lang)
        assert len(renderings) > 300
        for r in renderings:
            assert all(text and text != r.key for text in r.texts), r.key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_doubled_quotes_around_values_that_hold_quotes(lang: str) -> None:
    assert _offenders(lang, doubled_quotes) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_raw_iso_date_or_enum_value(lang: str) -> None:
    assert _offenders(lang, raw_values) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_ascii_punctuation_next_to_hanzi(lang: str) -> None:
    """Russian messages carry Hanzi too (the language picker, the 中文 hint)."""
    assert _offenders(lang, ascii_punctuation_by_hanzi) == []


def test_zh_no_space_between_hanzi_and_numbers() -> None:
    assert _offenders("zh", space_between_hanzi_and_digits) == []


def test_ru_event_title_never_follows_a_preposition() -> None:
    title = _samples("ru")["event"]
    assert _offenders("ru", lambda text: event_after_preposition(text, title)) == []


# Words after a number that do not depend on it: prepositions, conjunctions, abbreviations.
_NOT_COUNTED = frozenset({"из", "до", "и", "а", "или", "с", "г"})
_WORD_AFTER = re.compile(r"^\s+([а-яё]+)")


def _numbers_before_words(pattern: ast.Pattern, selectors: set[str]) -> list[str]:
    found = []
    elements = pattern.elements
    for element, following in pairwise(elements):
        if not (
            isinstance(element, ast.Placeable)
            and isinstance(element.expression, ast.VariableReference)
            and isinstance(following, ast.TextElement)
        ):
            continue
        name = element.expression.id.name
        word = _WORD_AFTER.match(following.value)
        if name in NUMERIC and name not in selectors and word and word[1] not in _NOT_COUNTED:
            found.append(f"{{ ${name} }} {word[1]}")
    for element in elements:
        if isinstance(element, ast.Placeable) and isinstance(
            element.expression, ast.SelectExpression
        ):
            for variant in element.expression.variants:
                found += _numbers_before_words(variant.value, selectors)
    return found


def test_ru_every_number_before_a_counted_word_has_a_plural_selector() -> None:
    offenders = {}
    for key, message in _messages("ru").items():
        collect = _Collect()
        collect.visit(message)
        if message.value is not None:
            found = _numbers_before_words(message.value, set(collect.variants))
            if found:
                offenders[key] = found
    assert offenders == {}


def test_the_plural_check_catches_a_missing_selector() -> None:
    broken = FluentParser().parse("m = нужно хотя бы { $min } символа.\n").body[0]
    assert isinstance(broken, ast.Message) and broken.value is not None
    assert _numbers_before_words(broken.value, set()) == ["{ $min } символа"]


def test_the_checks_catch_what_they_are_for() -> None:
    assert doubled_quotes("Отменить участие в «Конференция «Наша общая Победа»»?")
    assert doubled_quotes("确定要取消报名““我们共同的胜利”国际会议”吗？")
    assert doubled_quotes("Нажимая «Даю согласие», я…") is None
    assert ascii_punctuation_by_hanzi("学校：北京市第一中学, 北京, 中国")
    assert ascii_punctuation_by_hanzi("第3、7行：") is None
    assert space_between_hanzi_and_digits("共 5 人")
    assert space_between_hanzi_and_digits("2025年9月3日 15:00") is None
    assert raw_values("Формат: hybrid") and raw_values("Напоминания за: 1d, 1h, 10m")
    assert raw_values("Пример: <code>2026-05-06 10:00</code>") is None
    assert event_after_preposition("Регистрация на <b>Конференция</b>", "Конференция")


# --- texts that code assembles ------------------------------------------------------------------


def _all_checks(lang: str, text: str) -> list[str]:
    checks = [doubled_quotes, raw_values]
    if lang == "zh":
        checks += [ascii_punctuation_by_hanzi, space_between_hanzi_and_digits]
    return [problem for check in checks if (problem := check(text))]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_event_settings_card_shows_no_raw_values(lang: str) -> None:
    from handlers.admin.settings import settings_text

    t = I18n()(lang)
    text = settings_text(t, _event(lang), START - timedelta(days=3))
    assert _all_checks(lang, text) == []
    expected = {"ru": "за 1 день, за 1 час, за 10 минут", "zh": "1天、1小时、10分钟"}[lang]
    assert expected in text
    slug = {"ru": " (<code>victory-2025</code>)", "zh": "（<code>victory-2025</code>）"}[lang]
    assert slug in text.splitlines()[0]
    assert {"ru": "онлайн и очно", "zh": "线上与线下同步"}[lang] in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_class_summary_lists_the_place_in_the_readers_punctuation(lang: str) -> None:
    from handlers.classes import summary_text

    t = I18n()(lang)
    s = _samples(lang)
    answers = {
        "teacher_name": s["teacher"],
        "country": s["country"],
        "city": s["city"],
        "school": s["school"],
        "email": s["email"],
        "phone": "",
        "class_name": s["class_name"],
        "size": 25,
        "roster": ["Иванов Иван"] * 3,
    }
    text = summary_text(t, {"answers": answers})
    assert _all_checks(lang, text) == []
    assert t("answer-not-given") in text  # no bare dash for an empty phone
    expected = {"ru": "Школа № 1 (Москва, Россия)", "zh": "北京市第一中学（北京，中国）"}[lang]
    assert expected in text


def test_row_lists_use_the_enumeration_comma_in_chinese() -> None:
    assert format_rows([3, 7, 12, 13, 14, 15], lang="zh") == "3、7、12–15"
    assert format_rows([3, 4], lang="zh") == "3、4"
    assert format_rows([3, 7, 12, 13, 14, 15]) == "3, 7, 12–15"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_event_buttons_are_not_cut_mid_word(lang: str) -> None:
    from handlers import views
    from handlers.admin.common import events_keyboard as admin_events_keyboard

    t: Translator = I18n()(lang)
    long_title = {
        "ru": "Международная научно-практическая видеоконференция «Наша общая Победа» и ещё",
        "zh": "中俄青少年历史教育论坛暨纪念中国人民抗日战争胜利八十周年"
        "“我们共同的胜利”国际科学实践视频会议特别专场及中俄两国高校联合学术研讨会开幕式",
    }[lang]
    data = _event(lang).model_dump()
    data["title"] = {"ru": long_title, "zh": long_title} | {lang: long_title}
    data["short_title"] = None
    event = Event.model_validate(data)
    markups = [
        views.events_keyboard(t, [event]),
        views.pick_keyboard(t, "me", [event]),
        admin_events_keyboard(t, [event], "stats"),
    ]
    for markup in markups:
        label = markup.inline_keyboard[0][0].text.removesuffix(f" ({event.slug})")
        assert _all_checks(lang, label) == []
        assert label.count("«") == label.count("»") and label.count("“") == label.count("”")
        assert label.endswith("…") and len(label) <= 60
        if lang == "ru":  # cut at a word boundary
            assert label.removesuffix("…").split()[-1] in long_title.split()


def test_event_buttons_use_the_short_title() -> None:
    from handlers import views

    for lang in LANGUAGES:
        t = I18n()(lang)
        event = _event(lang)
        assert event.short_title is not None
        label = views.events_keyboard(t, [event]).inline_keyboard[0][0].text
        assert label == event.short_title.get(lang)


def test_zh_times_give_beijing_time_first() -> None:
    zh = I18n()("zh")
    for key, args in (
        ("time-span", span_args(START, START + timedelta(hours=3), "zh")),
        ("time-moment", moment_args(START, "zh")),
    ):
        text = zh(key, **args)
        assert text.index("北京时间") < text.index("莫斯科时间"), key
        assert text.index("15:00") < text.index("10:00"), key


def test_the_average_rating_uses_the_readers_decimal_mark() -> None:
    i18n = I18n()
    ru = i18n("ru")("stats-feedback", count=4, average=4.5, comments=1)
    zh = i18n("zh")("stats-feedback", count=4, average=4.333, comments=1)
    assert "средняя оценка 4,5 из 5" in ru
    assert "平均评分4.33/5" in zh


@pytest.mark.parametrize("lang", LANGUAGES)
def test_speaker_card_gives_the_place_in_the_readers_punctuation(lang: str) -> None:
    from db.models import Registration
    from handlers.admin.speakers import speaker_card

    t = I18n()(lang)
    s = _samples(lang)
    reg = Registration(
        full_name=s["name"], organization=s["school"], city=s["city"], country="RU",
        talk_topic=s["topic"],
    )  # fmt: skip
    text = speaker_card(t, reg, 2)
    assert _all_checks(lang, text) == []
    expected = {"ru": "Школа № 1, Москва, Россия", "zh": "北京市第一中学（北京，俄罗斯）"}[lang]
    assert expected in text


def test_zh_consent_statements_speak_in_one_person() -> None:
    """The consent is the participant's own statement (我同意…): a 您 in it changes who speaks."""
    zh = I18n()("zh")
    for key in ("consent-text", "class-consent-text"):
        text = zh(key)
        assert "我" in text and "您" not in text, key
