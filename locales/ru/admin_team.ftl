## Команда организаторов (/team), роли и журнал действий (/audit).

cmd-find = Найти участника, педагога или ученика
cmd-audit = Журнал действий организаторов
cmd-team = Команда организаторов и их права
admin-btn-find = 🔎 Поиск
admin-btn-audit = 📜 Журнал действий
admin-btn-team = 👥 Команда
admin-menu-viewer = <b>Консоль организатора</b> (у вас права только на просмотр). Выберите действие:

# Наблюдатель (роль «только просмотр») прислал команду или нажал кнопку, которая что-то меняет.
admin-read-only = 👁 У вас права только на просмотр: статистика, поиск, выгрузка и журнал действий (/admin). Изменять данные и отправлять сообщения могут организаторы с полными правами.
admin-read-only-button = 👁 У вас права только на просмотр: эта кнопка меняет данные или отправляет сообщения.

# Человек в списках: имя, @username и Telegram id — что из этого известно.
organizer-person = { $kind ->
    [named] { $name } (<code>{ $user_id }</code>)
    [username] @{ $username } (<code>{ $user_id }</code>)
    [id] <code>{ $user_id }</code>
   *[full] { $name } (@{ $username }, <code>{ $user_id }</code>)
}
# Момент времени одной строкой: по Москве и по Пекину.
organizer-when = { $same_day ->
    [yes] { $msk_date } г., { $msk_time } МСК ({ $bjt_time } по пекинскому времени)
   *[no] { $msk_date } г., { $msk_time } МСК ({ $bjt_date } г., { $bjt_time } по пекинскому времени)
}

team-role = { $role ->
    [viewer] только просмотр
   *[organizer] организатор, все права
}
team-title = 👥 <b>Команда организаторов</b>
team-from-settings = <b>Из настроек (ADMIN_IDS)</b> — все права; изменить или удалить их можно только в настройках:
team-added-here = <b>Добавлены в чате:</b>
team-none-added = пока никого. Добавить — кнопкой «Добавить».
team-line = • { $who } — { $role ->
    [viewer] только просмотр
   *[organizer] организатор, все права
}
team-line-settings = • { $who }
team-line-added = Кто и когда добавил: { $by }, { $when }
team-line-no-start = ⚠️ Диалога с ботом ещё нет: попросите этого человека открыть бота и нажать /start.
team-hint = Выберите человека, чтобы изменить его права или удалить из команды. Наблюдатели (только просмотр) видят статистику, поиск, выгрузку и журнал действий, но ничего не меняют и не отправляют.
team-btn-add = ➕ Добавить

team-card-role = Права: { $role ->
    [viewer] только просмотр
   *[organizer] организатор, все права
}
team-btn-make-viewer = 👁 Оставить только просмотр
team-btn-make-organizer = 🛠 Дать все права
team-btn-remove = 🗑 Удалить из команды
team-btn-back = ◀ К списку
team-confirm-remove = Удалить из команды организаторов: { $who }? Консоль организатора станет недоступна.
team-btn-remove-yes = 🗑 Да, удалить

team-ask-who =
    Кого добавить в команду? Любой из способов:
    • кнопка «Выбрать в Telegram» внизу;
    • перешлите сюда любое сообщение этого человека;
    • пришлите Telegram id (только цифры) или @username — если этот человек уже писал боту.
    Отменить — /cancel.
team-btn-pick = 👤 Выбрать в Telegram
team-who-invalid = Не получилось понять, кого добавить. Нажмите «Выбрать в Telegram», перешлите сообщение этого человека или пришлите его Telegram id (только цифры). Отменить — /cancel.
team-who-hidden = Этот человек скрывает свой аккаунт в пересланных сообщениях (настройки конфиденциальности Telegram). Нажмите «Выбрать в Telegram» или пришлите его Telegram id.
team-who-unknown-username = @{ $username } не найден: бот знает только тех, кто ему уже писал. Нажмите «Выбрать в Telegram» или пришлите Telegram id.
team-who-bot = Это бот: в команду организаторов можно добавить только человека.
team-who-settings = { $who } — организатор из настроек (ADMIN_IDS): все права. Изменить это можно только в настройках.
team-who-yourself = Свои права изменить нельзя: попросите об этом другого организатора.
team-person = 👤 { $who }
team-ask-role = Какие права дать?
team-btn-role-organizer = 🛠 Все права
team-btn-role-viewer = 👁 Только просмотр

