## 查找参会者、教师和学生（/find），并在信息卡中更正。

find-ask = 🔎 请发送要查找的内容：姓名（或其中一部分）、电子邮箱、电话、@用户名、Telegram ID或证书编号。取消请发送 /cancel。
find-need-text = 请发送文字：姓名、电子邮箱、电话、@用户名、Telegram ID或证书编号。取消请发送 /cancel。
find-too-short = 查找内容过短：{ $value }。请至少发送姓名中的两个字母（或一个汉字）、电话号码中的五位数字、@用户名或证书编号。
find-nothing = 未找到：{ $value }
find-results = 🔎 <b>{ $value }</b>：共找到{ $total }条结果，请选择：
find-stale = 此列表已过期，请发送 /find 重新查找。
find-no-name = （无姓名）

## 报名信息卡。

find-card-status = 状态：{ $status ->
    [active] ✅ 有效
    [pending] ⏳ 电子邮箱待验证
   *[cancelled] ❌ 已取消
}
find-card-registered = 报名时间：{ $date }，{ $source ->
    [web] 通过网站
    [miniapp] 通过小程序
   *[bot] 通过机器人
}
find-card-speaker = 发言申请：{ $status ->
    [approved] 已通过
    [declined] 未通过
   *[pending] 待审核
}
find-card-telegram = Telegram：{ $kind ->
    [id] <code>{ $user_id }</code>
   *[username] @{ $username }（<code>{ $user_id }</code>）
} — { $status ->
    [yes] ✅ 可以联系
    [blocked] 🚫 已屏蔽机器人
   *[none] 未与机器人对话
}
find-card-no-telegram = Telegram：未关联（通过网站报名）。
find-card-email = 电子邮箱：{ $email } — { $status ->
    [yes] ✅ 已验证
    [unconfirmed] ⏳ 未验证
    [bounced] 🚫 无法送达：邮件服务器拒收
    [muted] 🔕 已退订提醒和通知
   *[none] 未填写
}
find-card-email-error = 邮件服务器回复：{ $reason }
find-card-deliver-via = 接收消息：{ $via ->
    [telegram] 仅通过Telegram
    [email] 仅通过电子邮箱
   *[both] 通过Telegram和电子邮箱
}
find-card-checked-in = ☑️ 签到：{ $date }（{ $method ->
    [button] 按钮签到
    [code] 口令签到
    [web] 个人页面签到
    [organizer] 主办方代为签到
    [class] 班级签到
   *[other] 已签到
}）
find-card-not-checked-in = 尚未签到。
find-card-certificate = 🎓 证书 <code>{ $number }</code>：{ $status ->
    [sent] ✅ 已通过Telegram发送
    [blocked] 🚫 未能通过Telegram送达：已屏蔽机器人
    [error] ⚠️ 因错误未能发送
   *[issued] 已颁发，尚未通过Telegram发送
}
find-card-certificate-error = 原因：{ $reason }
find-card-certificate-mail = 证书邮件：{ $status ->
    [sent] ✅ 已发送
    [queued] ⏳ 等待发送
    [claimed] ⏳ 正在发送
    [unreachable] 🚫 邮箱无法送达
   *[failed] ⚠️ 因错误未能发送
}
find-card-certificate-name = ⚠️ 证书上的姓名不同：{ $name }。如需按更正后的姓名重新颁发（编号不变），请点击“重新发送证书”。
find-card-no-certificate = 尚无证书。
find-card-reminders = 🔔 提醒：
find-card-reminder-line = { $channel ->
    [email] 电子邮箱
   *[telegram] Telegram
}：{ $value }
find-card-no-reminders = 🔔 尚未发送过提醒。
find-reminder-start = 开始通知
find-reminder-link = 新链接

## 班级和学生信息卡。

find-class-status = 状态：{ $status ->
    [active] ✅ 班级已报名
   *[cancelled] ❌ 班级报名已取消
}
find-class-teacher = 教师：{ $teacher }
find-class-school = 学校：{ $school }（{ $city }，{ $country }）
find-class-roster = 名单人数：{ $count }（报名时填写：{ $size }）
find-class-waiting = 待教师确认：{ $pending }
find-class-group = Telegram群：{ $group }
find-class-no-group = 未绑定Telegram群。
find-class-group-messages = 机器人在群内发送的消息：{ $count }
find-class-pupils = 🎒 班级学生：{ $total }人。请选择学生：
find-class-no-pupils = 班级名单中没有学生。
find-pupil-status = { $status ->
    [active] ✅ 已在班级名单中
   *[pending] ⏳ 待教师确认
}
find-pupil-class = 班级：{ $class_name }
find-pupil-certificate = 🎓 在班级证书中的页码编号：<code>{ $number }</code>

## 信息卡按钮。

find-btn-edit = ✏️ 修改报名信息
find-btn-cancel = ❌ 取消报名
find-btn-cancel-yes = ❌ 确认取消报名
find-btn-restore = ♻️ 恢复报名
find-btn-attended = ☑️ 标记为已签到
find-btn-not-attended = ↩️ 撤销签到
find-btn-resend = 🎓 重新发送证书
find-btn-message = ✉️ 给此人发消息
find-btn-back = ◀ 返回信息卡
find-btn-pupils = 🎒 学生（{ $count }）
find-btn-class = 🏫 班级信息卡
find-btn-rename = ✏️ 更正姓名
find-btn-phone-clear = 🗑 删除电话
find-btn-venue = 🏛 更改会场
find-btn-venue-online = 💻 改为线上参会

## 更正。

