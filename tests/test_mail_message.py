"""The e-mail as it arrives: sent through a real SMTP server (aiosmtpd on 127.0.0.1) and read
back with the standard `email` package, in Russian and Chinese: headers, both parts, the
attachments; and the bot's Telegram texts turned into e-mail bodies."""

from __future__ import annotations

import email
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from icalendar import Calendar
from pypdf import PdfReader, PdfWriter

from bot.messages import reminder_text
from bot.services.delivery.mail.body import _TAGS, from_telegram_html
from bot.services.delivery.mail.config import Sender, parse_sender, parse_smtp_url
from bot.services.delivery.mail.message import (
    Attachment,
    InvalidAddress,
    build_message,
    recipient,
)
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.reminders.calendar import event_ics
from bot.services.reminders.planner import slots_for
from tests.harness import catalog_of, make_event, shared_i18n
from tests.smtp_server import SmtpTestServer, running_smtp

REPO = Path(__file__).resolve().parent.parent
SENDER = parse_sender("Наша общая Победа <noreply@example.org>")
NOW = datetime(2025, 9, 2, 7, 0, 12, tzinfo=UTC)
LINK = "https://voovmeeting.com/dm/AbCdEf?from=bot&lang=ru"
EVENT = catalog_of(
    make_event(
        "victory-2025",
        fmt="online",
        title={"ru": "Конференция «Наша общая Победа» & <друзья>", "zh": "“我们共同的胜利”会议"},
        meeting={"link": LINK, "id": "123 456 789", "passcode": "8080"},
    )
).get("victory-2025")
SUBJECTS = {
    "ru": "Напоминание: «Наша общая Победа» — через 1 час (Международная научно-практическая "
    "видеоконференция)",
    "zh": "提醒：“我们共同的胜利”国际科学实践视频会议将于1小时后开始——"
    "中国人民抗日战争暨世界反法西斯战争胜利80周年",
}
NAMES = {"ru": 'Иванов Пётр, "Петя"', "zh": "王小明"}


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp() as server:
        yield server


async def deliver(server: SmtpTestServer, message: EmailMessage) -> EmailMessage:
    """Through the real server and back, as a mail client would read it."""
    url = parse_smtp_url(f"smtp://{server.host}:{server.port}")
    async with SmtpTransport(url, SENDER.address) as transport:
        result = await transport.send(message)
    assert result.sent, result
    return server.messages[-1]


