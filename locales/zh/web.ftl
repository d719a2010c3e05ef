## 网页：活动列表、活动页面、证书验证、错误页面。
## 时间、参会形式、会场和联系方式沿用通用文本（common.ftl）。

web-site-name = “我们共同的胜利”
web-site-subtitle = 国际科学实践视频会议
web-conference-name = “我们共同的胜利”国际科学实践视频会议
web-language-name = 中文
web-language-switch = 页面语言
web-nav-events = 活动
web-nav-verify = 验证证书
web-home-link = 返回首页

web-events-title = 会议活动
web-events-none-open = 目前没有正在接受报名的活动。新的活动将在本页公布。
web-event-more = 详情与报名
web-state-open = 正在报名
web-state-closed = 报名已截止
web-state-over = 活动已结束
web-state-running = 正在进行

web-event-when = 日期和时间
web-event-organizer = 主办方：{ $organizer }
web-event-about = 活动简介
web-contacts-title = 主办方联系方式
web-back-to-events = 全部活动

web-register-title = 报名
web-register-until = 报名截止时间：
web-register-telegram = 在 Telegram 中报名
web-register-or-telegram = 更习惯使用 Telegram？
web-register-closed = 本活动报名已截止。
web-register-over = 本活动已结束。参会证书可凭证书编号验证真伪。

## 报名表：问题、标签和错误提示沿用机器人报名表（registration.ftl），此处仅为网页特有的文字。
web-form-required-note = 除标注“选填”的项目外，均为必填项。
web-form-optional = （选填）
web-form-section-about = 个人信息
web-form-section-participation = 参会信息
web-form-section-contacts = 联系方式
web-form-country-other = 其他国家
web-form-country-other-label = 国家名称（如选择其他国家）
web-form-topic-hint = 如希望发言，请填写此项。
web-form-phone-hint = 请按国际格式填写，例如 +86 138 0013 8000。
web-form-phone-invalid = 无法识别该号码。请按国际格式输入7–15位数字，例如 +86 138 0013 8000，或将此项留空。
web-form-honeypot = 此项无需填写，请留空。
web-form-consent-version = 同意书版本：
web-form-consent-required = 未经您同意处理个人信息，我们无法为您办理报名。请勾选“同意”后继续。
# 机器人的 consent-text（registration.ftl）的网页版：同意内容相同（同一 CONSENT_VERSION），
# 撤回方式为个人页面上的按钮，而非 /delete_me。小程序（在 Telegram 内）仍使用机器人的同意书。
web-consent-text =
    <b>个人信息处理同意书</b>

    勾选“同意”，即表示我同意国际“胜利继承者”联盟处理我在报名表中填写的个人信息（姓名、国家、城市、单位、电子邮箱、电话），用于会议报名、向我发送会议相关信息以及颁发参会证书。除会议主办方外，上述信息不会提供给任何第三方。本同意在撤回之前持续有效；本人可随时点击个人页面（报名后即打开）上的“{ web-me-erase }”按钮，撤回本同意并删除个人信息。
web-form-required = 请填写此项。
web-form-choose = 请选择一项。
web-form-errors-title = 请检查以下标出的项目：
web-form-expired-title = 表单未提交
web-form-expired-text = 页面打开时间过长，或是在其他浏览器中打开的。您填写的内容已保留在下方：请核对，重新勾选同意后再次提交。
web-form-lost = 已经报名，但找不到链接？

## Telegram 中的报名表（小程序）：网站使用 https 地址时，在机器人中点击活动介绍下方的“立即报名”打开。
miniapp-outside-title = 请在 Telegram 中打开报名表
miniapp-outside-text = 此报名表需在 Telegram 内打开：请在会议机器人中点击活动介绍下方的“立即报名”按钮。
miniapp-outside-bot = 打开机器人
miniapp-outside-web = 没有 Telegram？
miniapp-outside-web-link = 在网站上报名
miniapp-refused-title = Telegram 未能确认您的身份
miniapp-refused-text = 来自 Telegram 的数据未通过验证或已过期（有效期为一天）。请关闭此窗口，从机器人中重新打开报名表。
miniapp-already-title = 您已报名
miniapp-done-title = 报名成功！
miniapp-done-text = 机器人已在聊天中发送报名确认和日历文件。您可以关闭此窗口了。
miniapp-done-page-hint = 您还有一个可在浏览器中打开的个人页面：可在其中修改报名信息，会议当天还可获取参会链接。个人页面链接在此仅显示这一次，之后可在机器人中发送 /me，点击“在浏览器中打开个人页面”获取。
miniapp-done-page = 打开我的个人页面

