"""Refusals a handler or middleware raises; web/error_pages.py turns each into a page in the
page's language, with the right status."""

from __future__ import annotations

from typing import Any


class PageError(Exception):
    """An error page: its status, and the messages of its title and text (web.ftl)."""

    status = 500
    title = "web-error-500-title"
    text = "web-error-500-text"

    def __init__(self, **args: Any) -> None:
        super().__init__(self.title)
        self.args_for_text = args
        self.headers: dict[str, str] = {}


class PageNotFound(PageError):
    status = 404
    title = "web-error-404-title"
    text = "web-error-404-text"


class FormRefused(PageError):
    """A form without a valid CSRF token: opened long ago, in another browser, or forged."""

    status = 403
    title = "web-error-403-title"
    text = "web-error-403-text"


class TooManyRequests(PageError):
    status = 429
    title = "web-error-429-title"
    text = "web-error-429-text"

    def __init__(self, retry_after: int) -> None:
        super().__init__(seconds=retry_after)
        self.headers["Retry-After"] = str(retry_after)
