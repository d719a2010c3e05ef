## The notice of a new time (bot/services/reminders/moved.py): in Telegram as the caption of
## the calendar file, and as a letter

moved-text = 🗓 Изменилось время проведения: <b>{ $event }</b>
moved-new-time = Новое время:
moved-calendar = Если вы добавляли мероприятие в календарь, откройте приложенный файл — запись обновится.
moved-class-head = 👩‍🏫 Класс: <b>{ $class_name }</b>
mail-moved-subject = Новое время: { $event }
mail-moved-calendar = Файл для календаря — во вложении: откройте его, и запись в календаре обновится.
