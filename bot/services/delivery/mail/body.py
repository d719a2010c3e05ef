"""Our Telegram texts as e-mail bodies, so that one .ftl text serves both channels.

The bot writes Telegram's HTML (https://core.telegram.org/bots/api#html-style): the .ftl texts
use <b> and <code> (and <i>), the code around them adds escaped values (html.escape), and an
organizer's broadcast, taken as `message.html_text`, may have any of Telegram's tags: links,
underline, strike, spoilers, custom emoji, pre, blockquote. Newlines are line breaks, and bare
addresses become links in the apps. An e-mail needs the same as a plain-text part and an HTML
part; the HTML is rebuilt from an allow-list, so nothing but these tags (and http, https or
mailto links) reaches a mail client, whatever the text holds."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Telegram's tags and their synonyms -> what the e-mail keeps; others keep only their text.
_TAGS = {
    "b": "b",
    "strong": "b",
    "i": "i",
    "em": "i",
    "u": "u",
    "ins": "u",
    "s": "s",
    "strike": "s",
    "del": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "a",
}
_OPEN = {
    "pre": '<pre style="white-space:pre-wrap">',
    "blockquote": '<blockquote style="margin:0 0 0 .8em;padding-left:.8em;'
    'border-left:3px solid #ccc">',
}
_BLOCKS = ("pre", "blockquote")
_HIDDEN = ("script", "style")  # never in Telegram's markup; their content is not text
_LINK_SCHEMES = ("http://", "https://", "mailto:")
# A bare address in the text, as the apps link it: ASCII only, so that it ends at Chinese or
# Russian text and punctuation written right after it ("链接：https://x.org/a。").
_URL = re.compile(r"https?://[^\s<>\"'\u0080-\U0010ffff]+")
_TRAILING = ".,;:!?'\")]}"


@dataclass(frozen=True)
class MailBody:
    """`html` is a fragment for the <body> (bot/services/delivery/mail/message.py wraps it)."""

    text: str
    html: str


def _split_url(url: str) -> tuple[str, str]:
    """A URL and the punctuation after it that belongs to the sentence."""
    end = len(url)
    while end and url[end - 1] in _TRAILING:
        # A closing bracket the URL opened is the URL's (Wikipedia's "..._(disambiguation)").
        if url[end - 1] == ")" and url[:end].count("(") >= url[:end].count(")"):
            break
        end -= 1
    return url[:end], url[end:]


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.html: list[str] = []
        self.open: list[str] = []  # tags open in the output
        self.link: tuple[str | None, list[str]] | None = None  # href (None: not safe), its text
        self.hidden = 0
        self.break_before = False  # a block ended: the plain text goes on on a new line

    def _block_edge(self) -> None:
        if self.text and not self.text[-1].endswith("\n"):
            self.break_before = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
            return
        kept = _TAGS.get(tag)
        if kept in _BLOCKS:
            self._block_edge()
        if kept is None or (kept in self.open and kept in ("a", "pre")):
            return
        if kept == "a":
            href = (dict(attrs).get("href") or "").strip()
            safe = href if href.lower().startswith(_LINK_SCHEMES) else None
            self.link = (safe, [])
            if safe is None:
                return  # tg://user?id=... and the like: text only
            self.html.append(f'<a href="{html.escape(safe, quote=True)}">')
        else:
            self.html.append(_OPEN.get(kept, f"<{kept}>"))
        self.open.append(kept)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            return
        kept = _TAGS.get(tag)
        if kept in _BLOCKS:
            self._block_edge()
        if kept == "a" and self.link is not None:
            href, words = self.link
            self.link = None
            shown = "".join(words).strip()
            if href is not None:
                target = href.removeprefix("mailto:")
                if shown and shown not in (target, href):
                    self.text.append(f" ({target})")
                elif not shown:
                    self.text.append(target)
                    self.html.append(html.escape(target))
        if kept is None or kept not in self.open:
            return
        # Close what was opened inside it too (Telegram's markup is well nested; a broken one
        # must still give well-nested HTML).
        while self.open:
            last = self.open.pop()
            self.html.append(f"</{last}>")
            if last == kept:
                break

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.break_before and not data.startswith("\n"):
            self.text.append("\n")
        self.break_before = False
        self.text.append(data)
        if self.link is not None:
            self.link[1].append(data)
        if "pre" in self.open or self.link is not None:
            self.html.append(self._lines(html.escape(data, quote=False)))
            return
        at = 0
        for match in _URL.finditer(data):
            url, after = _split_url(match.group())
            self.html.append(self._lines(html.escape(data[at : match.start()], quote=False)))
            self.html.append(
                f'<a href="{html.escape(url, quote=True)}">{html.escape(url, quote=False)}</a>'
            )
            self.html.append(html.escape(after, quote=False))
            at = match.end()
        self.html.append(self._lines(html.escape(data[at:], quote=False)))

    def _lines(self, escaped: str) -> str:
        return escaped if "pre" in self.open else escaped.replace("\n", "<br>\n")

    def close(self) -> None:
        super().close()
        while self.open:
            self.html.append(f"</{self.open.pop()}>")


def from_telegram_html(text: str) -> MailBody:
    """The plain-text part and a safe HTML fragment of one of the bot's messages."""
    converter = _Converter()
    converter.feed(text.strip())
    converter.close()
    return MailBody(text="".join(converter.text).strip(), html="".join(converter.html).strip())
