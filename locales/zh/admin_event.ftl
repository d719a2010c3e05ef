## /event: moving the event, and the notice of a new time as the organizer sees it (what
## participants read is in moved.ftl)

admin-move-event = 🗓 活动改期
admin-ask-move = 请按莫斯科时间发送新的开始时间，格式为 <code>2026-05-06 10:00</code>（也可注明时区：<code>2026-05-06 15:00 +08:00</code>）。结束时间将随之调整，活动时长不变。
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
