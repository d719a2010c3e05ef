"""Telegram handlers, one router per feature. Routers are built fresh by create_router() so
that several dispatchers (tests, benchmarks) never share router instances."""

from __future__ import annotations

from aiogram import F, Router

from handlers import (
    account,
    attendance,
    certificates,
    class_groups,
    class_join,
    class_manage,
    classes,
    common,
    errors,
    fallback,
    groups,
    language,
    registration,
    reminders,
    start,
    ticket,
    venue_door,
    venue_live,
)
from handlers.admin import build_admin_router, build_refusal_router


def build_root_router() -> Router:
    root = Router(name="root")
    root.include_router(errors.create_router())

    private = Router(name="private")
    # Participants talk to the bot in private; groups get their own small router.
    private.message.filter(F.chat.type == "private")
    private.callback_query.filter(F.message.chat.type == "private")
    # Order matters: commands first (they work in any state), then the form's states,
    # then the catch-all that answers whatever is left.
    private.include_routers(
        start.create_router(),
        language.create_router(),
        common.create_router(),
        account.create_router(),
        # /ticket and a coordinator's /live: commands, before the forms.
        ticket.create_router(),
        venue_live.create_router(),
        reminders.create_router(),
        registration.create_router(),
        classes.create_router(),
        class_join.create_router(),
        class_manage.create_router(),
        certificates.create_router(),
        attendance.create_code_word_router(),
        # A coordinator's photo of a ticket, or its typed code: after the forms (inside one, a
        # photo or a text is the form's), before the catch-all.
        venue_door.create_router(),
        fallback.create_router(),
    )
    root.include_router(attendance.create_router())
    root.include_router(class_groups.create_router())
    root.include_router(groups.create_router())
    root.include_router(build_admin_router())
    root.include_router(build_refusal_router())
    root.include_router(private)
    return root
