## Сертификаты, проверка, отзывы.

cmd-certificate = Мой сертификат
cmd-verify = Проверить сертификат по номеру
cmd-certificates = Сертификаты: просмотр, рассылка, исправление
admin-btn-certificates = 🎓 Сертификаты

certificate-none = Сертификатов у вас пока нет. Они приходят после конференции участникам, которые отметились во время неё.
certificate-caption = 🎓 Сертификат участника № { $number }
certificate-class-caption = 🎓 Благодарственное письмо и сертификаты учащихся класса { $class_name }, № { $number }
# File names of the PDFs (without .pdf): no spaces, no characters a file name cannot hold.
certificate-file-name = Сертификат-{ $number }
certificate-class-file-name = Благодарственное-письмо-{ $number }
verify-usage = Пришлите номер сертификата так: <code>/verify NP25-0001-ABCD</code>
verify-not-found = Сертификат с номером { $number } не найден. Проверьте номер.
verify-found =
    ✅ Сертификат № { $number } действителен.
    Кому выдан: { $name }
    Мероприятие: { $event }, { $date }
feedback-ask-rating = Спасибо за участие! Оцените, пожалуйста, конференцию от 1 до 5:
feedback-ask-comment = Хотите что-нибудь добавить? Напишите пару слов или нажмите «Пропустить».
feedback-thanks = Спасибо за отзыв!

admin-cert-summary =
    🎓 Сертификаты: <b>{ $event }</b>
    Могут получить сертификат: { $eligible }{ $attendance ->
        [true] {" "}(только отметившиеся)
       *[false] {""}
    }
admin-cert-preview = 👁 Образец
admin-cert-send = 📨 Отправить всем, у кого ещё нет
admin-cert-fix = ✏️ Исправить имя и переотправить
admin-cert-sample-name = Иванова Мария Петровна
admin-cert-preview-caption = Образец сертификата с тестовым именем.
admin-cert-sending = Выпущено новых сертификатов: { $issued }. Отправляю…
admin-cert-report = ✅ Сертификаты отправлены: { $sent }, недоступны: { $unreachable }, ошибки: { $failed }.
admin-cert-ask-number = Пришлите номер сертификата, в котором нужно исправить имя.
admin-cert-ask-name = Сейчас в сертификате: { $name }. Пришлите имя так, как оно должно быть написано.
admin-cert-reissued = { $sent ->
        [0] ⚠️ Сертификат { $number } исправлен, но отправить его не удалось. Получатель может запросить его командой /certificate.
       *[other] ✅ Сертификат { $number } исправлен и отправлен заново.
    }
stats-feedback = Отзывы: { $count }, средняя оценка { NUMBER($average, maximumFractionDigits: 2) } из 5, с комментарием: { $comments }
export-col-rating = Оценка (1–5)
export-col-comment = Комментарий
