"""SMTP_URL, MAIL_FROM, EMAIL_RATE and EMAIL_DAILY_LIMIT: what they mean and what is refused
at start-up, with the variable's name and never the password."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.services.delivery.mail.config import parse_sender, parse_smtp_url
from bot.settings import Settings, SettingsError, load_settings

REPO = Path(__file__).resolve().parent.parent
FROM = "Наша общая Победа <noreply@example.org>"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    # E-mail without a bot signs its links with WEB_SECRET (the rule has its own test below).
    monkeypatch.setenv("WEB_SECRET", "a-lasting-secret-of-the-tests")


def test_mail_without_a_bot_needs_a_lasting_web_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_SECRET")
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("MAIL_FROM", FROM)
    with pytest.raises(SettingsError, match=r"^WEB_SECRET: not set, and e-mail without BOT_TOKEN"):
        load_settings(_env_file=None)
    monkeypatch.setenv("BOT_TOKEN", "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert load_settings(_env_file=None).mail_enabled  # the key derived from the token lasts


def test_mail_is_off_by_default() -> None:
    settings = load_settings(_env_file=None)
    assert not settings.mail_enabled
    assert settings.smtp_server is None and settings.mail_sender is None
    assert settings.email_rate == 5.0 and settings.email_daily_limit is None


def test_smtp_means_starttls_on_587_and_smtps_tls_on_465() -> None:
    plain = parse_smtp_url("smtp://mail.example.org")
    assert (plain.host, plain.port, plain.implicit_tls) == ("mail.example.org", 587, False)
    assert plain.username is None and plain.password is None
    tls = parse_smtp_url("SMTPS://robot:secret@mail.example.org")
    assert (tls.host, tls.port, tls.implicit_tls) == ("mail.example.org", 465, True)
    assert (tls.username, tls.password) == ("robot", "secret")
    other = parse_smtp_url("smtp://[2001:db8::1]:2525/")
    assert (other.host, other.port, other.label) == (
        "2001:db8::1",
        2525,
        "smtp://[2001:db8::1]:2525",
    )


def test_user_and_password_are_percent_decoded_and_kept_out_of_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMTP_URL", "smtps://bot%40example.org:p%40ss%3Aw%2Fo%25rd@smtp.example.org")
    monkeypatch.setenv("MAIL_FROM", FROM)
    settings = load_settings(_env_file=None)
    server = settings.smtp_server
    assert server is not None and settings.mail_enabled
    assert (server.username, server.password) == ("bot@example.org", "p@ss:w/o%rd")
    assert "p@ss" not in repr(server) and "p%40ss" not in repr(settings)
    assert server.label == "smtps://smtp.example.org:465"
    sender = settings.mail_sender
    assert sender is not None
    assert (sender.name, sender.address, sender.domain) == (
        "Наша общая Победа",
        "noreply@example.org",
        "example.org",
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://mail.example.org", "must start with smtp://"),
        ("smtp://", "has no host name"),
        ("smtp://mail.example.org:99999", "the port must be a number"),
        ("smtp://user:pa/ss@mail.example.org", "percent-encode"),
        ("smtp://:hunter2@mail.example.org", "a password but no user name"),
        ("smtp://user@mail.example.org", "a user name but no password"),
    ],
)
def test_bad_smtp_urls_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("SMTP_URL", url)
    monkeypatch.setenv("MAIL_FROM", FROM)
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None)
    message = str(error.value)
    assert message.startswith("SMTP_URL: ") and expected in message
    assert "hunter2" not in message and "pa/ss" not in message


@pytest.mark.parametrize(
    "value", ["noreply", "a@b.org, c@d.org", "Name <noreply@>", "Имя <почта@пример.рф>"]
)
def test_bad_senders_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        parse_sender(value)


def test_mail_from_is_required_with_smtp_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://mail.example.org")
    with pytest.raises(SettingsError, match=r"^MAIL_FROM: not set, and SMTP_URL needs it"):
        load_settings(_env_file=None)
    monkeypatch.setenv("MAIL_FROM", "  ")
    with pytest.raises(SettingsError, match=r"^MAIL_FROM: not set"):
        load_settings(_env_file=None)
    # Without SMTP_URL a sender alone is no error (e-mail stays off).
    monkeypatch.delenv("SMTP_URL")
    monkeypatch.setenv("MAIL_FROM", FROM)
    assert not load_settings(_env_file=None).mail_enabled


def test_check_config_names_the_missing_sender(tmp_path: Path) -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "bot", "check-config"],
        cwd=REPO,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "SMTP_URL": "smtp://robot:hunter2@mail.example.org",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 2
    assert checked.stderr.startswith("error: MAIL_FROM: not set, and SMTP_URL needs it")
    assert "hunter2" not in checked.stderr + checked.stdout


def test_check_config_says_where_mail_goes_without_the_password(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WEB_SECRET": "x" * 16}
    mail = {
        "SMTP_URL": "smtps://robot:hunter2@mail.example.org",
        "MAIL_FROM": FROM,
        "EMAIL_DAILY_LIMIT": "500",
    }
    outputs = []
    for extra in ({}, mail):
        checked = subprocess.run(
            [sys.executable, "-m", "bot", "check-config"],
            cwd=REPO,
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert checked.returncode == 0, checked.stderr
        outputs.append(checked.stdout)
    assert "e-mail: off (no SMTP_URL)" in outputs[0]
    assert (
        "e-mail: smtps://mail.example.org:465 as noreply@example.org, 5/s, at most 500 a day"
        in (outputs[1])
    )
    assert "hunter2" not in outputs[1]


def test_rate_and_daily_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL_RATE", "200")
    monkeypatch.setenv("EMAIL_DAILY_LIMIT", "")
    settings = load_settings(_env_file=None)
    assert settings.email_rate == 200 and settings.email_daily_limit is None
    monkeypatch.setenv("EMAIL_DAILY_LIMIT", "500")
    assert load_settings(_env_file=None).email_daily_limit == 500
    for name, value in (("EMAIL_RATE", "0"), ("EMAIL_DAILY_LIMIT", "0")):
        monkeypatch.setenv(name, value)
        with pytest.raises(SettingsError, match=f"^{name}: "):
            load_settings(_env_file=None)
        monkeypatch.delenv(name)
