## Поиск участников, педагогов и учеников (/find) и исправления из карточки.

find-ask = 🔎 Кого найти? Пришлите имя или его часть, e-mail, телефон, @username, Telegram id или номер сертификата. Отменить — /cancel.
find-need-text = Пришлите, пожалуйста, текст: имя, e-mail, телефон, @username, Telegram id или номер сертификата. Отменить — /cancel.
find-too-short = Слишком короткий запрос: { $value }. Пришлите хотя бы две буквы имени (или один иероглиф), пять цифр телефона, @username или номер сертификата.
find-nothing = Ничего не найдено: { $value }
find-results = 🔎 <b>{ $value }</b> — { $total ->
    [one] { $total } совпадение
    [few] { $total } совпадения
   *[many] { $total } совпадений
}. Выберите нужное:
find-stale = Этот список устарел: повторите поиск командой /find.
find-no-name = (без имени)

## Карточка регистрации.

find-card-status = Статус: { $status ->
    [active] ✅ активна
    [pending] ⏳ ждёт подтверждения e-mail
   *[cancelled] ❌ отменена
}
find-card-registered = Регистрация: { $date }, { $source ->
    [web] на сайте
    [miniapp] в мини-приложении
   *[bot] в боте
}
find-card-speaker = Заявка на выступление: { $status ->
    [approved] одобрена
    [declined] отклонена
   *[pending] ждёт решения
}
find-card-telegram = Telegram: { $kind ->
    [id] <code>{ $user_id }</code>
   *[username] @{ $username }, <code>{ $user_id }</code>
} — { $status ->
    [yes] ✅ доступен
    [blocked] 🚫 бот заблокирован
   *[none] нет чата с ботом
}
find-card-no-telegram = Telegram: не подключён (регистрация с сайта).
find-card-email = E-mail: { $email } — { $status ->
    [yes] ✅ подтверждён
    [unconfirmed] ⏳ не подтверждён
    [bounced] 🚫 письма не доходят: почтовый сервер отклонил адрес
    [muted] 🔕 отписка от напоминаний и новостей
   *[none] не указан
}
find-card-email-error = Ответ почтового сервера: { $reason }
find-card-deliver-via = Сообщения: { $via ->
    [telegram] только в Telegram
    [email] только по e-mail
   *[both] в Telegram и по e-mail
}
find-card-checked-in = ☑️ Отметка о присутствии: { $date } ({ $method ->
    [button] кнопкой
    [code] кодовым словом
    [web] на личной странице
    [organizer] организатором
    [class] класс отмечен
   *[other] отмечено
})
find-card-not-checked-in = Отметки о присутствии нет.
find-card-certificate = 🎓 Сертификат <code>{ $number }</code>: { $status ->
    [sent] ✅ отправлен в Telegram
    [blocked] 🚫 в Telegram не доставлен: бот заблокирован
    [error] ⚠️ не отправлен из-за ошибки
   *[issued] выпущен, в Telegram не отправлялся
}
find-card-certificate-error = Причина: { $reason }
find-card-certificate-mail = Письмо с сертификатом: { $status ->
    [sent] ✅ отправлено
    [queued] ⏳ ждёт отправки
    [claimed] ⏳ отправляется
    [unreachable] 🚫 адрес недоступен
   *[failed] ⚠️ не отправлено из-за ошибки
}
find-card-certificate-name = ⚠️ На сертификате другое имя: { $name }. Чтобы выпустить его с исправленным именем (номер останется тем же), нажмите «Отправить сертификат заново».
find-card-no-certificate = Сертификата нет.
find-card-reminders = 🔔 Напоминания:
find-card-reminder-line = { $channel ->
    [email] E-mail
   *[telegram] Telegram
}: { $value }
find-card-no-reminders = 🔔 Напоминаний пока не было.
find-reminder-start = о начале
find-reminder-link = новая ссылка

## Карточка класса и ученика.

