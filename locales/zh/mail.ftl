## 电子邮件：验证电子邮箱、报名成功、会议提醒、个人页面链接。
## 邮件正文使用 Telegram 的 HTML 标记（<b>、<a>、<code>），并据此生成纯文本和 HTML 两个部分。
## 时间、入会链接和会场信息沿用通用文本（reminders.ftl）。

mail-greeting = { $name }，您好！
mail-signature = “我们共同的胜利”国际会议主办方

mail-confirm-subject = 请验证您的电子邮箱：{ $event }
mail-confirm-text =
    您已报名参加：
    <b>{ $event }</b>

    请打开以下链接，点击“{ web-confirm-button }”按钮，以完成报名。
mail-confirm-ignore = 如果您并未报名，无需任何操作：未验证邮箱的报名将在{ $days }天后自动删除。

mail-registered-subject = 报名成功：{ $event }
mail-registered-text =
    您的报名已确认：
    <b>{ $event }</b>
mail-registered-next = 会议开始前，我们将通过邮件向您发送提醒。在个人页面上，您可以修改报名信息；会议当天可在该页面获取入会链接、签到，会后下载参会证书：
mail-registered-next-started = 会议已经开始。在个人页面上，您可以修改报名信息、签到，会后下载参会证书：
mail-registered-calendar = 附件为日历文件，可导入谷歌日历、苹果日历或 Outlook。

mail-again-subject = 您的报名链接：{ $event }
mail-again-text =
    该邮箱地址已报名参加：
    <b>{ $event }</b>

    系统未重复报名。您填写的全部信息可在个人页面查看和修改：
mail-lost-subject = 个人页面链接：{ $event }
mail-lost-text =
    您申请获取以下活动的个人报名页面链接：
    <b>{ $event }</b>
mail-not-you = 如果这不是您本人的操作，请直接删除此邮件。

mail-reminder-subject = { $event }将于{ $countdown }开始
mail-start-subject = 会议现在开始：{ $event }
mail-link-changed-subject = 入会链接已更新：{ $event }
mail-link-published-subject = 入会链接已公布：{ $event }
mail-link-later = 入会链接将在临近开始时通过邮件发送给您，也会显示在您的个人页面上。
mail-link-not-published = 主办方尚未公布会议链接，公布后我们会第一时间通过邮件发送给您。
mail-checkin = 请在会议进行期间签到：打开个人页面，点击“{ checkin-button }”。签到是获得参会证书的必要条件。

mail-certificate-subject = 参会证书：{ $event }
mail-certificate-text =
    感谢您参加本次活动：
    <b>{ $event }</b>

    随信附上您的参会证书（PDF），证书编号：{ $number }。
mail-certificate-verify = 证书真伪可通过以下网址查验：{ $url }
mail-certificate-feedback = 您的意见对我们非常重要。欢迎在个人页面为本次会议打分并留下反馈：

mail-broadcast-subject = { $event }：通知

mail-your-page = 个人页面：{ $url }
mail-footer-why = 您是以下活动的参会者，因此收到此邮件：{ $event }。
mail-footer-unsubscribe = 不想再通过邮件接收会议提醒和通知？退订：{ $url }
mail-footer-unsubscribe-note = 包含入会链接的邮件和参会证书仍会照常发送。

## 邮件中链接所打开的网页。
web-confirm-title = 验证电子邮箱
web-confirm-text = 请点击下方按钮，验证您的电子邮箱并完成以下活动的报名：
web-confirm-button = 验证电子邮箱
web-confirmed = 电子邮箱已验证，报名完成。附有日历文件的邮件已发送。
web-check-mail-title = 请查收邮件
web-check-mail-text = 我们已向您填写的邮箱发送了一封邮件。请打开邮件中的链接。如果电子邮箱尚未验证，请在打开的页面上点击“{ web-confirm-button }”，以完成报名。没有收到邮件？请查看垃圾邮件文件夹，或联系主办方。
web-check-mail-lost = 重新发送邮件
web-confirm-notice = 请验证您的电子邮箱 { $email }：验证后，会议提醒和入会链接也将通过邮件发送给您。
web-confirm-notice-sent = 您的电子邮箱 { $email } 尚未验证，因此暂时不会收到邮件提醒。我们已向该邮箱发送一封邮件，请打开邮件中的链接并点击“{ web-confirm-button }”。
web-confirm-notice-again = 没有收到邮件？重新发送
web-unsubscribe-title = 邮件提醒
web-unsubscribe-text = 确定退订会议提醒和通知邮件吗？包含入会链接的邮件和参会证书仍会照常发送。
web-unsubscribe-button = 退订
web-unsubscribed = 退订成功，今后将不再通过邮件向您发送会议提醒和通知。包含入会链接的邮件和参会证书仍会照常发送。
