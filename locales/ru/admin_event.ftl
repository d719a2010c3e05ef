## /event: moving the event, and the notice of a new time as the organizer sees it (what
## participants read is in moved.ftl)

admin-move-event = 🗓 Перенести мероприятие
admin-ask-move = Пришлите новые дату и время начала. { admin-time-formats } Окончание сдвинется вместе с началом, продолжительность останется прежней.
admin-move-hint = Чтобы сдвинуть начало и окончание вместе, нажмите «🗓 Перенести мероприятие».
admin-time-unchanged = Время то же, что и сейчас, — менять нечего.
admin-move-check = 🗓 Проверьте новое время: <b>{ $event }</b>
admin-move-was = Было:
admin-move-will-be = Станет:
admin-move-audience = После подтверждения сразу сообщим новое время и пришлём обновлённый файл для календаря:
admin-move-audience-telegram = • в Telegram — участников: { $telegram }
admin-move-audience-email = • по электронной почте — участников: { $by_email }
admin-move-audience-classes = • классов (в группе класса или в личном чате педагога): { $classes }
admin-move-unreachable-people = ⚠️ Не получится сообщить участникам: { $unreachable } — у них нет ни чата с ботом, ни подтверждённой электронной почты.
admin-move-unreachable-classes = ⚠️ Не получится сообщить классам: { $classes } — группа с ботом не привязана, а педагог не пользуется ботом.
admin-move-confirm-question = Сохранить новое время и разослать уведомление?
admin-move-saved = ✅ Новое время сохранено. Рассылаем уведомление…
admin-move-report = 📣 Уведомление о новом времени разослано: <b>{ $event }</b>
admin-move-report-telegram = • доставлено в Telegram: { $sent }
admin-move-report-failed = • не удалось доставить в Telegram: { $failed }
admin-move-report-email = • писем (отправлено или в очереди): { $by_email }
admin-move-report-classes = • классам: { $classes }
admin-move-report-not-reached = • не получили уведомления (нет ни чата с ботом, ни почты): { $unreachable }
audit-action-move_event = Перенос мероприятия
audit-action-move_event_file = Перенос мероприятия (в файле)
audit-who-events-file = файл мероприятий (events.toml)

## Даты и время, которые пишет организатор (bot/services/events/time_input.py): /event и
## запланированные рассылки. Без пояса — московское время (в китайском интерфейсе — пекинское).
admin-time-formats = Например: <code>21.08.2025 15:00</code>, <code>21.08 15:00</code> или <code>2025-08-21 15:00</code>. Год можно не писать — возьмём ближайшую такую дату. Время московское; другой пояс укажите после времени: <code>21.08 15:00 +08:00</code> или <code>21.08 15:00 по пекинскому</code>.
time-input-unreadable = Не получилось разобрать время.
time-input-incomplete = Нужны и дата, и время.
time-input-no-such-date = Такой даты или времени нет. Проверьте число, месяц и часы.
time-input-ambiguous = Эту запись можно понять двояко: дата через «/» (<code>03/09</code> — 3 сентября или 9 марта?) или два разных часовых пояса. Напишите дату через точку, день первым: <code>03.09</code> — 3 сентября.
admin-time-saved = ✅ Сохранено:
admin-time-typed = Вы указали:
admin-time-now = Сейчас:
admin-time-past = ⚠️ Не сохранено: это время уже прошло, а мероприятие ещё не завершилось. Перенести его в прошлое нельзя — проверьте дату и часовой пояс.

## Прошедшее мероприятие: время исправляют задним числом, участникам не сообщают.
admin-history-check = 🗓 Мероприятие уже прошло: <b>{ $event }</b>. Исправить его время в записях бота?
admin-history-nobody-told = Участникам ничего не сообщим: о новом времени прошедшего мероприятия не уведомляют.
admin-history-question = Сохранить исправленное время?
admin-history-saved = ✅ Время сохранено. Участникам ничего не отправлено.
