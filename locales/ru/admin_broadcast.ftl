## Рассылка: аудитории, получатели по списку и один участник, кто недоступен и почему,
## запланированные рассылки.

# Кому отправить (дательный падеж): кнопки аудиторий, запланированные рассылки.
broadcast-audience-name = { $audience ->
    [checked-in] Отметившимся
    [not-checked-in] Не отметившимся
    [speakers] Докладчикам
    [offline] Очным участникам
    [online] Онлайн-участникам
    [teachers] Участникам-педагогам
    [class-teachers] Педагогам зарегистрированных классов
    [lang-ru] Русскоязычным
    [lang-zh] Китайскоязычным
    [person] Одному участнику
    [list] Участникам из списка
   *[all] Всем участникам
}
# Часть аудитории недоступна: «Всем участникам (35 из 40)».
broadcast-audience-partial = { broadcast-audience-name } ({ $count } из { $total })
broadcast-audience-channels-partial = { broadcast-audience-name } (Telegram: { $telegram }, e-mail: { $by_email }; не получат: { $unreachable })
broadcast-audience-hint = В скобках — сколько человек получат сообщение. Если дойдёт не до всех, причины будут показаны после выбора аудитории.
broadcast-btn-list = 📄 По списку: Telegram id или e-mail

broadcast-reach = В аудитории: { $total }. Сообщение получат: { $count }.
broadcast-unreachable-head = Не получат: { $unreachable }
broadcast-reason = { $reason ->
    [blocked] бот заблокирован
    [unsubscribed] отписка от рассылок по e-mail
    [bounced] адрес e-mail отклонён почтовым сервером
    [not-a-letter] доступен только e-mail, а такое сообщение письмом не отправить
    [no-telegram] нет чата с ботом, а отправка писем выключена
    [site-class] класс зарегистрирован на сайте, у педагога нет чата с ботом
   *[no-channel] нет чата с ботом и подтверждённого e-mail
}
broadcast-reason-count = { broadcast-reason }: { $count }
broadcast-report-reach = В аудитории при отправке: { $total }, доступны: { $count }. Не получили:

broadcast-ask-list =
    Пришлите список получателей: файл .txt или .csv (до { $max_kb } КБ) или текст сообщением.
    В списке — Telegram id, адреса e-mail, @username или номера телефонов, по одному в строке или через запятую; записей — не больше { $max }. Телефон пишите с кодом страны или с 8: +7 901 765-43-21, 89017654321, +86 138 0013 8000. Сообщение получат те, кто зарегистрирован на это мероприятие.
broadcast-list-bad-file = Нужен файл .txt или .csv размером до { $max_kb } КБ или список текстом сообщения.
broadcast-list-too-long = Список слишком длинный: записей может быть не больше { $max }. Разделите его на части.
broadcast-list-empty = В списке нет ни Telegram id, ни адреса e-mail, ни @username, ни телефона. Пришлите другой список или отмените командой /cancel.
broadcast-list-matched = Найдено регистраций: { $count } (записей в списке: { $total }).
broadcast-list-unmatched = Не найдены среди участников мероприятия: { $count }
broadcast-list-more = …и ещё { $count }
broadcast-list-unrecognised = Не распознано и пропущено (не id, не e-mail, не @username и не телефон): { $count }
broadcast-list-none = Никого из списка нет среди участников этого мероприятия. Пришлите другой список или отмените командой /cancel.

broadcast-person =
    Сообщение одному участнику: <b>{ $name }</b>
    Мероприятие: { $event }
    Получит: { $via ->
        [both] в Telegram и по e-mail
        [email] по e-mail
       *[telegram] в Telegram
    }
broadcast-person-ask-message = Пришлите сообщение для <b>{ $name }</b>: текст с оформлением, фото или документ с подписью. Получатель увидит его точно так же.
broadcast-person-preview = ☝️ Так его увидит <b>{ $name }</b>{ $via ->
    [both] {" "}(в Telegram и по e-mail)
    [email] {" "}(по e-mail)
    [telegram] {" "}(в Telegram)
   *[none] {""}
}. Отправить?
broadcast-person-not-copyable = Такое сообщение не отправить. Пришлите текст, фото или документ.
broadcast-person-unreachable = { $name }: сообщение не дойдёт — { broadcast-reason }.
broadcast-person-unknown = Регистрация не найдена: возможно, данные удалены.
broadcast-person-not-active = Эта регистрация отменена или не подтверждена — сообщение не отправлено.

broadcast-btn-later = 🕓 Запланировать
broadcast-ask-time = Когда отправить? { admin-time-formats }
broadcast-time-past = Это время уже прошло. Укажите время в будущем. Вы указали:
broadcast-time-too-late = Так поздно рассылку не запланировать: не позже чем через { $days } { $days ->
    [one] день
    [few] дня
   *[many] дней
} после окончания мероприятия, то есть до:
broadcast-scheduled = 🕓 <b>Рассылка запланирована.</b> Кому: { broadcast-audience-name }
broadcast-scheduled-note = Список получателей определится в момент отправки: кто зарегистрируется позже, тоже получит сообщение. Не удаляйте исходное сообщение до отправки — рассылается его копия. Отменить рассылку до начала можно здесь или в /broadcast.
broadcast-btn-unschedule = ✖️ Отменить рассылку
broadcast-btn-unschedule-row = ✖️ Отменить № { $row }
broadcast-scheduled-head = 🕓 <b>Запланированные рассылки</b>
broadcast-scheduled-item = { $row }. { broadcast-audience-name }
broadcast-unscheduled = Запланированная рассылка отменена, сообщение не отправлено.
broadcast-unschedule-late = Эта рассылка уже началась или отменена. Идущую рассылку останавливает кнопка «Остановить» в сообщении о её ходе.
broadcast-scheduled-started = 🕓 Запланированная рассылка началась.

audit-action-broadcast-scheduled = планирование рассылки
audit-action-broadcast-unscheduled = отмена запланированной рассылки
audit-detail-scheduled-at = время отправки
audit-detail-listed = записей в списке
