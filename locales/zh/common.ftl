## 通用文本：欢迎、菜单、帮助、联系方式、错误提示。

welcome =
    您好！这里是“我们共同的胜利”国际科学实践视频会议的官方机器人。
    您可以在此报名参会、接收会议提醒和会议链接，会后领取参会证书。
    当前语言：中文。切换语言请发送 /language
    Русский язык — /language

time-span =
    🇨🇳 { $bjt_date } { $bjt_start }—{ $bjt_end }（北京时间）
    🇷🇺 { $msk_date } { $msk_start }—{ $msk_end }（莫斯科时间）
time-moment =
    🇨🇳 { $bjt_date } { $bjt_time }（北京时间）
    🇷🇺 { $msk_date } { $msk_time }（莫斯科时间）

event-format = 参会形式：{ $format ->
    [online] 线上，腾讯会议（VooV Meeting）
    [offline] 线下
   *[hybrid] 线上（腾讯会议）与线下同步进行
}
event-venue = 线下会场：{ $venue }

home-registered = ✅ 您已成功报名：<b>{ $event }</b>
home-choose-event = 目前有多场活动正在接受报名，请选择您要报名的活动：
home-closed = 目前没有正在接受报名的活动。新一期报名开放后，我们会在这里通知您。如有疑问，请联系主办方。

contacts-title = 📞 主办方联系方式（{ $event }）：
contacts-email = 电子邮箱：{ $value }
contacts-phone = 电话：{ $value }
contacts-telegram = Telegram：{ $value }
contacts-whatsapp = WhatsApp：{ $value }
contacts-wechat = 微信：{ $value }
contacts-website = 网站：{ $value }
contacts-none = 主办方暂未公布联系方式。

help =
    <b>机器人功能</b>
    /start — 会议介绍与报名
    /me — 查看我的报名
    /link — 获取会议链接
    /reminders — 开启或关闭会议提醒
    /edit — 修改报名信息
    /class — 为班级报名（教师）
    /classes — 我的班级
    /unregister — 取消报名
    /language — 切换语言 / Язык
    /contacts — 主办方联系方式
    /ticket — 我的入场二维码（线下参会）
    /certificate — 我的参会证书
    /verify — 按编号查验证书
    /cancel — 中止填写报名表（不会保存任何信息）
    /delete_me — 删除我的个人信息
    /help — 查看本帮助

    会议开始前，机器人会发送提醒，并同时注明北京时间和莫斯科时间。腾讯会议链接将在临近开始时发送。

cmd-link = 会议链接
cmd-reminders = 开启或关闭提醒
cmd-start = 会议介绍与报名
cmd-me = 我的报名
cmd-edit = 修改报名信息
cmd-unregister = 取消报名
cmd-language = 切换语言 / Язык
cmd-contacts = 主办方联系方式
cmd-help = 帮助
cmd-cancel = 中止填写
cmd-delete-me = 删除我的信息

btn-register = 📝 立即报名
btn-register-in-chat = 💬 在聊天中填写
btn-language = 🌐 语言 / Язык
btn-contacts = 📞 联系方式
btn-menu-me = 📋 我的报名
btn-menu-edit = ✏️ 修改信息
btn-menu-unregister = ❌ 取消报名
btn-menu-language = 🌐 语言 / Язык
btn-menu-contacts = 📞 联系方式
btn-menu-help = ❓ 帮助
btn-menu-link = 🔗 会议链接
btn-menu-mute = 🔔 开启/关闭提醒
btn-open-private = 打开机器人
btn-keep = 否，保持不变

language-choose = 请选择语言 / Выберите язык：
language-set = 已切换为中文
language-next = 继续请发送 /start

unknown-command = 无法识别该命令。查看全部命令请发送 /help。
not-understood = 抱歉，无法识别您的消息。报名或查看报名请发送 /start，查看全部命令请发送 /help。
action-cancelled = 操作已取消，未做任何更改。
# Another command sent in the middle of an organizer dialogue (handlers/admin/dialogues.py).
dialogue-dropped = ✖️ 未完成的操作已中止，未保存任何更改。
# Between the items of a list made by code: the enumeration comma (姓名、电子邮箱).
list-separator = 、
nothing-to-cancel = 您目前没有正在填写的报名表。如需取消报名，请发送 /unregister。
group-write-private = 报名请在与机器人的私聊中进行，以免群内其他成员看到您的个人信息。

err-stale-button = 此按钮已失效。
err-unexpected = 抱歉，系统出现异常。请稍后再试，您已填写的信息不会丢失。如问题仍然存在，请联系主办方：/contacts
err-generic = 操作未能完成。
err-registration-closed = { $event }的报名已截止。
err-registration-closed-short = 该活动的报名已截止。
err-event-over = { $event }已经结束。
err-already-registered = 您已报名{ $event }。查看或修改信息请发送 /me 或 /edit。
err-unknown-event = 该活动已不在列表中，请发送 /start 重新查看。
err-not-registered = 您没有可以修改或取消的有效报名。报名请发送 /start。
err-form-incomplete = 报名表尚未填写完整，请发送 /start 重新开始。
err-email-taken =
    该电子邮箱已用于{ $event }的另一份报名（例如在网站上的报名）。
    如果这是您本人的报名，请打开您的个人页面，点击“关联 Telegram”；否则请填写其他邮箱。
err-bind-code = 该 Telegram 关联链接已使用或已过期（有效期为24小时）。请打开您的个人页面获取新链接。
err-bind-already-registered = 您已通过本 Telegram 账号报名{ $event }，因此无法再关联网站上的报名。查看报名请发送 /me。如需改为关联网站上的报名，请先发送 /unregister 取消本账号的报名，再重新打开链接。
err-bind-other-account = 该报名已关联其他 Telegram 账号。如有疑问，请联系主办方。
bind-done = ✅ 已将 Telegram 与您的{ $event }报名关联。今后提醒和会议链接也将发送至此。查看报名信息请发送 /me。
