## 群发通知：发送对象、按名单发送与单独发送、无法送达的人数及原因、定时群发。

# 发送对象名称：用于发送对象按钮和定时群发列表。
broadcast-audience-name = { $audience ->
    [checked-in] 已签到的参会者
    [not-checked-in] 未签到的参会者
    [speakers] 发言人
    [offline] 线下参会者
    [online] 线上参会者
    [teachers] 报名身份为教师的参会者
    [class-teachers] 已报名班级的教师
    [lang-ru] 使用俄语界面的参会者
    [lang-zh] 使用中文界面的参会者
    [person] 指定的一位参会者
    [list] 名单中的参会者
   *[all] 全体参会者
}
# 部分人员无法送达：“全体参会者（可送达35/40）”。
broadcast-audience-partial = { broadcast-audience-name }（可送达{ $count }/{ $total }）
broadcast-audience-channels-partial = { broadcast-audience-name }（Telegram：{ $telegram }，电子邮件：{ $by_email }；无法送达：{ $unreachable }）
broadcast-audience-hint = 括号内为可送达人数。如有人员无法送达，选择发送对象后将说明原因。
broadcast-btn-list = 📄 按名单发送：Telegram ID 或电子邮箱

broadcast-reach = 发送对象共{ $total }人，可送达{ $count }人。
broadcast-unreachable-head = 无法送达：{ $unreachable }人
broadcast-reason = { $reason ->
    [blocked] 已屏蔽机器人
    [unsubscribed] 已退订电子邮件通知
    [bounced] 电子邮箱被邮件服务器拒收
    [not-a-letter] 仅能通过电子邮件联系，但此类消息无法以邮件发送
    [no-telegram] 未与机器人建立 Telegram 对话，且电子邮件发送未开启
    [site-class] 班级通过网站报名，教师未与机器人建立 Telegram 对话
   *[no-channel] 未与机器人建立 Telegram 对话，电子邮箱也未验证
}
broadcast-reason-count = { broadcast-reason }：{ $count }
broadcast-report-reach = 发送时发送对象共{ $total }人，可送达{ $count }人。未送达原因：

broadcast-ask-list =
    请发送收件人名单：.txt 或 .csv 文件（不超过{ $max_kb }KB），或直接以文字发送。
    名单可包含 Telegram ID、电子邮箱、@用户名或电话号码，每行一个或以逗号分隔，最多{ $max }条。电话号码的写法如：+86 138 0013 8000、13800138000、+7 901 765-43-21。仅本次会议的报名者会收到消息。
broadcast-list-bad-file = 请发送不超过{ $max_kb }KB的 .txt 或 .csv 文件，或直接以文字发送名单。
broadcast-list-too-long = 名单过长：最多{ $max }条，请分批发送。
broadcast-list-empty = 名单中没有 Telegram ID、电子邮箱、@用户名或电话号码。请重新发送名单，或发送 /cancel 取消。
broadcast-list-matched = 找到报名记录：{ $count }条（名单共{ $total }条）。
broadcast-list-unmatched = 未在本次会议报名者中找到：{ $count }条
broadcast-list-more = ……另有{ $count }条
broadcast-list-unrecognised = 无法识别、已跳过（非 ID、电子邮箱、@用户名或电话号码）：{ $count }条
broadcast-list-none = 名单中无人报名本次会议。请发送其他名单，或发送 /cancel 取消。

broadcast-person =
    向一位参会者发送消息：<b>{ $name }</b>
    会议：{ $event }
    送达方式：{ $via ->
        [both] Telegram 和电子邮件
        [email] 电子邮件
       *[telegram] Telegram
    }
broadcast-person-ask-message = 请发送要发给 <b>{ $name }</b> 的消息：可带格式的文字、图片或带说明的文件。对方看到的内容将与此完全一致。
broadcast-person-preview = ☝️ <b>{ $name }</b> 将看到以上内容{ $via ->
    [both] （通过 Telegram 和电子邮件）
    [email] （通过电子邮件）
    [telegram] （通过 Telegram）
   *[none] {""}
}。确认发送吗？
broadcast-person-not-copyable = 此类消息无法发送，请发送文字、图片或文件。
broadcast-person-unreachable = { $name }：消息无法送达（{ broadcast-reason }）。
broadcast-person-unknown = 未找到该报名记录，相关信息可能已被删除。
broadcast-person-not-active = 该报名已取消或尚未验证，消息未发送。

broadcast-btn-later = 🕓 定时发送
broadcast-ask-time = 请输入发送时间（北京时间）。{ admin-time-formats }
broadcast-time-past = 该时间已过，请输入将来的时间。您输入的时间：
broadcast-time-too-late = 定时群发最晚只能安排在活动结束后{ $days }天内，即不晚于：
broadcast-scheduled = 🕓 <b>已安排定时群发。</b>发送对象：{ broadcast-audience-name }
broadcast-scheduled-note = 收件人将在发送时确定：在此之后报名的参会者也会收到消息。发送前请勿删除您的原消息，收件人收到的是该消息的副本。开始发送前，可在此处或通过 /broadcast 取消。
broadcast-btn-unschedule = ✖️ 取消定时群发
broadcast-btn-unschedule-row = ✖️ 取消第{ $row }项
broadcast-scheduled-head = 🕓 <b>定时群发</b>
broadcast-scheduled-item = { $row }. { broadcast-audience-name }
broadcast-unscheduled = 定时群发已取消，消息未发送。
broadcast-unschedule-late = 该群发已开始或已取消。正在进行的群发可通过进度消息中的“停止”按钮停止。
broadcast-scheduled-started = 🕓 定时群发已开始。

audit-action-broadcast-scheduled = 安排定时群发
audit-action-broadcast-unscheduled = 取消定时群发
audit-detail-scheduled-at = 发送时间
audit-detail-listed = 名单条数
