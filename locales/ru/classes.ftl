## Регистрация класса педагогом.

btn-register-class = 👩‍🏫 Зарегистрировать класс
cmd-class = Зарегистрировать класс
cmd-classes = Мои классы

class-intro =
    Регистрация класса: <b>{ $event }</b>
    Сначала — ваши данные как педагога, затем название класса и список учеников (до { $max } { $max ->
        [one] человека
       *[other] человек
    }): его можно вставить текстом или прислать файлом. Прервать — /cancel.
class-ask-teacher-name = Ваши фамилия, имя и отчество полностью — так они будут указаны в благодарственном письме.
class-ask-country = В какой стране находится школа?
class-ask-city = В каком городе находится школа?
class-ask-school = Напишите полное название школы (или другой организации).
class-ask-email = Ваш e-mail для связи:
class-ask-phone = Телефон для связи (по желанию). Если не хотите его указывать, нажмите «Пропустить».
class-ask-class-name = Напишите название класса так, как его пишет школа, например: 8 «Б».
class-ask-size = Сколько учеников в классе? Число от 1 до { $max }.
class-ask-roster =
    Пришлите список учеников: по одному имени в строке — текстом или файлом (.txt, .csv, .xlsx, до { $max_mb } МБ).
    Не больше { $max } { $max ->
        [one] ученика
       *[other] учеников
    }. Имена будут в сертификатах, поэтому пишите полностью.
class-name-invalid = Название класса — от 1 до { $max } { $max ->
        [one] символа
       *[other] символов
    }.
class-size-invalid = Нужно число от 1 до { $max }.
class-consent-text =
    <b>Согласие на обработку персональных данных</b>

    Нажимая кнопку «Даю согласие», я подтверждаю, что вправе передать данные учеников класса, и даю согласие Международному Союзу «Наследники Победы» на обработку моих данных и данных учеников (ФИО, e-mail и телефон педагога, страна и город, название школы и класса, ФИО учеников) в целях участия в конференции и выдачи сертификатов. Данные не передаются третьим лицам, кроме организаторов. Отозвать согласие и удалить данные можно командой /delete_me.
class-summary =
    <b>Проверьте заявку класса</b>

    Педагог: { $teacher }
    Школа: { $school } ({ $city }, { $country })
    E-mail: { $email }
    Телефон: { $phone }
    Класс: { $class_name }
    Учеников в классе: { $size }
    В списке: { $count }
class-btn-skip = Пропустить
class-btn-roster-ok = ✅ Список верный
class-btn-roster-again = 🔄 Прислать заново
class-btn-accept = ✅ Даю согласие
class-btn-decline = Не даю согласия
class-btn-confirm = ✅ Зарегистрировать класс
class-btn-cancel = ✖️ Отменить
class-registered =
    🎉 Класс <b>{ $class_name }</b> зарегистрирован, учеников в списке: { $count }.

    1️⃣ Напоминания и ссылку на подключение для класса бот пришлёт вам в этот чат. Если у класса есть группа в Telegram, добавьте в неё бота — тогда они будут приходить в группу:
    { $group_link }

    2️⃣ Ссылка, по которой ученики могут сами добавиться в список (каждого вы подтверждаете):
    { $pupil_link }

    Список и данные класса: /classes
class-roster-size = В списке должно быть от 1 до { $max } { $max ->
        [one] ученика
       *[other] учеников
    }.
class-not-found = Класс не найден или его уже нельзя изменить.
class-student-not-found = Этого ученика уже нет в списке.
class-link-invalid = Ссылка класса недействительна или класс отменён. Попросите у педагога новую ссылку.
class-join-ask-name = Вы присоединяетесь к классу <b>{ $class_name }</b> ({ $school }, педагог { $teacher }). Напишите свои фамилию и имя полностью — так они будут в сертификате.
class-join-sent = Заявка отправлена педагогу ({ $teacher }). Мы сообщим, когда её подтвердят.
class-join-already = Вы уже в списке этого класса: { $name }.
class-join-waiting = Ваша заявка ({ $name }) ждёт подтверждения педагога. Мы сообщим, когда её рассмотрят.
class-join-request = Заявка на добавление в класс { $class_name }: <b>{ $name }</b>.
class-join-approve = ✅ Добавить
class-join-decline = ❌ Отклонить
class-join-decided = Эта заявка уже рассмотрена.
class-join-approved = ✅ Вы добавлены в список класса: { $name }.
class-join-declined = Заявка в список класса не подтверждена: { $name }. Если это ошибка, свяжитесь с педагогом.
class-roster-removed = Педагог убрал вас из списка класса: { $name }. Если это ошибка, свяжитесь с педагогом.
class-join-approved-teacher = Добавлено в список: { $name }.
class-join-declined-teacher = Заявка отклонена: { $name }.
group-bound = ✅ Группа привязана к классу { $class_name }. Напоминания о конференции и ссылка на подключение будут приходить сюда.
group-bound-teacher = Группа <b>{ $group }</b> привязана к классу { $class_name }.
group-bind-not-allowed = Привязать группу к классу может только педагог или администратор группы.
group-unbound = Бота удалили из группы <b>{ $group }</b>: она больше не привязана к классу { $class_name }. Чтобы привязать снова, добавьте бота по ссылке из /classes.

