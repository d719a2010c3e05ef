## 主办方控制台：/stats 与 /export。

stats-title = 📊 <b>报名统计：{ $event }</b>
stats-empty = 暂无报名。
stats-no-individual = 暂无个人报名。
stats-totals =
    报名总数：{ $total }
    有效报名：{ $active }，已取消：{ $cancelled }
stats-pending = 待验证邮箱（网站报名）：{ $count }
stats-breakdown-note = <i>以下分类统计仅含有效报名。</i>
stats-section-language = <b>语言</b>
stats-section-role = <b>参会者身份</b>
stats-section-country = <b>国家</b>
stats-section-format = <b>参会形式</b>
stats-section-speakers = <b>发言人</b>
stats-section-source = <b>报名渠道</b>
stats-line = • { $label }：{ $count }
stats-others = • 其他：{ $count }
stats-speakers-wanting = 申请发言：{ $count }
stats-unreachable = 无法送达（已屏蔽机器人）：{ $count }
stats-reach = 可通过 Telegram 联系：{ $telegram }；仅可通过电子邮箱联系：{ $email_only }
stats-email = 电子邮箱：已验证{ $confirmed }个，被邮件服务器拒收{ $bounced }个，已退订提醒和通知邮件{ $muted }个
stats-chart-caption = 每日报名情况（莫斯科时间，含已取消报名）：柱形为当日报名人数，折线为累计报名人数（右侧坐标轴）。
stats-chart-per-day = 每日报名人数
stats-chart-cumulative = 累计报名人数
stats-chart-dates = 日期（莫斯科时间）

report-language = { $lang ->
    [ru] 俄语
    [zh] 中文
   *[other] { $lang }
}
report-format = { $format ->
    [online] 线上
    [offline] 线下
   *[other] { $format }
}
report-status = { $status ->
    [active] 有效
    [cancelled] 已取消
    [pending] 待验证邮箱
    [erased] 已应本人要求删除个人信息
   *[other] { $status }
}
report-speaker-status = { $status ->
    [pending] 待审核
    [approved] 已通过
    [declined] 未通过
   *[other] { $status }
}
report-source = { $source ->
    [bot] Telegram 机器人
    [web] 网站
    [miniapp] Telegram 小程序
   *[other] { $source }
}
report-reachable = { $channels ->
    [telegram-email] Telegram、电子邮箱
    [telegram] Telegram
    [email] 电子邮箱
   *[other] —
}

export-choose-purpose =
    导出：<b>{ $event }</b>
    请选择导出范围：
export-btn-purpose = { $purpose ->
    [everyone] 👥 全部报名（含已取消）
    [active] ✅ 仅有效报名
    [checked-in] 🙋 已签到
    [not-checked-in] ⏳ 未签到
    [speakers] 🎤 发言人
    [offline] 🏛 线下参会者
    [online] 💻 线上参会者
   *[classes] 🏫 教师与班级
}：{ $count }
export-choose-format =
    导出：<b>{ $event }</b>
    文件内容：{ $purpose ->
        [everyone] 全部报名（含已取消及已应本人要求删除个人信息的报名），以及班级、学生名单和反馈
        [active] 有效报名
        [checked-in] 已签到者的有效报名
        [not-checked-in] 未签到者的有效报名
        [speakers] 申请发言者的有效报名
        [offline] 线下参会者的有效报名
        [online] 线上参会者的有效报名
       *[classes] 班级（含教师联系方式）及学生名单
    }。
    请选择文件格式。XLSX 文件可在任何版本的 Excel 中打开；逗号分隔的 CSV 文件适用于中文版或英文版 Excel 及其他程序，分号分隔的 CSV 文件适用于俄文版 Excel。
export-btn-xlsx = 📊 Excel（XLSX）
export-btn-csv-ru = 📄 CSV（分号分隔，适用于俄文版 Excel）
export-btn-csv = 📄 CSV（逗号分隔，适用于中文版 Excel 及其他程序）
export-caption = 📥 { $event }：{ $purpose ->
    [everyone] 全部报名
    [active] 有效报名
    [checked-in] 已签到
    [not-checked-in] 未签到
    [speakers] 发言人
    [offline] 线下参会者
    [online] 线上参会者
   *[classes] 教师与班级
}，共{ $count }{ $purpose ->
    [classes] 个班级
   *[other] 条报名记录
}。
export-col-id = 报名编号
export-col-status = 状态
export-col-full-name = 姓名
export-col-country = 国家
export-col-city = 城市
export-col-organization = 单位
export-col-role = 参会者身份
export-col-format = 参会形式
export-col-wants-to-speak = 申请发言
export-col-talk-topic = 发言题目
export-col-speaker-status = 发言审核结果
export-col-email = 电子邮箱
export-col-phone = 联系电话
export-col-language = 语言
export-col-registered-at = 报名时间（北京时间）
export-col-consent-at = 同意个人信息处理时间（北京时间）
export-col-consent-version = 同意书版本
export-col-telegram-id = Telegram ID
export-col-source = 报名渠道
export-col-reachable = 联系渠道
export-col-email-confirmed = 邮箱验证时间（北京时间）
export-col-email-bounced = 邮箱被邮件服务器拒收
export-col-deliver-via = 消息接收方式
export-col-username = Telegram 用户名
export-col-checked-in-at = 签到时间（北京时间）
export-col-certificate = 证书编号
export-col-certificate-delivered = 证书送达情况
report-certificate-delivered = { $state ->
    [telegram] Telegram
    [email] 电子邮件
    [telegram-email] Telegram、电子邮件
    [waiting] 尚未发送
    [failed] 未送达
   *[page] 未发送，可通过专属链接在网页上下载
}
export-no-group = 未绑定
# XLSX 工作表名称：不超过31个字符，不含 []:*?/\
export-sheet-participants = 参会者
export-sheet-classes = 班级
export-sheet-students = 学生
export-sheet-feedback = 反馈
export-email-bounced = { $date }（北京时间）：{ $reason }
report-deliver-via = { $via ->
    [telegram] 仅 Telegram
    [email] 仅电子邮件
   *[both] Telegram 和电子邮件
}

# /audit names the organizers' actions recorded here, and the purpose among an export's details.
audit-action-export = 导出数据
audit-action-stats = 查看报名统计
audit-detail-purpose = 导出范围
