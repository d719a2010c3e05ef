"""What each e-mail says, from the same .ftl texts as the bot (locales/*/mail.ftl adds what only
a letter needs: subjects, greetings, the footer). Pure functions of a translator and data; the
texts are Telegram HTML, turned into the plain and HTML parts by delivery/mail/body.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from html import escape

from bot.i18n import Translator
from bot.messages import (
    attends_offline,
    countdown_text,
    link_block,
    link_update_text,
    venue_block,
    when_text,
)
from bot.services.delivery.mail.body import MailBody, from_telegram_html
from bot.services.delivery.mail.message import Attachment
from bot.services.events.catalog import Event
from bot.services.events.timefmt import span_args
from bot.services.reminders.calendar import attendee_ics
from bot.services.reminders.planner import Slot, countdown, link_released

# The charset said: a mail reader that assumes US-ASCII for a text part would garble the
# Russian and Chinese of the summary and description.
ICS_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"


@dataclass(frozen=True)
class Letter:
    subject: str
    body: MailBody
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    # Reminders and broadcasts may be muted by the one-click unsubscribe; the link, the
    # certificate, corrections and the letters a person asked for may not.
    mutable: bool = False
    # The meeting link the letter carries, kept in the ledger: a later change is corrected.
    link: str | None = None


@dataclass(frozen=True)
class Addressee:
    """Who a letter is for, as the registration has it; or a class (`class_name`), written to
    its teacher: then `page_url` is the class page, and the letter says which class it is for
    (a teacher may have several, and letters of their own)."""

    name: str
    participation_format: str
    page_url: str
    unsubscribe_url: str | None = None
    class_name: str | None = None
    # The venue chosen (issue 15), and whether it is only a place on its waiting list.
    venue_id: str | None = None
    venue_waiting: bool = False


def _title(t: Translator, event: Event) -> str:
    return escape(event.title.get(t.lang))


def _plain_title(t: Translator, event: Event) -> str:
    return event.title.get(t.lang)


def _letter(
    t: Translator,
    event: Event,
    subject: str,
    parts: list[str],
    to: Addressee,
    *,
    footer: bool = True,
    page: bool = True,
    mutable: bool = False,
    attachments: Sequence[Attachment] = (),
) -> Letter:
    """`page`: end with the personal page's address (unless the text gave it already)."""
    paragraphs = [t("mail-greeting", name=escape(to.name))]
    if to.class_name is not None:
        paragraphs.append(t("reminder-class-head", class_name=escape(to.class_name)))
    paragraphs += parts
    if footer and page:
        key = "mail-your-page" if to.class_name is None else "class-mail-class-page"
        paragraphs.append(t(key, url=to.page_url))
    paragraphs.append(t("mail-signature"))
    if footer:
        if to.class_name is None:
            tail = [t("mail-footer-why", event=_title(t, event))]
        else:
            tail = [t("class-mail-footer-why", event=_title(t, event))]
        if mutable and to.unsubscribe_url:
            tail += [
                t("mail-footer-unsubscribe", url=to.unsubscribe_url),
                t("mail-footer-unsubscribe-note"),
            ]
        paragraphs.append("<i>" + "\n".join(tail) + "</i>")
    body = from_telegram_html("\n\n".join(p for p in paragraphs if p))
    return Letter(subject, body, tuple(attachments), mutable)


def confirm_letter(t: Translator, event: Event, to: Addressee, *, pending_days: int) -> Letter:
    """Double opt-in: the link opens a page with a Confirm button (a GET confirms nothing)."""
    parts = [
        t("mail-confirm-text", event=_title(t, event)),
        to.page_url,
        t("mail-confirm-ignore", days=pending_days),
    ]
    subject = t("mail-confirm-subject", event=_plain_title(t, event))
    return _letter(t, event, subject, parts, to, footer=False)


def calendar_attachment(t: Translator, event: Event, to: Addressee, now: datetime) -> Attachment:
    data = attendee_ics(
        event,
        lang=t.lang,
        offline=attends_offline(event, to.participation_format),
        venue_id=to.venue_id,
        link=event.meeting.link,
        now=now,
        # Where the link will be: the personal page, or the class page.
        note=t(
            "web-me-calendar-description"
            if to.class_name is None
            else "web-class-calendar-description"
        ),
        online_location=t("web-me-calendar-location-online"),
    )
    return Attachment(f"{event.slug}.ics", data, ICS_TYPE)


