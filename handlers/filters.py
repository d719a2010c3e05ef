"""Magic filters shared by routers."""

from __future__ import annotations

from aiogram import F

# Text that is an answer, not a command: "/help" in the middle of a form is a command.
PLAIN_TEXT = F.text & ~F.text.startswith("/")
