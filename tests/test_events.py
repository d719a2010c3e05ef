from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.services.events.catalog import EventsFileError, EventState, load_events, parse_events
from bot.services.events.durations import duration_parts, format_duration, parse_duration
from tests.harness import catalog_of, make_event

REPO = Path(__file__).resolve().parent.parent


def test_shipped_events_file_is_the_organizers_conference() -> None:
    catalog = load_events(REPO / "events.toml")
    event = catalog.get("victory-2025")
    assert event is not None
    assert event.title.ru.endswith("«Наша общая Победа»")
    assert event.starts_at == datetime(2025, 9, 3, 7, 0, tzinfo=UTC)  # 10:00 MSK
    assert event.ends_at == datetime(2025, 9, 3, 10, 0, tzinfo=UTC)  # 13:00 MSK
    assert event.format == "hybrid" and event.venue is not None
    assert event.contacts.email == "commonwin@bk.ru"
    assert event.reminders == (timedelta(days=1), timedelta(hours=1), timedelta(minutes=10))


def test_states_follow_the_clock() -> None:
    start = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
    [event] = catalog_of(make_event(starts_at=start, deadline=start - timedelta(days=1)))
    assert event.state(start - timedelta(days=2)) is EventState.OPEN
    assert event.state(start - timedelta(hours=1)) is EventState.CLOSED
    assert event.state(start + timedelta(hours=3)) is EventState.OVER


def test_without_deadline_registration_runs_until_the_end() -> None:
    start = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
    [event] = catalog_of(make_event(starts_at=start))
    assert event.state(start + timedelta(hours=1)) is EventState.OPEN


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"starts_at": datetime(2025, 9, 3, 7, 0)}, "starts_at"),  # naive: no offset
        ({"format": "webinar"}, "format"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"reminders": ["1 week"]}, "reminders"),
        ({"meeting": {"link": "http://voov.example/x"}}, "meeting.link"),
        ({"title": {"ru": "Только русский"}}, "title.zh"),
        ({"venue": None, "format": "offline"}, "venue"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_event_names_event_and_field(change: dict, message: str) -> None:
    raw = make_event("bad-event")
    raw.update(change)
    if raw.get("venue") is None:
        raw.pop("venue", None)
    with pytest.raises(EventsFileError) as error:
        parse_events({"events": [raw]}, source="events.toml")
    text = str(error.value)
    assert f"event '{raw['slug']}'" in text and message in text, text
    assert "\n" not in text


def test_end_before_start_is_refused() -> None:
    raw = make_event("backwards", duration=timedelta(hours=-1))
    with pytest.raises(EventsFileError, match="ends_at must be after starts_at"):
        parse_events({"events": [raw]})


def test_duplicate_slugs_and_empty_files_are_refused() -> None:
    with pytest.raises(EventsFileError, match="used twice"):
        catalog_of(make_event("same"), make_event("same"))
    with pytest.raises(EventsFileError, match="no \\[\\[events\\]\\]"):
        parse_events({})


def test_file_problems_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(EventsFileError, match="does not exist"):
        load_events(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[events]\nslug = ", encoding="utf-8")
    with pytest.raises(EventsFileError, match="not valid TOML"):
        load_events(broken)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1d", timedelta(days=1)),
        ("1h", timedelta(hours=1)),
        ("10m", timedelta(minutes=10)),
        ("30s", timedelta(seconds=30)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 2D ", timedelta(days=2)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["", "1", "h", "1w", "0m", "-1h", "1h 2x"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|longer than zero"):
        parse_duration(text)


def test_catalog_queries() -> None:
    base = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
    catalog = catalog_of(
        make_event("later", starts_at=base + timedelta(days=30)),
        make_event("sooner", starts_at=base),
    )
    assert [e.slug for e in catalog] == ["sooner", "later"]
    now = base + timedelta(days=1)
    assert [e.slug for e in catalog.open(now)] == ["later"]
    relevant = catalog.most_relevant(now)
    assert relevant is not None and relevant.slug == "later"
    last = catalog.most_relevant(base + timedelta(days=90))
    assert last is not None and last.slug == "later"


def test_short_title_is_optional_and_falls_back_to_the_title() -> None:
    shipped = load_events(REPO / "events.toml").get("victory-2025")
    assert shipped is not None
    assert shipped.short_name("ru") == "«Наша общая Победа»"
    assert shipped.short_name("zh") == "“我们共同的胜利”"
    [plain] = list(catalog_of(make_event()))
    assert plain.short_title is None
    assert plain.short_name("ru") == plain.title.ru and plain.short_name("zh") == plain.title.zh


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"ends_at": "2025-09-03T09:00:00+03:00"}, "admin-err-end-before-start"),
        ({"registration_deadline": "2025-09-04T09:00:00+03:00"}, "admin-err-deadline-after-end"),
        ({"meeting_link": "http://voov.example/x"}, "admin-err-link"),
    ],
)
def test_refused_changes_name_a_message_not_the_validators_english(changes: dict, key: str) -> None:
    from bot.i18n import I18n
    from bot.services.events.settings import SettingsRejected, with_overrides

    [event] = list(catalog_of(make_event()))
    with pytest.raises(SettingsRejected) as refused:
        with_overrides(event, changes)
    assert refused.value.key == key
    for t in I18n().all():  # a sentence in each language, not the key itself
        assert t.has(key) and not re.search("[a-z]_[a-z]", t(key))


def test_duration_parts_name_each_unit() -> None:
    assert duration_parts(timedelta(days=1)) == [("days", 1)]
    assert duration_parts(timedelta(hours=1, minutes=30)) == [("hours", 1), ("minutes", 30)]
    assert duration_parts(timedelta(minutes=10, seconds=5)) == [("minutes", 10), ("seconds", 5)]