web-taken-title = 该邮箱已报名
web-taken-text = 该电子邮箱已用于本活动的报名，因此未重复报名。个人页面链接仅在报名完成时显示，此处不再提供：任何人都可能输入这个邮箱。
web-taken-other-address = 使用其他邮箱报名
web-link-help-title = 如何找回个人页面链接
web-link-help-ways = 您可以通过以下方式重新获取个人页面链接：
web-link-help-email = 个人页面链接将通过邮件发送至您报名时填写的邮箱。如果收件箱和垃圾邮件文件夹中都没有该邮件，您可以：
web-link-help-bot = 如果您的报名已关联会议的 Telegram 机器人：在机器人中发送 /me，然后点击“在浏览器中打开个人页面”；
web-link-help-organizers = 或联系主办方，他们会为您提供帮助：
web-link-help-organizers-only = 请联系主办方，他们会为您提供帮助：

web-lost-title = 找回个人页面链接
web-lost-intro-mail = 请填写您报名时使用的电子邮箱，我们会将个人页面链接发送至该邮箱。
web-lost-submit = 提交
web-lost-done-title = 已收到您的请求
web-lost-done-text = 本网站目前不发送电子邮件，因此无法通过邮件发送链接。
web-lost-done-text-mail = 如果该邮箱已报名，我们已向其发送一封包含个人页面链接的邮件。邮件可能会稍有延迟。

web-verify-title = 验证证书
web-verify-intro = 请输入参会证书编号。编号印在证书上，例如 NP25-0001-ABCD。
web-verify-label = 证书编号
web-verify-submit = 验证
web-verify-empty = 请输入证书编号。
web-verify-valid = 证书真实有效
web-verify-number = 编号
web-verify-name = 持有人
web-verify-event = 活动
web-verify-date = 日期
web-verify-not-found-title = 未找到证书
web-verify-again = 验证其他编号

web-choose-title = 请选择语言
web-choose-text = 本页面提供中文和俄文版本。

web-error-code = 错误代码：{ $status }
web-error-400-title = 无法识别请求
web-error-400-text = 页面无法处理该请求。请返回上一页后重试。
web-error-403-title = 表单未被接受
web-error-403-text = 表单可能已过期，或是在其他浏览器中打开的。请重新打开页面，再次提交表单。
web-error-404-title = 页面不存在
web-error-404-text = 未找到该页面。请核对网址，或返回首页。
web-error-405-title = 无法执行此操作
web-error-405-text = 本页面不接受此类请求。请返回首页。
web-error-413-title = 提交的内容过大
web-error-413-text = 提交的内容超过{ $max_mb } MB上限。请缩小文件后重试。
web-error-429-title = 操作过于频繁
web-error-429-text = 您的网络地址短时间内提交了过多表单。请在{ $seconds }秒后重试。
web-error-500-title = 出错了
web-error-500-text = 服务器发生错误，请稍后重试。如果问题仍然存在，请联系主办方并提供错误代码 { $request_id }。

## 参会者个人页面（/me/<链接>）：报名状态、报名信息、修改、取消、删除信息、日历、会议链接、签到、
## 证书、反馈、关联 Telegram。

me-welcome-title = 报名成功！
me-welcome-text = 这是您的个人页面，请将本页链接加入书签。您可以在这里修改报名信息、下载日历文件；会议当天可在这里获取会议链接并签到，会后可下载参会证书。
web-me-title = 我的报名
web-me-private = 这是您的个人页面，请勿将链接转发给他人。
web-me-answers = 我的报名信息
web-me-edit = 修改报名信息
web-me-edit-hint = 修改需要更改的内容后点击“保存”，其他信息保持不变。
web-me-save = 保存
web-me-choose = 请选择一项。
web-me-fix-errors = 部分信息未通过校验，请修改下方标出的内容。
web-me-email-taken = 该电子邮箱已用于本活动的另一份报名，请填写其他邮箱。
web-me-saved = 修改已保存。
web-me-edit-closed = 活动已结束，报名信息无法再修改。
web-me-edit-cancelled = 报名已取消，修改未保存。
web-me-edit-expired = 修改未保存：页面打开时间过长，或是在其他浏览器中打开的。您填写的内容已保留在下方，请核对后再次保存。

web-me-meeting = 参会方式
web-me-meeting-link = 会议链接
web-me-meeting-id = 会议号
web-me-meeting-passcode = 会议密码
web-me-meeting-howto = 请打开链接，或在腾讯会议（VooV Meeting）应用中输入会议号。
web-me-meeting-later = 会议链接将于以下时间在本页公布：
web-me-meeting-not-published = 主办方尚未公布会议链接，公布后将显示在本页。
web-me-venue-line = 会场：{ $venue }