def reminder(lang: str) -> str:
    """The last reminder before the start, the one with the link, as the bot sends it."""
    slot = slots_for(EVENT)[-2]
    assert slot.carries_link
    t = shared_i18n()(lang)
    return reminder_text(t, EVENT, slot, now=NOW, participation_format="online", link=LINK)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_a_reminder_arrives_with_its_headers_and_both_parts(
    smtp: SmtpTestServer, lang: str
) -> None:
    body = from_telegram_html(reminder(lang))
    sent = build_message(
        sender=SENDER,
        to_address="Participant@Example.COM",
        to_name=NAMES[lang],
        language=lang,
        subject=SUBJECTS[lang],
        text=body.text,
        html_body=body.html,
        now=NOW,
        unsubscribe_url="https://conf.example.org/u/Tok3n?x=1",
        message_key="7:before-3600:email",
    )
    got = await deliver(smtp, sent)

    assert got["Subject"] == SUBJECTS[lang]  # decodes back exactly, long as it is
    assert got["From"].addresses[0].display_name == "Наша общая Победа"
    assert got["From"].addresses[0].addr_spec == "noreply@example.org"
    assert got["To"].addresses[0].display_name == NAMES[lang]
    assert got["To"].addresses[0].addr_spec == "Participant@example.com"
    assert smtp.received[-1].rcpt_tos == ["Participant@example.com"]
    assert smtp.received[-1].mail_from == "noreply@example.org"
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.org>", got["Message-ID"])
    assert parsedate_to_datetime(got["Date"]) == NOW
    assert got["Content-Language"] == {"ru": "ru", "zh": "zh-Hans"}[lang]
    assert got["Auto-Submitted"] == "auto-generated"
    assert got["List-Unsubscribe"] == "<https://conf.example.org/u/Tok3n?x=1>"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    raw_headers = smtp.received[-1].raw.split(b"\r\n\r\n", 1)[0]
    assert raw_headers.isascii()  # encoded words, no 8-bit headers

    assert got.get_content_type() == "multipart/alternative"
    parts = list(got.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    text, html = (p.get_content() for p in parts)
    title = EVENT.title.get(lang)
    assert title in text and "<b>" not in text and "&amp;" not in text
    assert LINK in text and "123 456 789" in text and "8080" in text
    assert f'<html lang="{got["Content-Language"]}">' in html
    assert f'<a href="{LINK.replace("&", "&amp;")}">' in html
    assert "<code>123 456 789</code>" in html
    assert "&lt;друзья&gt;" in html or lang == "zh"
    assert {tag for tag, _ in tags_of(html)} <= {
        "html", "head", "meta", "title", "body", "b", "code", "a", "br",
    }  # fmt: skip


async def test_certificate_and_calendar_attachments_round_trip(smtp: SmtpTestServer) -> None:
    ics = event_ics(
        EVENT, lang="zh", description="会议链接将在开始前发送", location="线上", url=None, now=NOW
    )
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Сертификат участника"})
    buffer = io.BytesIO()
    writer.write(buffer)
    pdf = buffer.getvalue() + bytes(range(256))  # and every byte value after %%EOF
    sent = build_message(
        sender=SENDER,
        to_address="wang@qq.com",
        to_name="王小明",
        language="zh",
        subject="参会证书",
        text="您的参会证书见附件。",
        html_body="<p>您的参会证书见附件。</p>",
        now=NOW,
        attachments=[
            Attachment("Сертификат участника.pdf", pdf, "application/pdf"),
            Attachment("会议.ics", ics, "text/calendar; method=PUBLISH"),
        ],
    )
    got = await deliver(smtp, sent)

    assert got.get_content_type() == "multipart/mixed"
    alternative, pdf_part, ics_part = got.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert "List-Unsubscribe" not in got  # a certificate cannot be muted

    assert pdf_part.get_content_type() == "application/pdf"
    assert pdf_part.get_filename() == "Сертификат участника.pdf"
    received_pdf = pdf_part.get_content()
    assert received_pdf == pdf
    assert len(PdfReader(io.BytesIO(received_pdf)).pages) == 1

    assert ics_part.get_content_type() == "text/calendar"
    assert ics_part.get_param("method") == "PUBLISH"
    assert ics_part.get_filename() == "会议.ics"
    calendar = Calendar.from_ical(ics_part.get_payload(decode=True))
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == EVENT.title.get("zh")
    assert vevent.decoded("DTSTART") == EVENT.starts_at


async def test_long_names_are_split_the_standard_way(smtp: SmtpTestServer) -> None:
    """A name too long for one encoded word is split into several (RFC 2047, 6.2: the space
    between them is not part of the name). The email package's display_name keeps that space,
    against the RFC; its decode_header, like mail clients, does not."""
    name = "Участник Иванов Пётр Сергеевич из Санкт-Петербурга, «Петя»"
    sent = build_message(
        sender=parse_sender("Международный Союз «Наследники Победы» <noreply@example.org>"),
        to_address="a@example.org",
        to_name=name,
        language="ru",
        subject="s",
        text="t",
        html_body="h",
        now=NOW,
    )
    await deliver(smtp, sent)
    raw = smtp.received[-1].raw.decode("ascii")
    headers = email.message_from_string(raw.split("\r\n\r\n")[0] + "\r\n\r\n")
    assert str(make_header(decode_header(headers["To"]))) == f"{name} <a@example.org>"
    assert str(make_header(decode_header(headers["From"]))) == (
        "Международный Союз «Наследники Победы» <noreply@example.org>"
    )
    assert max(len(line) for line in raw.split("\r\n")) <= 78


def test_header_values_cannot_smuggle_headers() -> None:
    message = build_message(
        sender=SENDER,
        to_address="a@example.org",
        to_name="Eve\r\nBcc: victim@example.org",
        language="ru",
        subject="Hello\r\nBcc: victim@example.org",
        text="x",
        html_body="x",
        now=NOW,
    )
    flat = message.as_string()
    assert "\nBcc:" not in flat and "Bcc" not in message
    assert message["Subject"] == "Hello Bcc: victim@example.org"


def test_message_ids_repeat_only_for_the_same_key() -> None:
    def mid(key: str | None) -> str:
        message = build_message(
            sender=SENDER,
            to_address="a@example.org",
            to_name=None,
            language="ru",
            subject="s",
            text="t",
            html_body="h",
            now=NOW + timedelta(seconds=len(key or "")),
            message_key=key,
        )
        return str(message["Message-ID"])

    assert mid("1:start:email") == mid("1:start:email")
    assert mid("1:start:email") != mid("2:start:email")
    assert mid(None) != mid(None)
    assert "start" not in mid("1:start:email")


def test_recipient_addresses() -> None:
    assert recipient("user@почта.рф").addr_spec == "user@xn--80a1acny.xn--p1ai"
    assert recipient(" 12345@QQ.com ", "王").addr_spec == "12345@qq.com"
    for bad in ("no-at-sign", "user@localhost", "two words@example.org", "@example.org", "a@"):
        with pytest.raises(InvalidAddress):
            recipient(bad)
    with pytest.raises(ValueError, match="aware"):
        build_message(
            sender=Sender("", "noreply@example.org"),
            to_address="a@example.org",
            to_name=None,
            language="ru",
            subject="s",
            text="t",
            html_body="h",
            now=datetime(2025, 1, 1),
        )


def test_telegram_markup_becomes_plain_text_and_safe_html() -> None:
    body = from_telegram_html(
        "<b>Итоги</b> &amp; <i>планы</i>\n"
        'Сайт: <a href="https://example.org/a?b=1&amp;c=2">страница</a>, '
        '<a href="tg://user?id=42">Иван</a>, <a href="javascript:alert(1)">клик</a>\n'
        "<tg-spoiler>секрет</tg-spoiler> <script>alert(2)</script>"
        '<pre><code class="language-python">x = 1 < 2\ny</code></pre>'
        "链接：https://example.org/x。<u>下划线"
    )
    assert body.text == (
        "Итоги & планы\n"
        "Сайт: страница (https://example.org/a?b=1&c=2), Иван, клик\n"
        "секрет \nx = 1 < 2\ny\n"
        "链接：https://example.org/x。下划线"
    )
    assert body.html.startswith("<b>Итоги</b> &amp; <i>планы</i><br>\n")
    assert '<a href="https://example.org/a?b=1&amp;c=2">страница</a>' in body.html
    assert '<a href="https://example.org/x">https://example.org/x</a>。' in body.html
    assert "<pre" in body.html and "x = 1 &lt; 2\ny</code></pre>" in body.html
    assert body.html.endswith("<u>下划线</u>")  # what was left open is closed
    links = [attrs.get("href") for tag, attrs in tags_of(body.html) if tag == "a"]
    assert links == ["https://example.org/a?b=1&c=2", "https://example.org/x"]
    assert "script" not in body.html and "alert" not in body.html + body.text
    assert "tg://" not in body.html and "javascript" not in body.html


def test_every_tag_in_our_texts_is_kept_in_email() -> None:
    """The .ftl texts use <b>, <i> and <code>; a new tag there must be one the e-mail keeps."""
    used = set()
    for path in (REPO / "locales").glob("*/*.ftl"):
        used |= set(re.findall(r"</?([a-zA-Z][\w-]*)", path.read_text(encoding="utf-8")))
    assert used and used <= set(_TAGS), used - set(_TAGS)
