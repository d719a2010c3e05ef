"""The chat form's validators answer with the bot's error texts; a few of them speak of the
chat's buttons ("or press «Skip»"). On a web page those words point at nothing, so the page
shows its own text for them: the same rule, said for a form."""

from __future__ import annotations

# The bot's key -> the web page's key (locales/*/web.ftl), with the same variables.
WEB_WORDING = {
    "err-phone-invalid": "web-form-phone-invalid",
}


def web_error_key(key: str) -> str:
    return WEB_WORDING.get(key, key)