web-me-calendar = 日历
web-me-calendar-download = 添加到日历（.ics）
web-me-calendar-hint = 该文件适用于谷歌日历、苹果日历和 Outlook。
web-me-calendar-description = 会议链接将在您的个人页面上公布。
web-me-calendar-location-online = 线上，腾讯会议（VooV Meeting）（链接见个人页面）

web-me-checkin = 签到
web-me-checkin-hint = 请在会议进行期间签到：签到后方可获得参会证书。
web-me-checked-in = ✅ 您已签到。

web-me-certificate = 参会证书
web-me-certificate-number = 证书编号：{ $number }
web-me-certificate-download = 下载参会证书（PDF）
web-me-certificate-unavailable = 证书已颁发，但目前无法在此下载，请联系主办方。

web-me-feedback = 会议反馈
web-me-feedback-rating = 您的评分
web-me-feedback-stars = { $rating }星
web-me-feedback-comment = 意见与建议
web-me-feedback-send = 提交反馈
web-me-feedback-need-rating = 请选择1至5星的评分。
web-me-feedback-given = 您的评分：{ $stars }。感谢您的反馈！

web-me-telegram = Telegram 提醒
web-me-telegram-hint = 将报名关联到 Telegram 后，提醒和会议链接也会发送到 Telegram。该链接将打开会议机器人，24小时内有效，仅可使用一次。
web-me-telegram-connect = 关联 Telegram
web-me-telegram-connected = ✅ 报名已关联 Telegram，提醒将发送到 Telegram。
web-me-deliver-via = 消息接收方式
web-me-deliver-via-hint = 会议提醒、入会链接和参会证书可以同时发送到 Telegram 和邮箱 { $email }，也可以只通过其中一种方式接收。如果您的 Telegram 有时无法正常使用，建议两种方式都保留。
web-me-deliver-via-both = Telegram 和电子邮件
web-me-deliver-via-telegram = 仅 Telegram
web-me-deliver-via-email = 仅电子邮件
web-me-deliver-via-saved = 已保存，今后将按您选择的方式发送消息。

web-me-manage = 管理报名
web-me-cancel = 取消报名
web-me-cancel-title = 确定取消报名吗？
web-me-cancel-text = 您的报名将被取消：{ $event }。在报名截止前，您可以重新报名。
web-me-cancel-yes = 是，取消报名
web-me-cancelled = 报名已取消。
web-me-restore = 恢复报名
web-me-restored = 报名已恢复。
web-me-keep = 否，返回个人页面
web-me-erase = 删除我的信息
web-me-erase-title = 确定删除您的信息吗？
web-me-erase-text = 本次报名中的姓名、联系方式及报名表内容都将被清除，报名随之取消，本页链接也将失效，仅保留匿名统计数据。此操作无法撤销。
web-me-erase-yes = 是，删除我的信息
web-me-erased-title = 信息已删除
web-me-erased-text = 您的个人信息已删除，个人页面链接已失效。感谢您的参与。
web-me-new-link = 获取新链接
web-me-new-link-hint = 如果本页链接可能已被他人获取，请获取新链接，旧链接将立即失效。
web-me-new-link-title = 您的新链接
web-me-new-link-text = 请妥善保存，该链接仅显示一次。旧链接已失效。
web-me-new-link-open = 通过新链接打开个人页面

