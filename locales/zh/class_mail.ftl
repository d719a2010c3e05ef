## 发送至教师所填班级邮箱的邮件（bot/services/mailing/class_mail.py），以及班级页面上的邮箱验证。
## 正文使用 Telegram 的 HTML 标记。

class-mail-confirm-subject = 请验证班级电子邮箱：{ $event }
class-mail-confirm-text =
    您已为班级报名参加：
    <b>{ $event }</b>

    请打开以下链接，点击“{ web-confirm-button }”按钮，验证您的电子邮箱。该链接将打开班级页面。
class-mail-confirm-after = 验证后，会议提醒、会议当天的入会链接以及班级证书将发送至此邮箱。验证前，我们不会再向此邮箱发送邮件。
class-mail-class-page = 班级页面：{ $url }
class-mail-checkin = 请在会议进行期间为班级签到：打开班级页面，点击“{ checkin-button-class }”。签到后方可获得证书。
class-mail-footer-why = 您是已报名参加以下活动的班级的教师，因此收到此邮件：{ $event }。
class-mail-certificates-subject = 班级证书：{ $event }
class-mail-certificates-text =
    感谢贵班参加本次活动：
    <b>{ $event }</b>

    教师感谢信（编号：{ $number }）及学生证书已准备就绪，可在班级页面打包下载：

## 班级页面。
class-mail-confirm-notice = 请验证班级电子邮箱 { $email }：验证后，会议提醒和入会链接也将通过邮件发送。
class-mail-confirm-notice-sent = 班级电子邮箱 { $email } 尚未验证，因此暂时不会收到邮件。我们已向该邮箱发送一封邮件，请打开邮件中的链接并点击“{ web-confirm-button }”。
class-mail-confirmed = 电子邮箱已验证：班级 { $class_name } 的会议提醒和入会链接也将通过邮件发送。

## /classes 中的班级卡片：班级消息的接收位置。
class-mail-card-to-group = 会议提醒和入会链接将发送至群组 { $group }。
class-mail-card-to-chat = 尚未绑定群组：会议提醒和入会链接将发送至本对话。
class-mail-card-email = 同时发送至邮箱：{ $email }。
class-mail-card-email-unconfirmed = 邮箱 { $email } 尚未验证：请打开邮件中的链接，验证后消息也将通过邮件发送。
class-mail-card-email-bounced = 邮件服务器拒收发往 { $email } 的邮件，因此不会通过邮件发送消息。
class-mail-card-email-muted = 您已退订邮件提醒：邮箱 { $email } 仅接收包含入会链接的邮件和证书。
