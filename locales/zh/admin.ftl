## 主办方控制台。

admin-only = 此按钮仅供主办方使用。
admin-menu = <b>主办方控制台</b>，请选择操作：
admin-btn-stats = 📊 统计数据
admin-btn-export = 📥 导出名单
admin-btn-broadcast = 📣 群发通知
admin-btn-setlink = 🔗 会议链接
admin-btn-event = ⚙️ 活动设置
admin-btn-speakers = 🎤 发言人

cmd-admin = 主办方控制台
cmd-stats = 报名统计
cmd-export = 导出参会者名单（XLSX、CSV）
cmd-broadcast = 向参会者群发通知
cmd-setlink = 腾讯会议链接、会议号、密码
cmd-event = 活动设置
cmd-speakers = 发言申请

admin-no-events = 没有可进行此操作的活动。
admin-choose-event = 请选择活动：
admin-confirm = ✅ 确认
admin-cancel = ✖️ 取消
admin-cancelled = 已取消，未做任何更改。
admin-skip = 跳过
admin-saved = ✅ 已保存。
admin-rejected = 未保存：{ $reason }
admin-err-end-before-start = 结束时间必须晚于开始时间。
admin-err-deadline-after-end = 报名截止时间不能晚于结束时间。
admin-err-venue-required = 线下活动须在活动配置文件中填写会场地址。
admin-err-link = 链接必须以 https:// 开头。
admin-err-unknown-event = 该活动已不在列表中。
admin-err-other = 此项修改与活动的其他设置不一致。
admin-need-text = 请发送文字。
admin-use-buttons = 请点击消息下方的按钮，或发送 /cancel 取消。

admin-event-heading = <b>{ $event }</b>（<code>{ $slug }</code>）
admin-event-state = 状态：{ $state ->
    [open] 报名中
    [closed] 报名已截止
   *[over] 活动已结束
}
admin-event-start = <b>开始时间：</b>
admin-event-end = <b>结束时间：</b>
admin-event-deadline = <b>报名截止：</b>
admin-event-format = 形式：{ $format ->
    [online] 线上
    [offline] 线下
   *[hybrid] 线上与线下同步
}
admin-event-link = 会议链接：{ $link }
admin-event-meeting-id = 会议号：{ $meeting_id }
admin-event-passcode = 会议密码：{ $passcode }
admin-event-reminders = 提前提醒：{ $reminders }
admin-reminder-offset = { $duration }
admin-reminder-separator = 、
duration-days = { $days }天
duration-hours = { $hours }小时
duration-minutes = { $minutes }分钟
duration-seconds = { $seconds }秒
admin-change-starts-at = 🕙 修改开始时间
admin-change-ends-at = 🕐 修改结束时间
admin-change-registration-deadline = ⏳ 修改报名截止时间
admin-ask-time = 请输入新的日期和时间（北京时间）。{ admin-time-formats }

admin-ask-link = 请发送{ $event }的腾讯会议链接（以 https:// 开头）。
admin-link-invalid = 这似乎不是有效链接，请发送以 https:// 开头的链接，如 https://meeting.tencent.com/dm/… 或 https://voovmeeting.com/dm/…。取消请发送 /cancel。
admin-ask-meeting-id = 请发送会议号（例如：123 456 789），或点击“跳过”。
admin-ask-passcode = 请发送会议密码，或点击“跳过”。
admin-link-summary =
    请核对：
    会议链接：{ $link }
    会议号：{ $meeting_id }
    会议密码：{ $passcode }
admin-link-saved = ✅ 会议链接已保存。已收到旧链接的参会者将收到新链接，之后的提醒也将使用新链接。

admin-speaker-waiting = 待审核：{ $count }
admin-speaker-topic = 发言题目：{ $topic }
admin-speaker-from = { $organization }（{ $city }，{ $country }）
admin-speaker-approve = ✅ 通过
admin-speaker-decline = ❌ 不通过
admin-speaker-skip = ⏭ 稍后处理
admin-speaker-approved = 发言申请已通过：{ $name }。已通知本人。
admin-speaker-declined = 发言申请未通过：{ $name }。已通知本人。
admin-speaker-decided = 该申请已处理。
admin-speakers-none = 暂无待审核的发言申请（{ $event }）。

admin-broadcast-audience = { $event }群发通知。请选择发送对象：
# 发送对象名称见 admin_broadcast.ftl 中的 broadcast-audience-name（按变量 $audience 选择）。
admin-audience = { broadcast-audience-name }（{ $count }）
admin-audience-channels = { broadcast-audience-name }（Telegram：{ $telegram }，电子邮件：{ $by_email }）
admin-broadcast-ask-message = 请发送要群发的消息：可带格式的文字、图片或带说明的文件。收件人看到的内容将与此完全一致。
admin-broadcast-not-copyable = 此类消息无法群发，请发送文字、图片或文件。
admin-broadcast-preview = ☝️ 收件人将看到以上内容。收件人数：{ $count }。确认发送吗？
admin-broadcast-preview-channels = ☝️ 收件人将看到以上内容。收件人数：Telegram { $telegram }人，电子邮件{ $by_email }人。确认发送吗？
admin-broadcast-no-email = 此类消息无法通过电子邮件发送：邮件只能包含文字、图片和文件。
admin-broadcast-send = 📣 发送
admin-broadcast-stop = ⏹ 停止
admin-broadcast-stopping = 正在停止群发……
admin-progress = 📣 群发进度：已发送{ $sent }/{ $total }
admin-progress-details = 无法送达：{ $unreachable }，失败：{ $failed }，预计剩余约{ $seconds }秒
admin-report = ✅ <b>群发完成</b>
admin-report-cancelled = ⏹ <b>群发已停止</b>
admin-report-sent = 已送达：{ $count }/{ $total }
admin-report-unreachable = 无法送达（已屏蔽机器人）：{ $count }
admin-report-failed = 发送失败：{ $count }
admin-report-not-sent = 未发送：{ $count }
admin-progress-email = ✉️ 电子邮件：已发送{ $sent }/{ $total }
admin-report-telegram-head = <b>Telegram</b>
admin-report-email-head = <b>电子邮件</b>
admin-report-email = 已发送：{ $sent }，地址被邮件服务器拒收：{ $bounced }，发送失败：{ $failed }，等待发送：{ $waiting }
