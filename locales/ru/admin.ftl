## Консоль организатора.

admin-only = Эта кнопка только для организаторов.
admin-menu = <b>Консоль организатора</b>. Выберите действие:
admin-btn-stats = 📊 Статистика
admin-btn-export = 📥 Выгрузка
admin-btn-broadcast = 📣 Рассылка
admin-btn-setlink = 🔗 Ссылка VooV
admin-btn-event = ⚙️ Мероприятие
admin-btn-speakers = 🎤 Докладчики

cmd-admin = Консоль организатора
cmd-stats = Статистика регистраций
cmd-export = Выгрузка участников (XLSX, CSV)
cmd-broadcast = Рассылка участникам
cmd-setlink = Ссылка VooV, идентификатор, пароль
cmd-event = Настройки мероприятия
cmd-speakers = Заявки докладчиков

admin-no-events = Мероприятий для этого действия нет.
admin-choose-event = Выберите мероприятие:
admin-confirm = ✅ Подтвердить
admin-cancel = ✖️ Отмена
admin-cancelled = Отменено, ничего не изменено.
admin-skip = Пропустить
admin-saved = ✅ Сохранено.
admin-rejected = Не сохранено: { $reason }
admin-err-end-before-start = окончание должно быть позже начала.
admin-err-deadline-after-end = срок регистрации не может быть позже окончания.
admin-err-venue-required = для очного мероприятия нужен адрес площадки в файле мероприятий.
admin-err-link = ссылка должна начинаться с https://
admin-err-unknown-event = этого мероприятия нет в списке.
admin-err-other = изменение не согласуется с другими настройками мероприятия.
admin-need-text = Пришлите, пожалуйста, текст.
admin-use-buttons = Выберите действие кнопкой под сообщением или отмените командой /cancel.

admin-event-heading = <b>{ $event }</b> (<code>{ $slug }</code>)
admin-event-state = Состояние: { $state ->
    [open] регистрация открыта
    [closed] регистрация закрыта
   *[over] мероприятие прошло
}
admin-event-start = <b>Начало:</b>
admin-event-end = <b>Окончание:</b>
admin-event-deadline = <b>Регистрация до:</b>
admin-event-format = Формат: { $format ->
    [online] онлайн
    [offline] очно
   *[hybrid] онлайн и очно
}
admin-event-link = Ссылка VooV: { $link }
admin-event-meeting-id = Идентификатор: { $meeting_id }
admin-event-passcode = Пароль: { $passcode }
admin-event-reminders = Напоминания: { $reminders }
admin-reminder-offset = за { $duration }
admin-reminder-separator = {", "}
duration-days = { $days } { $days ->
    [one] день
    [few] дня
   *[many] дней
}
duration-hours = { $hours } { $hours ->
    [one] час
    [few] часа
   *[many] часов
}
duration-minutes = { $minutes } { $minutes ->
    [one] минуту
    [few] минуты
   *[many] минут
}
duration-seconds = { $seconds } { $seconds ->
    [one] секунду
    [few] секунды
   *[many] секунд
}
admin-change-starts-at = 🕙 Изменить начало
admin-change-ends-at = 🕐 Изменить окончание
admin-change-registration-deadline = ⏳ Изменить срок регистрации
admin-ask-time = Пришлите новые дату и время. { admin-time-formats }

admin-ask-link =
    Пришлите ссылку на конференцию VooV (начинается с https://).
    <b>{ $event }</b>
admin-link-invalid = Это не похоже на ссылку. Нужна ссылка вида https://meeting.tencent.com/dm/… или https://voovmeeting.com/dm/… Отменить — /cancel.
admin-ask-meeting-id = Идентификатор конференции (например, 123 456 789) или «Пропустить».
admin-ask-passcode = Пароль конференции или «Пропустить».
admin-link-summary =
    Проверьте:
    Ссылка: { $link }
    Идентификатор: { $meeting_id }
    Пароль: { $passcode }
admin-link-saved = ✅ Ссылка сохранена. Участники, которые уже получили старую ссылку, получат новую; следующие напоминания придут с новой.

admin-speaker-waiting = Ждут решения: { $count }
admin-speaker-topic = Тема: { $topic }
admin-speaker-from = { $organization }, { $city }, { $country }
admin-speaker-approve = ✅ Одобрить
admin-speaker-decline = ❌ Отклонить
admin-speaker-skip = ⏭ Позже
admin-speaker-approved = Выступление одобрено: { $name }. Участнику сообщено.
admin-speaker-declined = Выступление отклонено: { $name }. Участнику сообщено.
admin-speaker-decided = По этой заявке уже есть решение.
admin-speakers-none = Заявок докладчиков, ждущих решения, нет ({ $event }).

admin-broadcast-audience =
    Рассылка: <b>{ $event }</b>
    Кому отправить?
# Название аудитории — broadcast-audience-name (admin_broadcast.ftl), по переменной $audience.
admin-audience = { broadcast-audience-name } ({ $count })
admin-audience-channels = { broadcast-audience-name } (Telegram: { $telegram }, e-mail: { $by_email })
admin-broadcast-ask-message = Пришлите сообщение для рассылки: текст с оформлением, фото или документ с подписью. Получатели увидят его точно так же.
admin-broadcast-not-copyable = Такое сообщение нельзя разослать. Пришлите текст, фото или документ.
admin-broadcast-preview = ☝️ Так сообщение увидят получатели. Получателей: { $count }. Отправить?
admin-broadcast-preview-channels = ☝️ Так сообщение увидят получатели. Получателей: в Telegram — { $telegram }, по e-mail — { $by_email }. Отправить?
admin-broadcast-no-email = По e-mail такое сообщение не уйдёт: в письмо попадают текст, фото и документ.
admin-broadcast-send = 📣 Отправить
admin-broadcast-stop = ⏹ Остановить
admin-broadcast-stopping = Останавливаю рассылку…
admin-progress = 📣 Рассылка: отправлено { $sent } из { $total }
admin-progress-details = Недоступны: { $unreachable }, ошибки: { $failed }, осталось ≈ { $seconds } с
admin-report = ✅ <b>Рассылка завершена</b>
admin-report-cancelled = ⏹ <b>Рассылка остановлена</b>
admin-report-sent = Доставлено: { $count } из { $total }
admin-report-unreachable = Недоступны (заблокировали бота): { $count }
admin-report-failed = Ошибки: { $count }
admin-report-not-sent = Не отправлено: { $count }
admin-progress-email = ✉️ E-mail: отправлено { $sent } из { $total }
admin-report-telegram-head = <b>Telegram</b>
admin-report-email-head = <b>E-mail</b>
admin-report-email = Отправлено: { $sent }, адрес отклонён почтовым сервером: { $bounced }, ошибки: { $failed }, ждут отправки: { $waiting }