find-edit-choose = 要修改哪一项？<b>{ $name }</b>
find-edit-ask = 请发送“{ $field }”的新内容。当前：{ $value }
    取消请发送 /cancel。
find-edit-choose-value = 请选择“{ $field }”的新内容。当前：{ $value }
find-edit-ask-topic = 请发送发言题目：没有题目，发言申请无法保存。取消请发送 /cancel。
find-need-value = 请以文字形式发送新内容。取消请发送 /cancel。
find-edit-saved = ✅ 已保存：{ $field }。
find-edit-email-unconfirmed = 新邮箱尚未经本人验证：验证之前，不会向其发送邮件提醒。
find-edit-name-certificate = 已颁发的证书 <code>{ $number }</code> 上仍是原姓名。如需按新姓名重新颁发（编号不变）并发送，请点击“重新发送证书”。
find-cancel-confirm =
    确定取消报名吗？<b>{ $name }</b>
    { $event }
    { $via ->
        [telegram] 参会者将通过Telegram收到通知。
        [email] 参会者将收到通知邮件。
        [both] 参会者将通过Telegram收到通知，并收到通知邮件。
       *[none] 无法通知参会者：Telegram和已验证的电子邮箱均无法送达。
    }
find-cancelled = ❌ 报名已取消：{ $name }。{ $told ->
    [telegram] 已通过Telegram通知参会者。
    [email] 已向参会者发送通知邮件。
    [both] 已通过Telegram通知参会者，并发送通知邮件。
   *[none] 未通知参会者：Telegram和已验证的电子邮箱均无法送达。
}
find-restored = ♻️ 报名已恢复：{ $name }。{ $told ->
    [telegram] 已通过Telegram通知参会者。
    [email] 已向参会者发送通知邮件。
    [both] 已通过Telegram通知参会者，并发送通知邮件。
   *[none] 未通知参会者：Telegram和已验证的电子邮箱均无法送达。
}
find-venue-changed = 🏛 会场已更改：{ $name }。{ $told ->
    [telegram] 已通过Telegram通知参会者。
    [email] 已向参会者发送通知邮件。
    [both] 已通过Telegram通知参会者，并发送通知邮件。
   *[none] 未通知参会者：Telegram和已验证的电子邮箱均无法送达。
}
find-attended = ☑️ 已标记为签到。
find-attended-already = 此前已签到。
find-not-attended = ↩️ 签到已撤销。已颁发的证书仍然有效。
find-not-attended-already = 本来就没有签到记录。
find-resent = 🎓 证书 <code>{ $number }</code> 已按原编号重新颁发：{ $status ->
    [sent] ✅ 已通过Telegram发送。
    [error] ⚠️ 未能通过Telegram送达。
    [waiting] 未通过Telegram发送：参会者选择了电子邮箱。
   *[none] 未通过Telegram发送：未与机器人对话（证书可在个人页面下载）。
}
find-resent-mail = ✉️ 证书邮件已加入发送队列。
find-pupil-ask-name = 请发送更正后的学生姓名，证书上将按此打印。取消请发送 /cancel。
find-pupil-renamed = ✅ 姓名已更正：{ $name }。班级证书上将按此打印。
find-venue-choose = 🏛 为<b>{ $name }</b>选择会场。剩余座位为当前数据；空出的座位将由候补名单中的第一位获得。
find-venue-now-online = 目前：线上参会。
find-venue-full =
    <b>{ $venue }</b>的座位已满。
    将该参会者加入此会场的候补名单，还是选择其他会场？

## 通知参会者。

find-notice-cancelled =
    主办方已取消您的报名：<b>{ $event }</b>
    如有误，请联系主办方：/contacts
find-notice-restored =
    ✅ 主办方已恢复您的报名：<b>{ $event }</b>
    提醒和会议链接将照常发送。查看报名信息请发送 /me。
find-notice-venue = 🏛 主办方已更改您的参会地点：<b>{ $event }</b>
find-notice-venue-online = 💻 您已改为线上参会：会议链接将在临近开始时发送。

## 无法完成的原因。

find-err-gone = 此记录已不存在：其数据已删除。
find-err-event-gone = 活动文件中已没有此活动，无法修改此记录。
find-err-not-active = 报名无效：此操作仅适用于有效报名。
find-err-not-cancelled = 报名未被取消，无需恢复。
find-err-registration-closed = 无法恢复：此活动的报名已截止。
find-err-email-taken = 未保存：此电子邮箱已用于此活动的另一条有效报名。
find-err-field = 此报名的这一项无法修改。
find-err-not-saved = 未能保存修改。
find-err-no-certificate = 尚未颁发证书。
find-err-attend-early = 活动开始后才能代为签到。开始时间：{ $date }。
find-err-venue-needed = 线下参会须选择会场：请点击“更改会场”按钮选择。
find-err-venue-over = 活动已结束，无法更改会场。
find-err-venue-same = 该参会者已在此会场，无需更改。
find-err-venue-gone = 该会场已不在列表中，请重新选择会场。
find-err-venue-full = 该会场的最后一个座位刚刚被占用，请重新选择会场。

## 主办方操作日志（/audit）。

audit-action-find-edit = 修改报名信息
audit-action-find-cancel = 主办方取消报名
audit-action-find-restore = 主办方恢复报名
audit-action-find-attended = 主办方代为签到
audit-action-find-not-attended = 撤销签到
audit-action-find-certificate-resend = 重新发送证书
audit-action-find-pupil-rename = 更正学生姓名
audit-action-find-venue = 主办方更改会场
audit-detail-venue = 会场
audit-detail-field = 修改项
audit-detail-class-id = 班级编号
audit-detail-student-id = 学生编号
