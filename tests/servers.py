"""The local servers of the scale path (PostgreSQL, Redis) and how tests learn whether they
run: tests that need one are skipped with the reason shown, never silently."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import pytest

from db.models import RegistrationStatus

REDIS_URL = "redis://127.0.0.1:6379/0"


def listening(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not listening(6379), reason="no Redis at 127.0.0.1:6379")
needs_postgres = pytest.mark.skipif(
    not listening(5432), reason="no PostgreSQL at 127.0.0.1:5432 (user postgres, database test)"
)


@asynccontextmanager
async def scratch_postgres(template: str | None = None) -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards; yields its URL. With a
    template: a copy of that database (nobody may be connected to it meanwhile)."""
    import asyncpg

    name = f"bot_test_{uuid.uuid4().hex[:12]}"
    copy_of = f' TEMPLATE "{template}"' if template else ""
    admin = await asyncpg.connect(host="127.0.0.1", user="postgres", database="test")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"{copy_of}')
        try:
            yield f"postgresql+asyncpg://postgres@127.0.0.1/{name}"
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def participant_rows(
    event_id: int, user_ids: list[int], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Users and their active online registrations, for inserting straight into a database:
    odd ids speak Russian, even ids Chinese."""
    users = [
        {
            "id": uid,
            "language": "ru" if uid % 2 else "zh",
            "is_reachable": True,
            "reminders_muted": False,
            "created_at": now,
            "updated_at": now,
        }
        for uid in user_ids
    ]
    registrations = [
        {
            "user_id": uid,
            "event_id": event_id,
            "status": RegistrationStatus.ACTIVE,
            "language": "ru" if uid % 2 else "zh",
            "full_name": f"Participant {uid}",
            "country": "Россия",
            "city": "Москва",
            "organization": "School",
            "role": "teacher",
            "participation_format": "online",
            "wants_to_speak": False,
            "email": f"p{uid}@example.com",
            "consent_at": now,
            "consent_version": "test",
            "created_at": now,
            "updated_at": now,
        }
        for uid in user_ids
    ]
    return users, registrations