classes-none = У вас нет зарегистрированных классов. Зарегистрировать — /class.
classes-card =
    👩‍🏫 <b>{ $class_name }</b>, { $school }
    Учеников в списке: { $count }, ждут подтверждения: { $pending }
    Группа Telegram: { $group }
classes-btn-students = 📋 Список
classes-btn-rename = ✏️ Переименовать
classes-btn-add = ➕ Добавить учеников
classes-btn-remove = ➖ Удалить ученика
classes-btn-replace = 🔄 Заменить список
classes-btn-links = 🔗 Ссылки
classes-btn-cancel = ❌ Отменить регистрацию класса
classes-students = Список класса { $class_name } (⏳ — ждёт подтверждения):
classes-ask-rename = Новое название класса:
classes-ask-add = Пришлите имена новых учеников — по одному в строке, текстом или файлом.
classes-ask-replace = Пришлите новый список полностью — текстом или файлом (.txt, .csv, .xlsx). Он заменит текущий; перед заменой бот покажет, что изменится, и спросит подтверждение.
classes-ask-remove = Кого удалить из списка?
classes-removed = Удалено из списка: { $name }
classes-saved = ✅ Сохранено.
classes-added = ✅ Добавлено учеников: { $count }.
classes-replaced = ✅ Список заменён, учеников: { $count }.
classes-cancelled = Регистрация класса { $class_name } отменена.
classes-already-cancelled = Регистрация этого класса уже отменена.

## Замена списка в /classes: под списком, как его понял бот (roster-preview), — что изменится.
## Имена бот перечисляет под каждой строкой, по одному; $count — сколько их.
classes-replace-changes = <b>Что изменится.</b> Сейчас в списке: { $count }.
classes-replace-same = Состав списка не меняется.
classes-replace-added = ➕ Добавятся в список: { $count }
classes-replace-removed = ➖ Будут удалены из списка: { $count }
classes-replace-joined = ⚠️ Будут удалены и те, кто сам добавился по ссылке и кого вы подтвердили, — в новом списке их нет: { $count }
classes-replace-keep-hint = Чтобы оставить их в списке, нажмите «Заменить, но оставить их».
classes-replace-pending = ⏳ Заявки, которые ждут вашего подтверждения, сохранятся: { $count }.
classes-replace-more = …и ещё { $count }.
classes-replace-question = Заменить список класса { $class_name }?
classes-replace-btn-confirm = ✅ Заменить список
classes-replace-btn-keep = 📌 Заменить, но оставить их
classes-replace-btn-cancel = ✖️ Не менять
classes-replace-cancelled = Список не изменён.
classes-replace-use-buttons = Нажмите кнопку под новым списком: «Заменить список» или «Не менять». Можно и прислать другой список — бот покажет его так же.
classes-replace-certified = Сертификаты этого класса уже выписаны, и номер сертификата каждого ученика зависит от его места в списке. Поэтому заменить список нельзя. Если нужно исправить имя, напишите организаторам.

export-col-class-id = № класса
export-col-class-name = Класс
export-col-teacher = Педагог
export-col-declared-size = Учеников в классе (заявлено)
export-col-students = Учеников в списке
export-col-group = Группа Telegram
export-col-student-status = Статус ученика
report-class-status = { $status ->
    [active] активна
   *[cancelled] отменена
}
report-student-status = { $status ->
    [active] в списке
   *[pending] ждёт подтверждения педагога
}
stats-classes = Классы: { $classes }, учеников в списках: { $students }, групп привязано: { $groups }
