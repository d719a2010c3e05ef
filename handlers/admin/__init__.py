"""The organizer console. Everything here is behind IsOrganizer: for anyone else these
commands do not exist (the fallback answers "unknown command"), and organizer buttons get a
polite refusal (handlers/admin/refusal.py)."""

from __future__ import annotations

from aiogram import F, Router

from bot.filters import IsOrganizer
from handlers.admin import broadcast, certificates, export, menu, refusal, settings, speakers, stats


def build_admin_router() -> Router:
    router = Router(name="admin")
    router.message.filter(F.chat.type == "private", IsOrganizer())
    router.callback_query.filter(IsOrganizer())
    router.include_routers(
        menu.create_router(),
        stats.create_router(),
        export.create_router(),
        settings.create_router(),
        speakers.create_router(),
        broadcast.create_router(),
        certificates.create_router(),
    )
    return router


def build_refusal_router() -> Router:
    return refusal.create_router()
