## Консоль организатора: /stats и /export.

stats-title = 📊 <b>Статистика: { $event }</b>
stats-empty = Регистраций пока нет.
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

export-choose-format =
    Выгрузка участников: <b>{ $event }</b>
    Выберите формат файла:
export-btn-xlsx = 📊 Excel (XLSX)
export-btn-csv = 📄 CSV (UTF-8)
export-caption = 📥 Участники: { $event }. Записей в файле: { $count }.
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
export-email-bounced = { $date } (МСК): { $reason }
report-deliver-via = { $via ->
    [telegram] только Telegram
    [email] только e-mail
   *[both] Telegram и e-mail
}
