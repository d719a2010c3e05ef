## /event: moving the event, and the notice of a new time as the organizer sees it (what
## participants read is in moved.ftl)

admin-move-event = 🗓 Перенести мероприятие
admin-ask-move = Пришлите новое время начала по Москве в виде <code>2026-05-06 10:00</code> (или с поясом: <code>2026-05-06 15:00 +08:00</code>). Окончание сдвинется вместе с началом, продолжительность останется прежней.
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
