## /live: attendance while the event runs, one message updated in place (handlers/admin/live.py).

cmd-live = Присутствие в реальном времени
admin-btn-live = 📡 Присутствие
audit-action-live = просмотр присутствия в реальном времени

live-heading =
    📡 <b>Присутствие в реальном времени</b>
    { $event }
live-no-registrations = Зарегистрированных участников нет.
live-registered = Зарегистрировано: { $count }
live-checked-in = Отметились: { $count } из { $total } ({ $percent } %)
live-place = • { $place ->
        [online] онлайн
        [offline] очно
       *[other] в другом формате
    }: { $count } из { $total }
live-classes = 🏫 Классы — отметились: { $count } из { $total }; учеников в них: { $students }
live-class = • { $class_name }: { $students } { $students ->
        [one] ученик
        [few] ученика
       *[many] учеников
    }
live-classes-more = …и ещё { $count } { $count ->
        [one] класс
        [few] класса
       *[many] классов
    }
live-recent-heading = <b>Последние отметки:</b>
live-recent-none = Отметок пока нет.
live-recent-person = { $msk_time } МСК ({ $bjt_time } по пекинскому времени) — { $name }, { $method ->
        [button] кнопкой
        [code] кодовым словом
        [web] на личной странице
        [organizer] через организатора
        [ticket] по билету на входе
       *[other] другим способом
    }
live-recent-class = { $msk_time } МСК ({ $bjt_time } по пекинскому времени) — класс { $class_name }, { $method ->
        [button] кнопкой
        [web] на странице класса
       *[other] другим способом
    }
live-name-erased = (данные удалены)
live-running = 🔄 Сообщение обновляется само до { $msk_time } МСК ({ $bjt_time } по пекинскому времени).
live-stopped = { $reason ->
        [stop] ⏹ Обновление остановлено. Открыть снова — /live.
        [replaced] ⏹ Обновление остановлено: ниже открыта новая сводка.
        [ended] ⏹ Отметка о присутствии закрыта, это итоговые цифры.
        [expired] ⏹ Сводка открыта слишком давно и больше не обновляется. Открыть снова — /live.
        [shutdown] ⏸ Обновления остановлены: бот перезапускается. Открыть снова — /live.
        [no-access] ⏹ Обновление остановлено: у вас больше нет доступа к консоли организатора.
        [no-venue] ⏹ Обновление остановлено: вы больше не координатор этой площадки.
       *[final] 🏁 Отметка о присутствии закрыта, это итоговые цифры.
    }
live-btn-stop = ⏹ Остановить
live-stopped-notice = Обновление остановлено.
