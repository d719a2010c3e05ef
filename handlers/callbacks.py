"""Typed callback data. Prefixes are short: Telegram allows 64 bytes of callback data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class EventCb(CallbackData, prefix="ev"):
    """Show an event's card (when several are open)."""

    slug: str


class RegisterCb(CallbackData, prefix="reg"):
    """Start the registration form for an event."""

    slug: str


class ChoiceCb(CallbackData, prefix="ch"):
    """An answer given with a button: role, format, speak yes/no, a suggested country."""

    field: str
    value: str


class EditFieldCb(CallbackData, prefix="ed"):
    field: str


class SummaryCb(CallbackData, prefix="sum"):
    action: str  # confirm | cancel


class ConsentCb(CallbackData, prefix="cons"):
    accept: bool


class MenuCb(CallbackData, prefix="menu"):
    action: str  # me | edit | unregister | language | contacts | help | start


class PickCb(CallbackData, prefix="pick"):
    """Choose which registration an action applies to, when there are several."""

    action: str  # edit | unregister | browser
    slug: str


class ConfirmCb(CallbackData, prefix="cf"):
    action: str  # unregister | delete
    slug: str
    yes: bool


class ClassStartCb(CallbackData, prefix="cls"):
    """Start registering a class for an event."""

    slug: str


class ClassStepCb(CallbackData, prefix="clx"):
    """A button inside the class form: roster ok / replace, consent, confirm, cancel."""

    action: str


class ClassManageCb(CallbackData, prefix="clm"):
    """Manage one class: show, rename, add, remove, replace, cancel, links."""

    action: str
    class_id: int


class StudentRemoveCb(CallbackData, prefix="clr"):
    class_id: int
    student_id: int


class JoinDecisionCb(CallbackData, prefix="clj"):
    student_id: int
    approve: bool


class CheckInCb(CallbackData, prefix="chk"):
    """The "I'm here" button of the "we are starting" message (class_id 0: a participant)."""

    event_id: int
    class_id: int = 0


class FeedbackCb(CallbackData, prefix="fb"):
    certificate_id: int
    rating: int  # 1-5; 0 = skip the comment