find-class-status = Статус: { $status ->
    [active] ✅ класс зарегистрирован
   *[cancelled] ❌ регистрация класса отменена
}
find-class-teacher = Педагог: { $teacher }
find-class-school = Школа: { $school } ({ $city }, { $country })
find-class-roster = Учеников в списке: { $count } (заявлено: { $size })
find-class-waiting = Ждут подтверждения педагога: { $pending }
find-class-group = Группа Telegram: { $group }
find-class-no-group = Группа Telegram не привязана.
find-class-group-messages = Сообщений в группе от бота: { $count }
find-class-pupils = 🎒 Ученики класса: { $total }. Выберите ученика:
find-class-no-pupils = В списке класса никого нет.
find-pupil-status = { $status ->
    [active] ✅ в списке класса
   *[pending] ⏳ ждёт подтверждения педагога
}
find-pupil-class = Класс: { $class_name }
find-pupil-certificate = 🎓 Страница в сертификате класса: <code>{ $number }</code>

## Кнопки карточки.

find-btn-edit = ✏️ Изменить ответы
find-btn-cancel = ❌ Отменить регистрацию
find-btn-cancel-yes = ❌ Да, отменить регистрацию
find-btn-restore = ♻️ Восстановить регистрацию
find-btn-attended = ☑️ Отметить присутствие
find-btn-not-attended = ↩️ Снять отметку о присутствии
find-btn-resend = 🎓 Отправить сертификат заново
find-btn-message = ✉️ Написать этому человеку
find-btn-back = ◀ К карточке
find-btn-pupils = 🎒 Ученики ({ $count })
find-btn-class = 🏫 Карточка класса
find-btn-rename = ✏️ Исправить имя
find-btn-phone-clear = 🗑 Удалить телефон
find-btn-venue = 🏛 Сменить площадку
find-btn-venue-online = 💻 Перевести в онлайн

## Исправления.

find-edit-choose = Какой ответ изменить? <b>{ $name }</b>
find-edit-ask = Пришлите новое значение — «{ $field }». Сейчас: { $value }
    Отменить — /cancel.
find-edit-choose-value = Выберите новое значение — «{ $field }». Сейчас: { $value }
find-edit-ask-topic = Пришлите тему выступления: без неё заявку на выступление не сохранить. Отменить — /cancel.
find-need-value = Пришлите новое значение текстом. Отменить — /cancel.
find-edit-saved = ✅ Сохранено: { $field }.
find-edit-email-unconfirmed = Новый адрес ещё не подтверждён его владельцем: пока он не подтверждён, напоминания по e-mail на него не приходят.
find-edit-name-certificate = На выпущенном сертификате <code>{ $number }</code> пока прежнее имя. Чтобы выпустить его с новым именем (номер останется тем же) и отправить, нажмите «Отправить сертификат заново».
find-cancel-confirm =
    Отменить регистрацию? <b>{ $name }</b>
    { $event }
    { $via ->
        [telegram] Участник получит сообщение об этом в Telegram.
        [email] Участник получит об этом письмо.
        [both] Участник получит сообщение об этом в Telegram и письмо.
       *[none] Сообщить участнику не получится: ни Telegram, ни подтверждённый e-mail до него не доходят.
    }
