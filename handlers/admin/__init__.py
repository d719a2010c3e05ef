"""The organizer console. Everything here is behind IsOrganizer: for anyone else these
commands do not exist (the fallback answers "unknown command"), and organizer buttons get a
polite refusal (handlers/admin/refusal.py).

Two kinds of routers: those that only show (menu, stats, live, export, find, audit) are open to
every organizer, read-only viewers included; those that change or send something (settings,
speakers, broadcast, certificates, attendance, team, find's changes) only to full
organizers. A viewer's change command or button gets "your role is read-only"
(refusal.create_read_only_router)."""

from __future__ import annotations

from aiogram import F, Router

from bot.filters import IsOrganizer
from handlers.admin import (
    attendance_import,
    audit,
    broadcast,
    certificates,
    dialogues,
    export,
    find,
    live,
    menu,
    refusal,
    settings,
    speakers,
    stats,
    team,
)


def build_read_router() -> Router:
    router = Router(name="admin-read")
    router.message.filter(IsOrganizer())
    router.callback_query.filter(IsOrganizer())
    router.include_routers(
        menu.create_router(),
        stats.create_router(),
        live.create_router(),
        export.create_router(),
        find.create_router(),
        audit.create_router(),
    )
    return router


def build_change_router() -> Router:
    router = Router(name="admin-change")
    router.message.filter(IsOrganizer(changes=True))
    router.callback_query.filter(IsOrganizer(changes=True))
    router.include_routers(
        settings.create_router(),
        speakers.create_router(),
        broadcast.create_router(),
        certificates.create_router(),
        attendance_import.create_router(),
        team.create_router(),
        find.create_change_router(),
    )
    return router


def build_admin_router() -> Router:
    router = Router(name="admin")
    # One look-up of the sender's role for the whole console: the nested IsOrganizer filters
    # reuse the `organizer_role` this one finds.
    router.message.filter(F.chat.type == "private", IsOrganizer())
    router.callback_query.filter(IsOrganizer())
    # Before any handler is chosen: a command ends an unfinished dialogue (dialogues.py).
    ends_dialogue = dialogues.CommandEndsDialogue(dialogues.admin_dialogue_states())
    router.message.outer_middleware(ends_dialogue)
    router.callback_query.outer_middleware(ends_dialogue)
    router.include_routers(
        build_read_router(),
        build_change_router(),
        refusal.create_read_only_router(),
    )
    return router


def build_refusal_router() -> Router:
    return refusal.create_router()
