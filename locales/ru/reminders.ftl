## Напоминания, ссылка на конференцию, календарь.

countdown-days = через { $days } { $days ->
    [one] день
    [few] дня
   *[many] дней
}
countdown-days-hours = через { $days } { $days ->
    [one] день
    [few] дня
   *[many] дней
} { $hours } { $hours ->
    [one] час
    [few] часа
   *[many] часов
}
countdown-hours = через { $hours } { $hours ->
    [one] час
    [few] часа
   *[many] часов
}
countdown-hours-minutes = через { $hours } { $hours ->
    [one] час
    [few] часа
   *[many] часов
} { $minutes } { $minutes ->
    [one] минуту
    [few] минуты
   *[many] минут
}
countdown-minutes = через { $minutes } { $minutes ->
    [one] минуту
    [few] минуты
   *[many] минут
}

reminder-before = 🔔 Напоминание: <b>{ $event }</b> начнётся { $countdown }.
reminder-start = 🎬 <b>{ $event }</b> начинается прямо сейчас!
reminder-venue = 🏛 Ждём вас на очной площадке: { $venue }
reminder-link-later = Ссылку на конференцию бот пришлёт ближе к началу.
reminder-class-head = 👩‍🏫 Класс: <b>{ $class_name }</b>
reminder-class-checkin = Когда класс подключится, отметьте его кнопкой «{ checkin-button-class }».
reminder-class-to-teacher = Пока группа не привязана, напоминания и ссылка на подключение для класса приходят вам в этот чат.

link-title = 🔗 <b>Подключение к VooV Meeting (Tencent Meeting)</b>
link-url = Ссылка: { $link }
link-meeting-id = Идентификатор конференции: <code>{ $meeting_id }</code>
link-passcode = Пароль: <code>{ $passcode }</code>
link-howto = Откройте ссылку или введите идентификатор конференции в приложении VooV Meeting.
link-not-published = Организаторы ещё не опубликовали ссылку на конференцию — бот пришлёт её, как только она появится.
link-for-event = <b>{ $event }</b>
link-comes-later = 🔗 Ссылку на конференцию бот пришлёт перед началом:
link-no-registration = Ссылка на конференцию приходит зарегистрированным участникам. Зарегистрироваться — /start.
link-changed =
    ⚠️ Ссылка на подключение изменилась — пользуйтесь новой.
    <b>{ $event }</b>
link-published =
    🔗 Опубликована ссылка на подключение.
    <b>{ $event }</b>

reminders-muted = 🔕 Напоминания выключены. Сообщение со ссылкой на конференцию всё равно придёт. Включить снова — /reminders.
reminders-on = 🔔 Напоминания включены.

calendar-caption = 📅 Добавьте конференцию в календарь: откройте файл — он подходит для Google Календаря, Apple Календаря и Outlook.
calendar-location-online = Онлайн, VooV Meeting (ссылку пришлёт бот)
calendar-description-bot = Ссылку на конференцию и напоминания пришлёт бот в Telegram.

checkin-button = ✅ Я здесь
checkin-button-class = ✅ Мы здесь
checkin-done = ✅ Вы отметились. Спасибо, что вы с нами!
checkin-already = Вы уже отметились.
checkin-not-registered = Отметиться могут только зарегистрированные участники.
checkin-closed = Отметиться можно только во время конференции.
checkin-not-here = Эта кнопка отмечает класс: она действует только в группе класса и в чате педагога.
checkin-class-done = ✅ Класс отмечен: { $class_name }. Спасибо, что вы с нами!
checkin-class-already = Класс уже отмечен: { $class_name }.
