## 会议提醒、会议链接、日历文件。

countdown-days = { $days }天后
countdown-days-hours = { $days }天{ $hours }小时后
countdown-hours = { $hours }小时后
countdown-hours-minutes = { $hours }小时{ $minutes }分钟后
countdown-minutes = { $minutes }分钟后

reminder-before = 🔔 提醒：<b>{ $event }</b>将于{ $countdown }开始。
reminder-start = 🎬 <b>{ $event }</b>现在开始！
reminder-venue = 🏛 欢迎您前往线下会场：{ $venue }
reminder-link-later = 会议链接将在临近开始时发送给您。
reminder-class-head = 👩‍🏫 班级：<b>{ $class_name }</b>
reminder-class-checkin = 全班入会后，请点击“{ checkin-button-class }”。
reminder-class-to-teacher = 在重新绑定群组之前，本班的会议提醒和入会链接将发送到此对话。

link-title = 🔗 <b>腾讯会议（VooV Meeting）入会信息</b>
link-url = 会议链接：{ $link }
link-meeting-id = 会议号：<code>{ $meeting_id }</code>
link-passcode = 会议密码：<code>{ $passcode }</code>
link-howto = 点击链接，或打开腾讯会议（VooV Meeting）应用输入会议号即可入会。
link-not-published = 主办方尚未公布会议链接，公布后机器人会第一时间发送给您。
link-for-event = <b>{ $event }</b>
link-comes-later = 🔗 会议链接将在以下时间前发送给您：
link-no-registration = 会议链接仅发送给已报名的参会者。报名请发送 /start。
link-changed = ⚠️ { $event }的会议链接已更新，请使用新链接：
link-published = 🔗 { $event }的会议链接已公布：

reminders-muted = 🔕 已关闭会议提醒。包含会议链接的消息仍会照常发送。重新开启请发送 /reminders。
reminders-on = 🔔 已开启会议提醒。

calendar-caption = 📅 将会议添加到日历：打开此文件即可导入谷歌日历、苹果日历或 Outlook。
calendar-location-online = 线上，腾讯会议（链接将由机器人发送）
calendar-description-bot = 会议链接和提醒将通过 Telegram 机器人发送。

checkin-button = ✅ 签到
checkin-button-class = ✅ 本班签到
checkin-done = ✅ 签到成功，感谢您的参与！
checkin-already = 您已签到。
checkin-not-registered = 仅已报名的参会者可以签到。
checkin-closed = 只能在会议进行期间签到。
checkin-not-here = 此按钮用于班级签到，仅在本班群内或该班教师的对话中有效。
checkin-class-done = ✅ { $class_name }签到成功，感谢您的参与！
checkin-class-already = { $class_name }已签到。
