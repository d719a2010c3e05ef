## Общие тексты: приветствие, меню, помощь, контакты, ошибки.

welcome =
    Здравствуйте! Это бот Международной научно-практической видеоконференции «Наша общая Победа».
    Здесь можно зарегистрироваться, получить напоминания и ссылку на конференцию, а после неё — сертификат участника.
    Язык: русский. 中文请发送 /language

time-span =
    🇷🇺 { $msk_date } г., { $msk_start }–{ $msk_end } по московскому времени (МСК)
    🇨🇳 { $bjt_date } г., { $bjt_start }–{ $bjt_end } по пекинскому времени
time-moment =
    🇷🇺 { $msk_date } г., { $msk_time } МСК
    🇨🇳 { $bjt_date } г., { $bjt_time } по пекинскому времени

event-format = Формат: { $format ->
    [online] онлайн, VooV Meeting (Tencent Meeting)
    [offline] очно
   *[hybrid] онлайн (VooV Meeting) и очно
}
event-venue = Очная площадка: { $venue }

home-registered = ✅ Вы зарегистрированы: <b>{ $event }</b>
home-choose-event = Сейчас открыта регистрация на несколько мероприятий. Выберите, на какое вы хотите зарегистрироваться:
home-closed = Сейчас регистрация ни на одно мероприятие не открыта. Когда откроется новая, бот сообщит об этом здесь. Вопросы можно задать организаторам.

contacts-title = 📞 Контакты организаторов ({ $event }):
contacts-email = E-mail: { $value }
contacts-phone = Телефон: { $value }
contacts-telegram = Telegram: { $value }
contacts-whatsapp = WhatsApp: { $value }
contacts-wechat = WeChat: { $value }
contacts-website = Сайт: { $value }
contacts-none = Контакты организаторов пока не указаны.

help =
    <b>Что умеет бот</b>
    /start — конференция и регистрация
    /me — моя регистрация
    /link — ссылка на конференцию
    /reminders — включить или выключить напоминания
    /edit — изменить данные регистрации
    /class — зарегистрировать класс (для педагогов)
    /classes — мои классы
    /unregister — отменить участие
    /language — язык / 语言
    /contacts — контакты организаторов
    /certificate — мой сертификат участника
    /verify — проверить сертификат по номеру
    /cancel — прервать заполнение анкеты (ничего не сохранится)
    /delete_me — удалить мои персональные данные
    /help — эта справка

    Напоминания придут перед началом — с временем по Москве и Пекину. Ссылку на VooV бот пришлёт ближе к началу.

cmd-link = Ссылка на конференцию
cmd-reminders = Включить или выключить напоминания
cmd-start = Конференция и регистрация
cmd-me = Моя регистрация
cmd-edit = Изменить данные
cmd-unregister = Отменить участие
cmd-language = Язык / 语言
cmd-contacts = Контакты организаторов
cmd-help = Справка
cmd-cancel = Прервать анкету
cmd-delete-me = Удалить мои данные

btn-register = 📝 Зарегистрироваться
btn-register-in-chat = 💬 Заполнить в чате
btn-language = 🌐 Язык / 语言
btn-contacts = 📞 Контакты
btn-menu-me = 📋 Моя регистрация
btn-menu-edit = ✏️ Изменить
btn-menu-unregister = ❌ Отменить участие
btn-menu-language = 🌐 Язык / 语言
btn-menu-contacts = 📞 Контакты
btn-menu-help = ❓ Помощь
btn-menu-link = 🔗 Ссылка
btn-menu-mute = 🔔 Напоминания вкл/выкл
btn-open-private = Открыть бота
btn-keep = Нет, оставить как есть

language-choose = Выберите язык / 请选择语言
language-set = Язык: русский
language-next = Продолжить: /start

unknown-command = Такой команды нет. Список команд — /help
not-understood = Не удалось распознать сообщение. Зарегистрироваться или посмотреть регистрацию — /start, все команды — /help.
action-cancelled = Действие отменено, ничего не изменено.
# Another command sent in the middle of an organizer dialogue (handlers/admin/dialogues.py).
dialogue-dropped = ✖️ Незавершённое действие прервано, ничего не сохранено.
# Between the items of a list made by code: «ФИО, E-mail».
list-separator = {", "}
nothing-to-cancel = Сейчас нечего прерывать: анкета не заполняется. Отменить участие — /unregister.
group-write-private = Регистрация проходит в личном чате с ботом — там ваши данные не увидят другие участники группы.

err-stale-button = Эта кнопка уже не действует.
err-unexpected = Извините, что-то пошло не так. Попробуйте ещё раз чуть позже — введённые данные не потерялись. Если ошибка повторится, напишите организаторам: /contacts
err-generic = Не получилось выполнить действие.
err-registration-closed =
    Регистрация закрыта — срок подачи заявок истёк.
    <b>{ $event }</b>
err-registration-closed-short = Регистрация на это мероприятие закрыта.
err-event-over = Мероприятие уже прошло: <b>{ $event }</b>.
err-already-registered = Вы уже зарегистрированы: <b>{ $event }</b>. Посмотреть или изменить данные — /me и /edit.
err-unknown-event = Этого мероприятия больше нет в списке. Откройте /start.
err-not-registered = У вас нет активной регистрации, которую можно изменить или отменить. Зарегистрироваться — /start.
err-form-incomplete = Анкета заполнена не полностью. Начните заново: /start
err-email-taken =
    Этот адрес электронной почты уже указан в другой регистрации (например, на сайте): <b>{ $event }</b>.
    Если это ваша регистрация, откройте свою личную страницу и нажмите «Подключить Telegram». Если нет — укажите другой адрес.
err-bind-code = Ссылка для подключения Telegram уже использована или устарела: она действует сутки. Откройте свою личную страницу и получите новую.
err-bind-already-registered = В этом Telegram уже есть своя регистрация: <b>{ $event }</b>. Поэтому регистрацию с сайта к нему подключить нельзя. Ваша регистрация — /me. Чтобы подключить регистрацию с сайта, сначала отмените эту (/unregister) и откройте ссылку ещё раз.
err-bind-other-account = Эта регистрация уже подключена к другому аккаунту Telegram. Если это ошибка, напишите организаторам.
bind-done = ✅ Telegram подключён к вашей регистрации: <b>{ $event }</b>. Напоминания и ссылка на конференцию теперь будут приходить и сюда. Ваши данные — /me.
