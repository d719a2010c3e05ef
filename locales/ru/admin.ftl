## Консоль организатора.

admin-only = Эта кнопка только для организаторов.
admin-menu = <b>Консоль организатора</b>. Выберите действие:
admin-btn-stats = 📊 Статистика
admin-btn-export = 📥 Выгрузка
admin-btn-broadcast = 📣 Рассылка
admin-btn-setlink = 🔗 Ссылка VooV
admin-btn-event = ⚙️ Мероприятие
admin-btn-speakers = 🎤 Докладчики