team-added = ✅ Добавлено в команду: { $who } — { $role ->
    [viewer] только просмотр
   *[organizer] организатор, все права
}.
team-role-changed = ✅ Права изменены: { $who } — { $role ->
    [viewer] только просмотр
   *[organizer] организатор, все права
}.
team-role-same = У этого человека уже такие права. Ничего не изменено.
team-removed = ✅ Удалено из команды: { $who }.
team-not-member = Этого человека уже нет в команде.
team-told = Сообщение об этом отправлено в личный чат с ботом.
team-not-told-no-start = Сообщить об этом бот не может: этот человек ещё не писал боту. Попросите этого человека открыть бота и нажать /start, а затем /admin.
team-not-told-blocked = Сообщить об этом не удалось: этот человек заблокировал бота или Telegram не доставил сообщение.

# Сообщения самому человеку, на его языке.
team-you-added = 👥 Вас добавили в команду организаторов. Ваши права: { $role ->
    [viewer] только просмотр (статистика, поиск, выгрузка, журнал действий)
   *[organizer] организатор, все права
}. Консоль организатора — /admin.
team-you-role = 👥 Ваши права в команде организаторов изменены: { $role ->
    [viewer] только просмотр (статистика, поиск, выгрузка, журнал действий)
   *[organizer] организатор, все права
}. Консоль организатора — /admin.
team-you-removed = 👥 Вы больше не в команде организаторов: консоль организатора вам недоступна. Ваша регистрация и команды участника работают как прежде.

audit-title = 📜 <b>Журнал действий организаторов</b>
audit-page = Страница { $page } из { $pages }, сначала новые.
audit-empty = Журнал пока пуст: организаторы ещё ничего не делали.
audit-entry = { $who } — { $action }
audit-detail = · { $label }: { $value }
audit-detail-nested = { $outer } ({ $inner })
# A registration, pupil or class by its id, with its name as it is now.
audit-detail-subject = { $value } ({ $state ->
    [erased] данные удалены
   *[named] { $name }
})
audit-btn-newer = ◀ Новее
audit-btn-older = Раньше ▶
audit-btn-refresh = 🔄 Обновить

# stats and export: locales/*/admin_stats.ftl; find-*: admin_find.ftl.
audit-action-speaker-approved = одобрение заявки докладчика
audit-action-speaker-declined = отклонение заявки докладчика
audit-action-broadcast = запуск рассылки
audit-action-broadcast-stop = остановка рассылки
audit-action-certificates-send = рассылка сертификатов
audit-action-certificate-reissue = исправление и повторная отправка сертификата
audit-action-set-starts-at = изменение начала мероприятия
audit-action-set-ends-at = изменение окончания мероприятия
audit-action-set-registration-deadline = изменение срока регистрации
audit-action-set-link = изменение ссылки на конференцию
audit-action-team-add = добавление в команду организаторов
audit-action-team-role = изменение прав в команде
audit-action-team-remove = удаление из команды организаторов

audit-detail-event = мероприятие
audit-detail-format = формат
audit-detail-rows = записей
audit-detail-classes = классов
audit-detail-registration-id = регистрация №
audit-detail-broadcast-id = рассылка №
audit-detail-audience = кому
audit-detail-total = получателей
audit-detail-number = сертификат
audit-detail-name = имя
audit-detail-starts-at = начало
audit-detail-ends-at = окончание
audit-detail-registration-deadline = регистрация до
audit-detail-meeting-link = ссылка
audit-detail-meeting-id = идентификатор
audit-detail-meeting-passcode = пароль
audit-detail-user-id = Telegram id
audit-detail-role = права
audit-detail-previous-role = прежние права
audit-detail-previous = было
audit-detail-old = было
audit-detail-new = стало
