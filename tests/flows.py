"""Scripted conversations reused by several tests."""

from __future__ import annotations

from tests.harness import FakeUser

LABELS = {
    "ru": {
        "register": "Зарегистрироваться",
        "teacher": "Педагог",
        "online": "Онлайн",
        "offline": "Очно",
        "speak_yes": "Да, хочу выступить",
        "speak_no": "Нет, только слушать",
        "skip": "Пропустить",
        "accept": "Даю согласие",
        "decline": "Не даю согласия",
        "confirm": "Подтвердить",
        "russia": "Россия",
    },
    "zh": {
        "register": "立即报名",
        "teacher": "教师",
        "online": "线上",
        "offline": "线下",
        "speak_yes": "是，我想发言",
        "speak_no": "否，只旁听",
        "skip": "跳过",
        "accept": "✅ 同意",
        "decline": "不同意",
        "confirm": "确认",
        "russia": "俄罗斯",
    },
}


async def fill_form(
    user: FakeUser,
    lang: str = "ru",
    *,
    name: str = "Иванов Иван Иванович",
    email: str = "ivanov@example.com",
    speak: bool = False,
    hybrid: bool = True,
    phone: str | None = None,
) -> None:
    """From the event card up to (not including) the consent step."""
    labels = LABELS[lang]
    await user.click(labels["register"])
    await user.send(name)
    await user.click(labels["russia"])
    await user.send("Москва" if lang == "ru" else "哈尔滨")
    await user.send("Школа № 1" if lang == "ru" else "哈尔滨第一中学")
    await user.click(labels["teacher"])
    if hybrid:
        await user.click(labels["online"])
    if speak:
        await user.click(labels["speak_yes"])
        await user.send("Память о войне в семейных письмах" if lang == "ru" else "家书中的战争记忆")
    else:
        await user.click(labels["speak_no"])
    await user.send(email)
    if phone is None:
        await user.send(labels["skip"])
    else:
        await user.send(phone)


async def register(user: FakeUser, lang: str = "ru", **kwargs: object) -> None:
    """The whole path: /start, form, consent, confirm."""
    await user.send("/start")
    await fill_form(user, lang, **kwargs)  # type: ignore[arg-type]
    await user.click(LABELS[lang]["accept"])
    await user.click(LABELS[lang]["confirm"])