find-cancelled = ❌ Регистрация отменена: { $name }. { $told ->
    [telegram] Участнику сообщено в Telegram.
    [email] Участнику отправлено письмо.
    [both] Участнику сообщено в Telegram и отправлено письмо.
   *[none] Участнику не сообщено: ни Telegram, ни подтверждённый e-mail до него не доходят.
}
find-restored = ♻️ Регистрация восстановлена: { $name }. { $told ->
    [telegram] Участнику сообщено в Telegram.
    [email] Участнику отправлено письмо.
    [both] Участнику сообщено в Telegram и отправлено письмо.
   *[none] Участнику не сообщено: ни Telegram, ни подтверждённый e-mail до него не доходят.
}
find-venue-changed = 🏛 Площадка изменена: { $name }. { $told ->
    [telegram] Участнику сообщено в Telegram.
    [email] Участнику отправлено письмо.
    [both] Участнику сообщено в Telegram и отправлено письмо.
   *[none] Участнику не сообщено: ни Telegram, ни подтверждённый e-mail до него не доходят.
}
find-attended = ☑️ Присутствие отмечено.
find-attended-already = Присутствие уже было отмечено.
find-not-attended = ↩️ Отметка о присутствии снята. Уже выпущенный сертификат остаётся в силе.
find-not-attended-already = Отметки о присутствии и так нет.
find-resent = 🎓 Сертификат <code>{ $number }</code> выпущен заново с тем же номером: { $status ->
    [sent] ✅ отправлен в Telegram.
    [error] ⚠️ в Telegram не доставлен.
    [waiting] в Telegram не отправлялся: участник выбрал e-mail.
   *[none] в Telegram не отправлялся: нет чата с ботом (сертификат доступен на личной странице).
}
find-resent-mail = ✉️ Письмо с сертификатом поставлено в очередь.
find-pupil-ask-name = Пришлите исправленные фамилию и имя ученика — так они будут напечатаны в сертификате. Отменить — /cancel.
find-pupil-renamed = ✅ Имя исправлено: { $name }. Так оно будет напечатано в сертификате класса.
find-venue-choose = 🏛 Площадка для участника <b>{ $name }</b>. Свободные места — как сейчас; место, которое освободится, получит первый в листе ожидания.
find-venue-now-online = Сейчас: участвует онлайн.
find-venue-full =
    На площадке <b>{ $venue }</b> все места заняты.
    Поставить участника в лист ожидания этой площадки или выбрать другую?

## Что сообщают участнику.

find-notice-cancelled =
    Организаторы отменили вашу регистрацию: <b>{ $event }</b>
    Если это ошибка, свяжитесь с организаторами: /contacts
find-notice-restored =
    ✅ Организаторы восстановили вашу регистрацию: <b>{ $event }</b>
    Напоминания и ссылка на подключение придут, как обычно. Ваши данные — /me.
find-notice-venue = 🏛 Организаторы изменили место вашего участия: <b>{ $event }</b>
find-notice-venue-online = 💻 Теперь вы участвуете онлайн: ссылку на подключение пришлём ближе к началу.

## Почему не получилось.

find-err-gone = Этой записи больше нет: её данные удалены.
find-err-event-gone = Этого мероприятия больше нет в файле мероприятий: изменить запись нельзя.
find-err-not-active = Регистрация не активна: это действие только для активных регистраций.
find-err-not-cancelled = Регистрация не отменена: восстанавливать нечего.
find-err-registration-closed = Восстановить нельзя: регистрация на мероприятие закрыта.
find-err-email-taken = Не сохранено: этот e-mail уже указан в другой активной регистрации на это мероприятие.
find-err-field = Этот ответ у этой регистрации изменить нельзя.
find-err-not-saved = Не получилось сохранить изменение.
find-err-no-certificate = Сертификат ещё не выпущен.
find-err-attend-early = Отметить присутствие можно с начала мероприятия: { $date }.
find-err-venue-needed = Для очного участия нужна площадка: выберите её кнопкой «Сменить площадку».
find-err-venue-over = Мероприятие уже прошло: площадку не изменить.
find-err-venue-same = Участник уже там: менять нечего.
find-err-venue-gone = Этой площадки больше нет в списке. Выберите площадку ещё раз.
find-err-venue-full = Последнее место на этой площадке только что заняли. Выберите площадку ещё раз.

## Журнал действий (/audit).

audit-action-find-edit = исправление ответа в регистрации
audit-action-find-cancel = отмена регистрации организатором
audit-action-find-restore = восстановление регистрации организатором
audit-action-find-attended = отметка о присутствии организатором
audit-action-find-not-attended = снятие отметки о присутствии
audit-action-find-certificate-resend = повторная отправка сертификата
audit-action-find-pupil-rename = исправление имени ученика
audit-action-find-venue = смена площадки организатором
audit-detail-venue = площадка
audit-detail-field = ответ
audit-detail-class-id = класс №
audit-detail-student-id = ученик №
