## /attendance: посещение по отчёту VooV Meeting (Tencent Meeting), handlers/admin/attendance_import.py.

cmd-attendance = Посещение по отчёту VooV
admin-btn-attendance = 🧾 Посещение по отчёту
audit-action-attendance_import = посещение отмечено по отчёту VooV
audit-detail-report-file = файл
audit-detail-report-rows = строк в отчёте
audit-detail-people = человек в отчёте
audit-detail-confirmed-unsure = подтверждено вручную
audit-detail-unmatched = не найдено среди регистраций
audit-detail-marked-new = новых отметок
audit-detail-minutes-updated = обновлено минут
audit-detail-minutes-unchanged = без изменений

admin-att-ask-file =
    🧾 Посещение по отчёту: <b>{ $event }</b>
    Пришлите файл со списком участников, выгруженный из VooV Meeting (Tencent Meeting): .xlsx или .csv, до { $max_mb } МБ.
    Бот читает столбцы: имя участника; e-mail и телефон, если они есть; время входа и выхода (или длительность). Участник, входивший несколько раз, считается один раз, учитывается только время мероприятия.
    Время без часового пояса считается пекинским (UTC+8), если в файле не указан другой пояс.
    Отменить — /cancel.
admin-att-need-file = Пришлите, пожалуйста, отчёт файлом (.xlsx или .csv). Отменить — /cancel.
admin-att-old-xls = Это файл старого формата Excel (.xls). Откройте его в Excel, сохраните как .xlsx или CSV и пришлите снова.
admin-att-unsupported-type = Файл { $extension } не подходит: нужен отчёт в формате .xlsx или .csv.
admin-att-too-large = Файл слишком большой: { $size } МБ, а можно не больше { $max_mb } МБ. Пришлите только список участников.
admin-att-empty = Файл пустой. Пришлите отчёт со списком участников.
admin-att-bad-xlsx = Не удалось открыть файл как таблицу Excel: возможно, он повреждён. Выгрузите отчёт ещё раз и пришлите снова.
admin-att-bad-csv = Не удалось прочитать CSV-файл. Выгрузите отчёт в формате .xlsx и пришлите снова.
admin-att-bad-encoding = Не удалось определить кодировку CSV-файла. Сохраните его в UTF-8 или пришлите отчёт в формате .xlsx.
admin-att-no-header =
    Не найдена строка заголовков отчёта. Нужны столбцы с именем участника и временем входа и выхода (или длительностью), например:
    • 用户昵称 / Name
    • 入会时间 / Join time
    • 退会时间 / Leave time
    • 参会时长 / Duration
admin-att-no-rows = В отчёте нет ни одной строки с именем участника и временем, которое удалось прочитать.
admin-att-no-overlap =
    Ни одна строка отчёта не попадает во время мероприятия:
    { $msk_date } г., { $msk_start }–{ $msk_end } МСК ({ $bjt_date } г., { $bjt_start }–{ $bjt_end } по пекинскому времени).
    Проверьте, что это отчёт этого мероприятия. Время без часового пояса читается как пекинское.

admin-att-summary-head = 🧾 Посещение по отчёту: <b>{ $event }</b>
admin-att-summary-file = Строк в отчёте: { $count }, людей в нём: { $total }.
admin-att-zone-file = Время прочитано в часовом поясе, указанном в файле: { $value }.
admin-att-zone-assumed = Время в файле без часового пояса: прочитано как пекинское (UTC+8).
admin-att-event-time = Учитывается только время мероприятия:
admin-att-sure = ✅ Найдены точно: { $count }
admin-att-tier = { $tier ->
        [email] по e-mail
        [phone] по телефону
       *[name] по имени
    } — { $count }
admin-att-unsure = ❓ Нужно подтвердить: { $count }
admin-att-unsure-line = { $status } { $value } → { $name } ({ $why ->
        [order] другой порядок слов
        [partial] часть имени
        [same-name] несколько регистраций с таким именем
        [latin] имя латиницей
       *[similar] похожее написание
    }), { $minutes } { $minutes ->
        [one] минута
        [few] минуты
       *[many] минут
    }
admin-att-more = …и ещё { $count }
admin-att-unmatched = ❔ Не найдены среди регистраций: { $count }
admin-att-unmatched-line = • { $value } (строки: { $rows }), { $minutes } { $minutes ->
        [one] минута
        [few] минуты
       *[many] минут
    }
admin-att-outside = ⏱ Были в конференции только вне времени мероприятия (не учитываются): { $count }
admin-att-unreadable = Строки с непонятным временем пропущены: { $rows }.
admin-att-below-min = ⚠️ Пробыли меньше { $min } { $min ->
        [one] минуты
       *[other] минут
    } (нужно для сертификата): { $count }
admin-att-not-in-report = ⚠️ Отметились кнопкой или кодовым словом, но не найдены в отчёте: { $count }. После импорта онлайн-участники без подтверждения в отчёте сертификат не получат; найдите их в /find и отметьте вручную, если они были.
admin-att-question = Отметить посещение по этому отчёту?
admin-att-question-unsure = Неподтверждённые совпадения не учитываются: проверьте их по одному или подтвердите все сразу.

admin-att-btn-review = 🔎 Проверить по одному
admin-att-btn-all = ☑️ Подтвердить все ({ $count })
admin-att-btn-save = ✅ Отметить посещение ({ $count })
admin-att-btn-yes = ✅ Да, это один человек
admin-att-btn-no = ✖️ Нет, это другой человек
admin-att-btn-back = ⬅️ К сводке

admin-att-review =
    ❓ Совпадение { $page } из { $pages }
    В отчёте: <b>{ $value }</b> (строки: { $rows }), { $minutes } { $minutes ->
        [one] минута
        [few] минуты
       *[many] минут
    }
    Регистрация: <b>{ $name }</b>
    Почему предложено: { $why ->
        [order] другой порядок слов
        [partial] часть имени
        [same-name] несколько регистраций с таким именем, выбрана первая
        [latin] имя латиницей
       *[similar] похожее написание
    }

    Это один и тот же человек?

admin-att-saved-head = ✅ Посещение отмечено по отчёту: <b>{ $event }</b>
admin-att-saved = Новых отметок: { $count }
admin-att-saved-updated = Обновлено минут у отметившихся раньше: { $count }
admin-att-saved-unchanged = Без изменений: { $count }
admin-att-eligible = 🎓 Сейчас под условия сертификата подходят: { $count }

admin-err-min-attendance = min_attendance: нужна доля времени, например «50%», или число минут, например «90».
admin-err-min-attendance-unused = min_attendance действует только вместе с require_attendance = true.
admin-err-min-attendance-too-long = min_attendance больше длительности мероприятия.
