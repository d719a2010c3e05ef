from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.i18n import I18n
from bot.services.events.timefmt import moment_args, span_args


def test_moscow_and_beijing_side_by_side() -> None:
    start = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
    args = span_args(start, start + timedelta(hours=3), "ru")
    assert args == {
        "msk_date": "3 сентября 2025",
        "msk_start": "10:00",
        "msk_end": "13:00",
        "bjt_date": "3 сентября 2025",
        "bjt_start": "15:00",
        "bjt_end": "18:00",
    }
    zh = span_args(start, start + timedelta(hours=3), "zh")
    assert zh["bjt_date"] == "2025年9月3日"


def test_dates_differ_across_midnight() -> None:
    start = datetime(2025, 9, 3, 19, 0, tzinfo=UTC)  # 22:00 in Moscow, 03:00 next day in Beijing
    args = span_args(start, start + timedelta(hours=3), "zh")
    assert args["msk_date"] == "2025年9月3日" and args["msk_end"] == "2025年9月4日 01:00"
    assert args["bjt_date"] == "2025年9月4日" and args["bjt_start"] == "03:00"
    moment = moment_args(start, "ru")
    assert moment["msk_date"] == "3 сентября 2025" and moment["bjt_date"] == "4 сентября 2025"


def test_rendered_span_names_both_zones() -> None:
    start = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
    i18n = I18n()
    ru = i18n("ru")("time-span", **span_args(start, start + timedelta(hours=3), "ru"))
    assert "10:00–13:00 по московскому времени" in ru and "15:00–18:00 по пекинскому" in ru
    assert "3 сентября 2025 г., 10:00–13:00" in ru  # «г.», as the certificate prints it
    zh = i18n("zh")("time-span", **span_args(start, start + timedelta(hours=3), "zh"))
    # A Chinese reader gets Beijing time first, in the usual form: 2025年9月3日 15:00（北京时间）.
    assert zh.splitlines() == [
        "🇨🇳 2025年9月3日 15:00—18:00（北京时间）",
        "🇷🇺 2025年9月3日 10:00—13:00（莫斯科时间）",
    ]
