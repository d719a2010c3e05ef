## Письма о том, что организатор изменил в регистрации из карточки /find
## (bot/services/mailing/organizer_letter.py): отменил, восстановил, сменил площадку.

mail-org-cancelled-subject = Регистрация отменена — { $event }
mail-org-cancelled-text = Организаторы отменили вашу регистрацию: <b>{ $event }</b>
mail-org-contacts = Если это ошибка, свяжитесь с организаторами:
mail-org-restored-subject = Регистрация восстановлена — { $event }
mail-org-restored-text =
    ✅ Организаторы восстановили вашу регистрацию: <b>{ $event }</b>
    Напоминания и ссылка на подключение придут, как обычно.
mail-org-venue-subject = Изменено место участия — { $event }
