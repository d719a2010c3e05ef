"""Pages from the Jinja2 templates in web/templates (autoescaped: everything a visitor typed is
shown as text), in the page's language, with the things every page needs."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aiohttp import web

from bot.i18n import I18n, Translator
from web.csrf import csrf_token
from web.language import HTML_LANG, LANG_PARAM, page_language

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"
T = TypeVar("T")
OTHER_LANGUAGE = {"ru": "zh", "zh": "ru"}


# A flag emoji (two regional indicator letters): the bot's time lines start with 🇷🇺 / 🇨🇳,
# which Windows and many Linux desktops draw as letters or boxes; the pages go without.
FLAG = re.compile("[\U0001f1e6-\U0001f1ff]{2}\\s*")


def text_lines(text: str) -> list[str]:
    """A multi-line message (`time-span`, `time-moment`) as lines for a list, without flags."""
    return [line for line in (FLAG.sub("", raw).strip() for raw in text.splitlines()) if line]


class Renderer:
    """The pages' templates. Jinja2 is imported, and the templates compiled, when the first
    page is drawn, not at start-up: a bot whose pages nobody has opened yet does not carry the
    template engine (about 2 MB, bench/memory.py)."""

    # The most values `kept` holds; then it starts over.
    KEPT_LIMIT = 1000
    # The most pages `shared_html` holds, then it starts over: a few per open event (languages,
    # and each count of seats, which leaves the older counts' pages behind), about 10 KB each.
    SHARED_LIMIT = 64

    def __init__(
        self,
        i18n: I18n,
        templates: Path = TEMPLATES,
        compiled: jinja2.BytecodeCache | None = None,
    ) -> None:
        """`compiled`: Jinja2's compiled templates kept beyond this renderer (the tests build
        hundreds of apps, and compiling the templates took about 0.3 s each time; a running
        bot has one)."""
        self.i18n = i18n
        self.templates = templates
        self.compiled = compiled
        # Names every template sees, added by the routes' setup (before the first page).
        self.globals: dict[str, Any] = {}
        self._kept: dict[Hashable, Any] = {}
        self._shared: dict[Hashable, SharedPage] = {}
        # Stands for the visitor's CSRF token in a shared page (64 hex digits, as the token):
        # random, so no text of a page can contain it.
        self._token_mark = secrets.token_hex(32)

    def kept(self, key: Hashable, make: Callable[[], T]) -> T:
        """What a page shows the same for everyone, made at its first request and kept: the
        edit form's fields in one language, an event's times (Babel's date formatting costs
        more than the rest of the line). `key` names everything the value depends on; never
        anyone's data."""
        try:
            return cast(T, self._kept[key])
        except KeyError:
            pass
        value = make()
        if len(self._kept) >= self.KEPT_LIMIT:
            self._kept.clear()
        self._kept[key] = value
        return value

    @cached_property
    def env(self) -> jinja2.Environment:
        import jinja2

        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.templates),
            autoescape=True,
            undefined=jinja2.StrictUndefined,  # a misspelt variable fails the tests, not a page
            trim_blocks=True,
            lstrip_blocks=True,
            # The templates are read once: no look at their files' times on every page (a
            # stat() per template and include per request). A changed template takes a restart.
            auto_reload=False,
            bytecode_cache=self.compiled,
        )
        env.filters["lines"] = text_lines
        env.globals.update(self.globals)
        return env

    def html(self, request: web.Request, template: str, lang: str, **context: Any) -> str:
        return self._render(template, lang, partial(csrf_token, request), context)

    def _render(
        self, template: str, lang: str, token: Callable[[], str], context: dict[str, Any]
    ) -> str:
        t = self.i18n(lang)
        other = OTHER_LANGUAGE[lang]
        return self.env.get_template(template).render(
            t=t,
            lang=lang,
            html_lang=HTML_LANG[lang],
            other_lang=other,
            other_html_lang=HTML_LANG[other],
            other_name=self.i18n(other)("web-language-name"),
            # Relative: the same path and query, in the other language (see language_switch).
            switch_href=f"?{LANG_PARAM}={other}",
            csrf_token=token,
            **context,
        )

    def shared_html(
        self,
        request: web.Request,
        template: str,
        lang: str,
        key: Hashable,
        context: Callable[[], dict[str, Any]],
    ) -> str:
        """A page that is the same for every visitor but for their CSRF token (the event page
        with its blank form, which everyone opens when a poster's QR code goes round): drawn
        once for `key` and the language, then only the visitor's token is put in. `key` names
        everything `context()` and the template depend on (the event's object, which changes
        identity whenever the event does, its state, the seats counted...); nobody's data."""
        full_key = (template, lang, key)
        page = self._shared.get(full_key)
        if page is None:
            used: list[bool] = []

            def mark() -> str:
                used.append(True)
                return self._token_mark

            html = self._render(template, lang, mark, context())
            if len(self._shared) >= self.SHARED_LIMIT:
                self._shared.clear()
            page = self._shared[full_key] = SharedPage(html, bool(used))
        if not page.has_token:
            return page.html
        return page.html.replace(self._token_mark, csrf_token(request))

    def both(self) -> tuple[Translator, Translator]:
        return self.i18n("ru"), self.i18n("zh")


@dataclass(frozen=True)
class SharedPage:
    html: str
    has_token: bool  # a form's CSRF token is in it (marked), to be set for each visitor


class Same:
    """Stands for an object in a cache key by its identity (an event: frozen, replaced by a
    new object when it changes), without hashing its fields on every request; the key keeps
    the object alive, so its id cannot go to another one meanwhile."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj


RENDERER = web.AppKey("web_renderer", Renderer)


def html_response(text: str, status: int = 200) -> web.Response:
    # no-store: pages carry a browser's CSRF token, and soon personal data.
    return web.Response(
        text=text, status=status, content_type="text/html", headers={"Cache-Control": "no-store"}
    )


def render_page(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """The page in the visitor's language; a visitor whose language is not known yet gets the
    language choice first (it comes back to this address)."""
    lang = page_language(request)
    renderer = request.app[RENDERER]
    if lang is None:
        return choose_language(request, status=status if status >= 400 else 200)
    return html_response(renderer.html(request, template, lang, **context), status)


def render_shared_page(
    request: web.Request, template: str, key: Hashable, context: Callable[[], dict[str, Any]]
) -> web.Response:
    """`render_page` for a page every visitor sees the same (Renderer.shared_html)."""
    lang = page_language(request)
    if lang is None:
        return choose_language(request)
    return html_response(request.app[RENDERER].shared_html(request, template, lang, key, context))


def choose_language(
    request: web.Request,
    *,
    status: int = 200,
    error: tuple[str, str] | None = None,
    error_args: dict[str, object] | None = None,
) -> web.Response:
    """The bilingual choice: each language's link comes back to this address with `?lang=`.
    With an error (title and text messages), the page says what went wrong in both."""
    renderer = request.app[RENDERER]
    ru, zh = renderer.both()
    html = renderer.env.get_template("choose_language.html").render(
        ru=ru,
        zh=zh,
        error=error,
        error_args=error_args or {},
        html_lang=HTML_LANG["ru"],
        zh_html_lang=HTML_LANG["zh"],
    )
    return html_response(html, status)
