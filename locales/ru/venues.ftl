## Очные площадки: выбор площадки, места, лист ожидания (issue 15).

# Карточка мероприятия в боте и на сайте: список площадок (каждая — строкой venue-option).
event-venues = Очные площадки:

# Анкета: вопрос о площадке и её кнопки.
ask-venue = На какой площадке вы будете участвовать очно? Выберите кнопкой.
venue-option = 🏛 <b>{ $venue }</b> — { $address }
venue-option-free = свободно { $free } { $free ->
    [one] место
    [few] места
   *[many] мест
} из { $capacity }
venue-option-full = мест нет — можно встать в лист ожидания
btn-venue-free = 🏛 { $venue } · { $free } { $free ->
    [one] место
    [few] места
   *[many] мест
}
btn-venue-unlimited = 🏛 { $venue }
btn-venue-full = ⏳ { $venue } — мест нет
venue-full-offer =
    На площадке <b>{ $venue }</b> все места заняты.
    Можно встать в лист ожидания: если место освободится, оно достанется первому в очереди, и мы сразу сообщим. Или выберите другую площадку.
venue-full-offer-hybrid =
    На площадке <b>{ $venue }</b> все места заняты.
    Можно встать в лист ожидания: если место освободится, оно достанется первому в очереди, и мы сразу сообщим. Или выберите другую площадку либо участие онлайн.
btn-venue-wait = ⏳ Встать в лист ожидания: { $venue }
btn-venue-other = ↩️ Выбрать другую площадку
btn-venue-online = 💻 Участвовать онлайн
err-venue-full = Последнее место на площадке { $venue } только что заняли. Выберите площадку ещё раз.
err-venue-gone = Этой площадки больше нет в списке. Выберите площадку ещё раз.
field-venue = Площадка
venue-value-waiting = { $venue } (лист ожидания)

# Подтверждение, напоминания, /link: куда приходить.
venue-seat-block = 🏛 Ждём вас на площадке <b>{ $venue }</b>: { $address }
venue-waiting-block =
    ⏳ Вы в листе ожидания площадки <b>{ $venue }</b> ({ $address }).
    Место за вами пока не закреплено: если оно освободится, мы сразу сообщим.
venue-local-time = 🕰 Местное время площадки { $venue }: { $date } г., { $start }–{ $end }

# Первому в очереди, когда освободилось место (в Telegram и письмом).
seat-freed =
    🎉 Освободилось место на площадке <b>{ $venue }</b>: вы в списке участников.
    <b>{ $event }</b>
seat-freed-ticket = 🎫 Билет для входа теперь в боте (команда /ticket) и на вашей личной странице.
mail-seat-subject = Освободилось место на площадке { $venue }

# Веб-форма.
web-venue-legend = Площадка
web-venue-hint = Выберите площадку, на которой будете участвовать очно.
web-venue-wait-option = мест нет — встать в лист ожидания этой площадки
web-err-venue-choose = Выберите площадку.
web-me-venue-hint = Для тех, кто участвует очно. Если смените площадку, ваше прежнее место получит первый в листе ожидания.
web-me-venue-held = ваше место
web-me-venue-held-waiting = вы в листе ожидания
web-err-venue-full = Последнее место на этой площадке только что заняли. Выберите другую площадку или лист ожидания.

# Организаторам: /stats, /export, /broadcast, карточка /find.
stats-venues-title = <b>Площадки</b>
stats-venue-line = { $venue }: занято { $taken } из { $capacity }, в листе ожидания: { $waiting }
stats-venue-line-unlimited = { $venue }: { $taken } (без ограничения мест)
export-col-venue = Площадка
export-venue-waiting = { $venue } (лист ожидания)
admin-audience-venue = Очно на площадке { $venue } ({ $count })
admin-audience-venue-waiting = Лист ожидания: { $venue } ({ $count })
find-venue = Площадка: { $venue }
find-venue-waiting = Площадка: { $venue } (лист ожидания)

# Ошибки файла мероприятий.
admin-err-venue-timezone = неизвестный часовой пояс площадки (нужен вид Europe/Moscow, Asia/Shanghai).
admin-err-venue-duplicate = у двух площадок одинаковый id.
admin-err-venues-online = у онлайн-мероприятия не может быть очных площадок.
