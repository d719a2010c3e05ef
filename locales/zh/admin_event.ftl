## /event: moving the event, and the notice of a new time as the organizer sees it (what
## participants read is in moved.ftl)

admin-move-event = 🗓 活动改期
admin-ask-move = 请输入新的开始日期和时间（北京时间）。{ admin-time-formats }结束时间将随之调整，活动时长不变。
admin-move-hint = 如需同时调整开始和结束时间，请点击“🗓 活动改期”。
admin-time-unchanged = 时间与当前相同，无需修改。
admin-move-check = 🗓 请核对新的活动时间：<b>{ $event }</b>
admin-move-was = 原时间：
admin-move-will-be = 新时间：
admin-move-audience = 确认后将立即发送新时间及更新后的日历文件：
admin-move-audience-telegram = • Telegram：参会者{ $telegram }位
admin-move-audience-email = • 电子邮件：参会者{ $by_email }位
admin-move-audience-classes = • 班级（发送至班级群，未绑定群的发送至教师私聊）：{ $classes }个
admin-move-unreachable-people = ⚠️ 无法通知的参会者：{ $unreachable }位（既未与机器人对话，也没有已验证的电子邮箱）。
admin-move-unreachable-classes = ⚠️ 无法通知的班级：{ $classes }个（未绑定班级群，教师也未使用机器人）。
admin-move-confirm-question = 是否保存新时间并发送通知？
admin-move-saved = ✅ 新时间已保存，正在发送通知……
admin-move-report = 📣 新时间通知已发送：<b>{ $event }</b>
admin-move-report-telegram = • Telegram 已送达：{ $sent }
admin-move-report-failed = • Telegram 发送失败：{ $failed }
admin-move-report-email = • 电子邮件（已发送或排队中）：{ $by_email }
admin-move-report-classes = • 已通知班级：{ $classes }
admin-move-report-not-reached = • 未能通知（既无机器人聊天也无电子邮箱）：{ $unreachable }
audit-action-move_event = 活动改期
audit-action-move_event_file = 活动改期（在配置文件中）
audit-who-events-file = 活动配置文件（events.toml）

## 主办方输入的日期和时间（bot/services/events/time_input.py）：/event 及定时群发。
## 未注明时区时，中文界面按北京时间理解，俄文界面按莫斯科时间理解。
admin-time-formats = 例如：<code>2025年8月21日 15:00</code>、<code>8月21日 15:00</code> 或 <code>2025-08-21 15:00</code>。可省略年份，默认取距今最近的该日期。默认为北京时间；如为其他时区，请在时间后注明，例如 <code>2025-08-21 15:00（莫斯科时间）</code> 或 <code>2025-08-21 15:00 +03:00</code>。
time-input-unreadable = 无法识别该时间。
time-input-incomplete = 请同时填写日期和时间。
time-input-no-such-date = 该日期或时间不存在，请核对日、月和小时。
time-input-ambiguous = 该写法有歧义：用“/”分隔且年份不在最前的日期（<code>03/09</code> 是3月9日还是9月3日？），或同时注明了两个不同的时区。请按“年-月-日”或“X月X日”书写，例如 <code>2025-09-03</code> 或 <code>9月3日</code>。
admin-time-saved = ✅ 已保存：
admin-time-typed = 您输入的时间：
admin-time-now = 当前时间：
admin-time-past = ⚠️ 未保存：该时间已过，而活动尚未结束，不能将活动改到过去的时间。请核对日期和时区。

## 已结束的活动：事后更正时间，不通知参会者。
admin-history-check = 🗓 活动已结束：<b>{ $event }</b>。是否更正机器人记录中的活动时间？
admin-history-nobody-told = 不会通知参会者：已结束活动的时间更正不发送通知。
admin-history-question = 是否保存更正后的时间？
admin-history-saved = ✅ 时间已保存，未向参会者发送任何消息。