def registered_letter(t: Translator, event: Event, to: Addressee, now: datetime) -> Letter:
    """The confirmation, with the venue, or with the link once it is out, as the bot's
    confirmation has it: someone who registers while the conference runs is due no reminder
    (bot/services/reminders/runner.py leaves them to this letter)."""
    offline = attends_offline(event, to.participation_format)
    released = link_released(event, now)
    parts = [t("mail-registered-text", event=_title(t, event)), when_text(t, event.starts_at)]
    if offline or released:
        parts.append(meeting_part(t, event, to, carries_link=released))
    started = now >= event.starts_at
    parts += [
        t("mail-registered-next-started" if started else "mail-registered-next"),
        to.page_url,
        t("mail-registered-calendar"),
    ]
    subject = t("mail-registered-subject", event=_plain_title(t, event))
    attachment = calendar_attachment(t, event, to, now)
    letter = _letter(t, event, subject, parts, to, footer=False, attachments=[attachment])
    link = event.meeting.link
    return replace(letter, link=link) if released and not offline and link else letter


def again_letter(t: Translator, event: Event, to: Addressee) -> Letter:
    """Someone registered again with an address already registered: the address's owner gets
    the personal link (the page said the same as for a new address)."""
    parts = [t("mail-again-text", event=_title(t, event)), to.page_url, t("mail-not-you")]
    subject = t("mail-again-subject", event=_plain_title(t, event))
    return _letter(t, event, subject, parts, to, footer=False)


def lost_letter(t: Translator, event: Event, to: Addressee) -> Letter:
    parts = [t("mail-lost-text", event=_title(t, event)), to.page_url, t("mail-not-you")]
    subject = t("mail-lost-subject", event=_plain_title(t, event))
    return _letter(t, event, subject, parts, to, footer=False)


def meeting_part(t: Translator, event: Event, to: Addressee, *, carries_link: bool) -> str:
    """The venue, the link block, or when the link will come."""
    if attends_offline(event, to.participation_format):
        return venue_block(t, event, to.venue_id, waiting=to.venue_waiting)
    if carries_link:
        link = event.meeting.link
        return link_block(t, event, link) if link else t("mail-link-not-published")
    return t("mail-link-later")


def reminder_letter(
    t: Translator, event: Event, slot: Slot, to: Addressee, now: datetime
) -> Letter:
    """The Telegram reminder as a letter: the subject says how long is left (or that it starts
    now); the last reminder and the start carry the link block; the start adds the check-in,
    which is the personal page's button. Only the letters without the link can be muted."""
    title = _plain_title(t, event)
    if slot.offset:
        left = countdown_text(t, countdown(event.starts_at - now))
        subject = t("mail-reminder-subject", event=title, countdown=left)
        head = t("reminder-before", event=_title(t, event), countdown=left)
    else:
        subject = t("mail-start-subject", event=title)
        head = t("reminder-start", event=_title(t, event))
    parts = [
        head,
        when_text(t, event.starts_at),
        meeting_part(t, event, to, carries_link=slot.carries_link),
    ]
    starting = not slot.offset
    if starting:
        # A class checks in on its class page ("We are here"), a person on the personal page.
        parts += [t("mail-checkin" if to.class_name is None else "class-mail-checkin"), to.page_url]
    mutable = not slot.carries_link
    return _letter(t, event, subject, parts, to, page=not starting, mutable=mutable)


def link_update_letter(
    t: Translator, event: Event, to: Addressee, link: str, *, had_old_link: bool
) -> Letter:
    """The new link to those who had an old one (or a letter saying it was not out yet)."""
    key = "mail-link-changed-subject" if had_old_link else "mail-link-published-subject"
    subject = t(key, event=_plain_title(t, event))
    return _letter(
        t, event, subject, [link_update_text(t, event, link, had_old_link=had_old_link)], to
    )


def moved_letter(t: Translator, event: Event, to: Addressee, now: datetime) -> Letter:
    """The event's new time (an organizer moved it), with the corrected calendar file: same
    UID, higher SEQUENCE, so the calendar replaces its entry. Not mutable: it is no reminder."""
    subject = t("mail-moved-subject", event=_plain_title(t, event))
    parts = [
        t("moved-text", event=_title(t, event)),
        t("moved-new-time")
        + "\n"
        + t("time-span", **span_args(event.starts_at, event.ends_at, t.lang)),
        t("mail-moved-calendar"),
    ]
    attachment = calendar_attachment(t, event, to, now)
    return _letter(t, event, subject, parts, to, attachments=[attachment])