## 网页班级报名（/e/<活动>/class）及班级页面（/class/<链接>）。
## 问题、错误提示及名单识别结果沿用机器人中的班级报名文本（classes.ftl、roster.ftl）。
web-class-register = 班级报名
web-class-register-hint = 教师可为整个班级报名：学生名单可直接粘贴，也可上传文件。
web-class-title = 班级报名
web-class-intro = 请先填写教师信息，再填写班级信息和学生名单（最多{ $max }人）：名单可直接粘贴，也可上传文件。提交前您将看到系统对名单的识别结果。
web-class-section-teacher = 教师信息
web-class-section-class = 班级信息
web-class-section-roster = 学生名单
web-class-field-teacher-name = 教师姓名
web-class-field-school = 学校（单位）
web-class-field-class-name = 班级名称
web-class-field-size = 班级人数
web-class-field-roster = 粘贴名单
web-class-roster-hint = 每行一名学生，请填写全名，证书上将按此印制。
web-class-field-roster-file = 或上传名单文件
web-class-roster-file-hint = .txt、.csv 或 .xlsx 文件，不超过{ $max_mb } MB，每行一个姓名。如已选择文件，将以文件中的名单为准。
web-class-roster-file-again = 修改表单时不会保留已选文件，请重新选择。
web-class-roster-required = 请粘贴学生名单或选择名单文件。
web-class-next = 核对名单
web-class-preview-title = 请核对班级报名信息
web-class-preview-hint = 以下是系统对名单的识别结果。如无误，请确认报名；如有问题，请返回修改。
web-class-preview-count = 名单共{ $count }人。
web-class-preview-no-repeats = 没有重复的姓名。
web-class-preview-no-blank = 没有空行。
web-class-confirm = 确认报名
web-class-back = 返回修改
web-class-taken-title = 该班级已报名
web-class-taken-text = 此邮箱已为该活动报名过同名班级。班级页面链接已在报名后显示；如链接遗失，请联系主办方。
# 机器人的 class-consent-text（classes.ftl）的网页版：同意内容相同（同一 CONSENT_VERSION），
# 撤回方式为班级页面上的按钮，而非 /delete_me。
web-class-consent-text =
    <b>个人信息处理同意书</b>

    勾选“同意”，即表示我确认有权提供本班学生的信息，并同意国际“胜利继承者”联盟为参会及颁发证书之目的处理我本人及学生的信息（教师姓名、电子邮箱、电话，所在国家和城市，学校及班级名称，学生姓名）。除主办方外，上述信息不会提供给任何第三方。本人可随时点击班级页面（报名后即打开）上的“{ web-class-erase }”按钮，撤回本同意并删除上述信息。

web-class-page-title = 班级页面
web-class-private = 这是班级页面，请勿将链接转发给他人。
web-class-welcome-title = 班级报名成功
web-class-welcome-text = 请保存本页链接（例如添加到书签）：报名截止前可在此修改名单或取消报名，活动结束后可在此下载学生证书。
web-class-status = { $status ->
        [active] 班级已报名。
       *[cancelled] 班级报名已取消。
    }
web-class-details = 班级信息
web-class-roster = 学生名单
web-class-pending = 待确认
web-class-edit-roster = 修改名单
web-class-edit-roster-hint = 新名单将完整替换当前名单。报名截止前均可修改。
web-class-replace = 替换名单
web-class-edit-closed = 报名已截止，班级名单无法再修改。
web-class-manage = 报名管理
web-class-cancel = 取消班级报名
web-class-cancel-title = 确定取消班级报名吗？
web-class-cancel-text = 班级{ $class_name }的以下活动报名将被取消：{ $event }。取消后如需参加，须重新报名。
web-class-cancel-yes = 是，取消报名
web-class-keep = 否，返回班级页面
web-class-checkin-hint = 请在会议进行期间为班级签到，签到后方可获得证书。
web-class-checked-in = ✅ 班级已签到。
web-class-certificates = 班级证书
web-class-certificates-number = 感谢信编号：{ $number }
web-class-certificates-hint = 教师感谢信及每名学生的证书均为单独的 PDF 文件，打包为一个压缩文件。
web-class-certificates-zip = 下载全部证书（ZIP）
web-class-letter = 下载感谢信（PDF）
web-class-certificates-file-name = 班级证书-{ $number }
web-class-calendar-description = 会议链接将在班级页面上公布。
web-class-calendar-location-online = 线上，腾讯会议（VooV Meeting）（链接见班级页面）
web-class-requests = 学生申请
web-class-requests-hint = 以下学生通过 Telegram 中的班级链接申请加入名单，请逐一确认或拒绝。
web-class-telegram = 班级与 Telegram
web-class-join-link-hint = 学生链接：学生在 Telegram 中打开此链接并输入姓名后，申请将显示在本页的“{ web-class-requests }”栏中，由您确认或拒绝。报名截止前此链接有效。
web-class-group-link-hint = 通过此链接将机器人添加到班级的 Telegram 群组后，会议提醒和入会链接将以一条消息发送到群里。仅群组管理员可以绑定群组。
web-class-group-bound = ✅ 已绑定 Telegram 群组：{ $group }。会议提醒将发送到该群。
web-class-erase = 删除我的信息及班级名单
web-class-erase-title = 确定删除班级信息吗？
web-class-erase-text = 您的教师信息（姓名、国家、城市、学校、电子邮箱和电话）及{ $class_name }的学生名单都将被清除，班级报名随之取消，本页链接也将失效，仅保留匿名统计数据。此操作无法撤销。
web-class-erase-yes = 是，删除信息
web-class-erased-title = 信息已删除
web-class-erased-text = 您的信息及班级名单已删除，班级页面链接已失效。感谢您的参与。
