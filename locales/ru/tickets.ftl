## Tickets for the door of an offline venue (/ticket, /me, the personal page) and check-in at the
## door by the venue's coordinators (handlers/ticket.py, handlers/venue_door.py,
## handlers/venue_live.py).

cmd-ticket = Мой билет на очную площадку
cmd-ticket-door = Отметка на входе и мой билет
cmd-live-venue = Присутствие на моей площадке
btn-ticket = 🎫 Билет

ticket-caption =
    🎫 Билет: <b>{ $name }</b>
    { $event }
    📍 <b>{ $venue }</b>, { $address }
ticket-local-time = 🕒 По местному времени площадки: { $date } г., { $local_start }–{ $local_end }
ticket-show = Покажите этот QR-код на входе. Если его не удастся считать, назовите код под ним: <b>{ $code }</b>
ticket-waiting =
    <b>{ $event }</b>
    ⏳ Вы в листе ожидания на площадке: { $venue }. Ваш номер в очереди: { $position }.
    Когда место освободится, бот сообщит об этом, и билет появится здесь, в /ticket.
ticket-online =
    <b>{ $event }</b>
    Вы участвуете онлайн — билет не нужен. Ссылка на подключение — /link.
ticket-no-venue =
    <b>{ $event }</b>
    Для очного участия билет не нужен. Место проведения: { $venue }
ticket-none = У вас нет действующей регистрации на предстоящие мероприятия, поэтому и билета нет. Зарегистрироваться — /start.

door-help =
    🚪 <b>Отметка на входе</b>
    Ваши площадки: { $venues }
    Пришлите боту фото QR-кода с билета участника или наберите код под ним: 8 знаков, например <code>K7QP-3MXR</code> (регистр и пробелы не важны). Бот отметит участника и покажет имя. Повторное сканирование — не ошибка: бот напомнит время первой отметки.
    Вход открывается за { $minutes } { $minutes ->
        [one] минуту
        [few] минуты
       *[many] минут
    } до начала. Присутствие на вашей площадке — /live.
door-done =
    ✅ Отмечено: <b>{ $name }</b>
    📍 { $venue }
door-already =
    ☑️ Уже отмечено в { $time }: <b>{ $name }</b>
    📍 { $venue }
door-other-venue =
    ⛔ Билет на другую площадку: { $venue }
    { $event }
    Участник: <b>{ $name }</b>. Отметить участника может координатор той площадки.
door-waiting = ⛔ <b>{ $name }</b> — в листе ожидания площадки { $venue }: места нет, билет не действует.
door-cancelled = ⛔ Регистрация отменена, билет не действует: <b>{ $name }</b>.
door-no-seat = ⛔ У участника нет места на очной площадке (участие онлайн), билет не действует: <b>{ $name }</b>.
door-unknown = ❓ Билета с кодом <code>{ $code }</code> нет. Проверьте код или попросите участника открыть билет в боте (/ticket) или на личной странице.
door-invalid = ❓ Это не код билета. Код — 8 знаков под QR-кодом, например <code>K7QP-3MXR</code>; в нём нет цифр 0 и 1 и букв O и I.
door-not-open = 🕘 Вход ещё не открыт: отметка начнётся в { $time } по местному времени площадки. Участник: <b>{ $name }</b>.
door-closed = ⌛ Отметка о присутствии уже закрыта. Участник: <b>{ $name }</b>.
door-no-qr = 📷 На фото не удалось прочитать QR-код. Сфотографируйте его ещё раз — крупно, ровно и без бликов — или наберите код под ним.
door-choose-venue = Какую площадку показать?
door-venue-button = { $venue } ({ $event })

live-venue-heading =
    📡 <b>Присутствие на площадке</b>
    { $venue }
    { $event }
live-venue = • { $venue }: { $count } из { $total }{ $waiting ->
        [0] {""}
       *[other] , в листе ожидания: { $waiting }
    }
live-waiting = ⏳ В листе ожидания: { $waiting }

web-me-ticket = Билет на вход
# Заголовок того же блока для стоящих в листе ожидания: билета у них ещё нет.
web-me-waiting-title = Лист ожидания
web-me-ticket-hint = Покажите этот QR-код на входе. Если его не удастся считать, назовите код под ним.
web-me-ticket-code = Код: { $code }
web-me-ticket-qr = QR-код билета { $code }
web-me-waiting = ⏳ Вы в листе ожидания на площадке: { $venue }. Ваш номер в очереди: { $position }. Когда место освободится, билет появится здесь.

audit-action-door-checkin = отметка на входе по билету
