## Консоль организатора: /stats и /export.

stats-title = 📊 <b>Статистика: { $event }</b>
stats-empty = Регистраций пока нет.
stats-no-individual = Индивидуальных регистраций пока нет.
stats-totals =
    Всего регистраций: { $total }
    Активных: { $active }, отменено: { $cancelled }
stats-pending = Ждут подтверждения e-mail (зарегистрировались на сайте): { $count }
stats-breakdown-note = <i>Дальше — только активные регистрации.</i>
stats-section-language = <b>Язык</b>
stats-section-role = <b>Категории участников</b>
stats-section-country = <b>Страны</b>
stats-section-format = <b>Формат участия</b>
stats-section-speakers = <b>Докладчики</b>
stats-section-source = <b>Откуда пришли</b>
stats-line = • { $label }: { $count }
stats-others = • другие: { $count }
stats-speakers-wanting = Хотят выступить: { $count }
stats-unreachable = Недоступны (заблокировали бота): { $count }
stats-reach = Связь: через Telegram — { $telegram }, только по e-mail — { $email_only }
stats-email = E-mail: адрес подтверждён — { $confirmed }, отклонён почтовым сервером — { $bounced }, отписались от писем с напоминаниями и новостями — { $muted }
stats-chart-caption = Регистрации по дням (МСК), включая отменённые: столбцы — за день, линия — всего нарастающим итогом (правая шкала).
stats-chart-per-day = Регистраций за день
stats-chart-cumulative = Всего нарастающим итогом
stats-chart-dates = Дата (МСК)

report-language = { $lang ->
    [ru] русский
    [zh] китайский
   *[other] { $lang }
}
report-format = { $format ->
    [online] онлайн
    [offline] очно
   *[other] { $format }
}
report-status = { $status ->
    [active] активна
    [cancelled] отменена
    [pending] ждёт подтверждения e-mail
    [erased] данные удалены по просьбе участника
   *[other] { $status }
}
report-speaker-status = { $status ->
    [pending] решения ещё нет
    [approved] одобрено
    [declined] отклонено
   *[other] { $status }
}
report-source = { $source ->
    [bot] бот в Telegram
    [web] сайт
    [miniapp] мини-приложение в Telegram
   *[other] { $source }
}
report-reachable = { $channels ->
    [telegram-email] Telegram, e-mail
    [telegram] Telegram
    [email] e-mail
   *[other] —
}

export-choose-purpose =
    Выгрузка: <b>{ $event }</b>
    Кого включить в файл?
export-btn-purpose = { $purpose ->
    [everyone] 👥 Все регистрации, включая отменённые
    [active] ✅ Только активные
    [checked-in] 🙋 Отметились
    [not-checked-in] ⏳ Не отметились
    [speakers] 🎤 Докладчики
    [offline] 🏛 Очные участники
    [online] 💻 Онлайн-участники
   *[classes] 🏫 Педагоги и классы
} — { $count }
export-choose-format =
    Выгрузка: <b>{ $event }</b>
    В файле: { $purpose ->
        [everyone] все регистрации, включая отменённые и удалённые по просьбе участников, а также классы, списки учеников и отзывы
        [active] активные регистрации
        [checked-in] активные регистрации тех, кто отметился
        [not-checked-in] активные регистрации тех, кто не отметился
        [speakers] активные регистрации тех, кто хочет выступить
        [offline] активные регистрации очных участников
        [online] активные регистрации онлайн-участников
       *[classes] классы с контактами педагогов и списки учеников
    }.
    Выберите формат. XLSX открывается в любом Excel. CSV «;» открывается по столбцам в Excel с русскими настройками, CSV «,» — в Excel с китайскими или английскими настройками и в других программах.
export-btn-xlsx = 📊 Excel (XLSX)
export-btn-csv-ru = 📄 CSV «;» — Excel с русскими настройками
export-btn-csv = 📄 CSV «,» — другие программы
export-caption = 📥 { $event } — { $purpose ->
    [everyone] все регистрации
    [active] активные регистрации
    [checked-in] отметились
    [not-checked-in] не отметились
    [speakers] докладчики
    [offline] очные участники
    [online] онлайн-участники
   *[classes] педагоги и классы
}. { $purpose ->
    [classes] Классов
   *[other] Регистраций
} в файле: { $count }.
export-col-id = № регистрации
export-col-status = Статус
export-col-full-name = ФИО
export-col-country = Страна
export-col-city = Город
export-col-organization = Организация
export-col-role = Категория участника
export-col-format = Формат участия
export-col-wants-to-speak = Хочет выступить
export-col-talk-topic = Тема выступления
export-col-speaker-status = Решение по выступлению
export-col-email = E-mail
export-col-phone = Телефон
export-col-language = Язык
export-col-registered-at = Дата регистрации (МСК)
export-col-consent-at = Согласие на обработку ПД (МСК)
export-col-consent-version = Версия согласия
export-col-telegram-id = Telegram ID
export-col-source = Откуда пришла регистрация
export-col-reachable = Связь
export-col-email-confirmed = E-mail подтверждён (МСК)
export-col-email-bounced = E-mail отклонён почтовым сервером
export-col-deliver-via = Куда приходят сообщения
export-col-username = Telegram (@имя пользователя)
export-col-checked-in-at = Отметка о присутствии (МСК)
export-col-certificate = № сертификата
export-col-certificate-delivered = Сертификат доставлен
report-certificate-delivered = { $state ->
    [telegram] Telegram
    [email] e-mail
    [telegram-email] Telegram, e-mail
    [waiting] ещё не отправлен
    [failed] не доставлен
   *[page] не отправлялся: доступен на сайте по личной ссылке
}
export-no-group = не привязана
# Листы книги XLSX: не длиннее 31 знака, без []:*?/\
export-sheet-participants = Участники
export-sheet-classes = Классы
export-sheet-students = Ученики
export-sheet-feedback = Отзывы
export-email-bounced = { $date } (МСК): { $reason }
report-deliver-via = { $via ->
    [telegram] только Telegram
    [email] только e-mail
   *[both] Telegram и e-mail
}

# /audit names the organizers' actions recorded here, and the purpose among an export's details.
audit-action-export = выгрузка данных
audit-action-stats = просмотр статистики
audit-detail-purpose = что выгружено
