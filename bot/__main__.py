"""Command line: `python -m bot [run|webhook|migrate|check-config|backup|certificate|qr]`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bot.loop import run
from bot.services.events.catalog import EventsFileError, load_events
from bot.settings import Settings, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Telegram bot of the conference «Наша общая Победа». "
        "Configuration comes from the environment and .env (see .env.example).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "run",
        help="run the bot with long polling and the web page on WEB_HOST:WEB_PORT (the "
        "default); without BOT_TOKEN, the web page alone",
    )
    sub.add_parser(
        "webhook",
        help="run the bot as a webhook server behind a reverse proxy (WEBHOOK_URL, README)",
    )
    sub.add_parser("migrate", help="apply database migrations and exit")
    sub.add_parser("check-config", help="validate settings and the events file, list events")
    backup = sub.add_parser("backup", help="a consistent copy of the live SQLite database")
    backup.add_argument("target", nargs="?", help="the copy (default data/backup-<time>.sqlite3)")
    cert = sub.add_parser("certificate", help="certificate tools for organizers")
    cert_sub = cert.add_subparsers(dest="certificate_command", metavar="ACTION", required=True)
    preview = cert_sub.add_parser("preview", help="render a sample certificate to a PDF file")
    preview.add_argument("--event", required=True, help="the event's slug from the events file")
    preview.add_argument("--name", required=True, help="the participant's full name")
    preview.add_argument("--lang", choices=("ru", "zh"), default="ru")
    preview.add_argument("--bilingual", action="store_true", help="both languages on one page")
    preview.add_argument("--out", default="certificate-preview.pdf", help="the PDF to write")
    qr = sub.add_parser("qr", help="the QR code of an event page as a PNG, for posters and WeChat")
    qr.add_argument("slug", help="the event's slug from the events file")
    qr.add_argument("--out", help="the PNG to write (default qr-<slug>.png)")
    return parser


def _event_qr(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.services.events.qr import UnknownEvent, main_qr

    try:
        path = main_qr(settings, args.slug, Path(args.out) if args.out else None)
    except (UnknownEvent, EventsFileError) as exc:
        return _fail(str(exc))
    print(f"written {path}: {settings.web_address}/e/{args.slug}")
    return 0


def _backup(settings: Settings, target: str | None) -> int:
    from pathlib import Path

    from db.backup import BackupError, backup_sqlite

    path = Path(target or f"data/backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.sqlite3")
    try:
        backup_sqlite(settings.database_url, path)
    except BackupError as exc:
        return _fail(str(exc))
    print(f"backup written to {path}")
    return 0


def _certificate_preview(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.services.certificates.documents import preview

    event = load_events(settings.events_file).get(args.event)
    if event is None:
        return _fail(f"--event: no event '{args.event}' in {settings.events_file}")
    try:
        path = preview(
            event,
            args.name,
            args.lang,
            args.bilingual or event.certificate_bilingual,
            Path(args.out),
            web_address=settings.public_url,
        )
    except Exception as exc:  # MissingGlyphs, FontUnavailable...: their messages are one line
        return _fail(str(exc))
    print(f"written {path} ({path.stat().st_size // 1024} KB)")
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _check_config(settings: Settings) -> int:
    catalog = load_events(settings.events_file)
    now = datetime.now(UTC)
    print(
        f"settings: ok (database {settings.database_url}, {len(settings.admin_ids)} organizer(s))"
    )
    print(f"events file: {settings.events_file}, {len(catalog)} event(s)")
    for event in catalog:
        print(
            f"  {event.slug:<24} {event.state(now).value:<6} "
            f"{event.starts_at.isoformat()} .. {event.ends_at.isoformat()}  "
            f"{event.format.value}, deadline {event.deadline.isoformat()}, "
            f"reminders {event.reminders_text}"
        )
    if not catalog.open(now):
        print("note: no event is open for registration now; add one to the events file (README).")
    print(f"web page: http://{settings.web_host}:{settings.web_port}")
    server, sender = settings.smtp_server, settings.mail_sender
    if server is not None and sender is not None:
        limit = settings.email_daily_limit
        print(
            f"e-mail: {server.label} as {sender.address}, {settings.email_rate:g}/s"
            + (f", at most {limit} a day" if limit else "")
        )
    else:
        print("e-mail: off (no SMTP_URL): confirmations and reminders go through the bot")
    if not settings.has_bot_token:
        print(
            "missing: BOT_TOKEN is not set: only the web page runs; put the token from "
            "@BotFather in .env for the Telegram bot"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
        if command == "check-config":
            return _check_config(settings)
        if command == "certificate":
            return _certificate_preview(settings, args)
        if command == "qr":
            return _event_qr(settings, args)
        if command == "backup":
            return _backup(settings, args.target)
        if command == "webhook" and settings.webhook_url is None:
            return _fail(
                "WEBHOOK_URL is not set (put it in .env or the environment): the public "
                "https URL Telegram posts updates to"
            )
        if command == "webhook" and not settings.has_bot_token:
            return _fail(
                "BOT_TOKEN is not set (put it in .env or the environment): the token from "
                "@BotFather"
            )
        from bot.app import migrate, run_polling, run_web_only
        from bot.logs import setup_logging

        setup_logging(settings.log_level)
        if command == "migrate":
            run(migrate(settings), settings.event_loop)
            print("database is up to date")
            return 0
        load_events(settings.events_file)  # fail fast, before touching the network
        if command == "webhook":
            from bot.webhook import run_webhook

            run(run_webhook(settings), settings.event_loop)
        elif settings.has_bot_token:
            run(run_polling(settings), settings.event_loop)
        else:
            run(run_web_only(settings), settings.event_loop)
        return 0
    except (SettingsError, EventsFileError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
