## /attendance：根据腾讯会议（VooV Meeting）参会记录签到，handlers/admin/attendance_import.py。

cmd-attendance = 导入腾讯会议参会记录
admin-btn-attendance = 🧾 导入参会记录
audit-action-attendance_import = 根据腾讯会议参会记录签到
audit-detail-report-file = 文件
audit-detail-report-rows = 记录行数
audit-detail-people = 记录中的人数
audit-detail-confirmed-unsure = 人工确认
audit-detail-unmatched = 未找到报名信息
audit-detail-marked-new = 新增签到
audit-detail-minutes-updated = 更新参会时长
audit-detail-minutes-unchanged = 无变化

admin-att-ask-file =
    🧾 导入参会记录：<b>{ $event }</b>
    请发送从腾讯会议（VooV Meeting）导出的参会成员明细：.xlsx或.csv格式，不超过{ $max_mb }MB。
    读取的列：参会者名称；电子邮箱和手机号（如有）；入会时间和退会时间（或参会时长）。多次入会的参会者只计一人，只统计活动时间内的时长。
    未注明时区的时间按北京时间（UTC+8）读取，文件中注明其他时区的除外。
    取消请发送 /cancel。
admin-att-need-file = 请以文件形式发送参会记录（.xlsx或.csv）。取消请发送 /cancel。
admin-att-old-xls = 这是旧版Excel文件（.xls）。请在Excel中打开，另存为.xlsx或CSV后重新发送。
admin-att-unsupported-type = 不支持{ $extension }格式的文件，请发送.xlsx或.csv格式的参会记录。
admin-att-too-large = 文件过大：{ $size }MB，上限为{ $max_mb }MB。请只发送参会成员名单。
admin-att-empty = 文件为空，请发送包含参会成员名单的记录。
admin-att-bad-xlsx = 无法以Excel表格打开该文件，文件可能已损坏。请重新导出后再发送。
admin-att-bad-csv = 无法读取该CSV文件。请导出.xlsx格式的参会记录后重新发送。
admin-att-bad-encoding = 无法识别该CSV文件的编码。请另存为UTF-8编码，或发送.xlsx格式的参会记录。
admin-att-no-header =
    未找到参会记录的表头。需要包含参会者名称以及入会、退会时间（或参会时长）的列，例如：
    • 用户昵称（Name）
    • 入会时间（Join time）
    • 退会时间（Leave time）
    • 参会时长（Duration）
admin-att-no-rows = 参会记录中没有可读取的参会者名称和时间。
admin-att-no-overlap =
    参会记录中没有任何一行落在活动时间内：
    { $bjt_date } { $bjt_start }—{ $bjt_end }（北京时间），即{ $msk_date } { $msk_start }—{ $msk_end }（莫斯科时间）。
    请确认这是本次活动的参会记录。未注明时区的时间按北京时间读取。

admin-att-summary-head = 🧾 导入参会记录：<b>{ $event }</b>
admin-att-summary-file = 记录共{ $count }行，涉及{ $total }人。
admin-att-zone-file = 时间按文件中注明的时区读取：{ $value }。
admin-att-zone-assumed = 文件中的时间未注明时区，已按北京时间（UTC+8）读取。
admin-att-event-time = 只统计活动时间内的时长：
admin-att-sure = ✅ 准确匹配：{ $count }人
admin-att-tier = { $tier ->
        [email] 按电子邮箱
        [phone] 按手机号
       *[name] 按姓名
    }{ $count }人
admin-att-unsure = ❓ 需要确认：{ $count }人
admin-att-unsure-line = { $status } { $value } → { $name }（{ $why ->
        [order] 姓名顺序不同
        [partial] 姓名部分相同
        [same-name] 多条报名同名
        [latin] 姓名的拉丁字母拼写
       *[similar] 写法相近
    }），{ $minutes }分钟
admin-att-more = ……另有{ $count }人
admin-att-unmatched = ❔ 未找到报名信息：{ $count }人
admin-att-unmatched-line = • { $value }（第{ $rows }行），{ $minutes }分钟
admin-att-outside = ⏱ 仅在活动时间以外入会（不计入）：{ $count }人
admin-att-unreadable = 时间无法识别的行已跳过：第{ $rows }行。
admin-att-below-min = ⚠️ 参会不足{ $min }分钟（获得证书所需）：{ $count }人
admin-att-not-in-report = ⚠️ 已通过按钮或口令签到、但参会记录中未找到：{ $count }人。导入后，参会记录中没有的线上参会者将无法获得证书；如确实参会，请通过 /find 查找并手动签到。
admin-att-question = 是否根据此参会记录签到？
admin-att-question-unsure = 未确认的匹配不计入：请逐条核对，或全部确认。

admin-att-btn-review = 🔎 逐条核对
admin-att-btn-all = ☑️ 全部确认（{ $count }）
admin-att-btn-save = ✅ 确认签到（{ $count }人）
admin-att-btn-yes = ✅ 是同一人
admin-att-btn-no = ✖️ 不是同一人
admin-att-btn-back = ⬅️ 返回汇总

admin-att-review =
    ❓ 第{ $page }条，共{ $pages }条
    参会记录：<b>{ $value }</b>（第{ $rows }行），{ $minutes }分钟
    报名信息：<b>{ $name }</b>
    匹配依据：{ $why ->
        [order] 姓名顺序不同
        [partial] 姓名部分相同
        [same-name] 多条报名同名，已选第一条
        [latin] 姓名的拉丁字母拼写
       *[similar] 写法相近
    }

    是否为同一人？

admin-att-saved-head = ✅ 已根据参会记录签到：<b>{ $event }</b>
admin-att-saved = 新增签到：{ $count }人
admin-att-saved-updated = 已签到者更新参会时长：{ $count }人
admin-att-saved-unchanged = 无变化：{ $count }人
admin-att-eligible = 🎓 目前符合证书条件：{ $count }人

admin-err-min-attendance = min_attendance须为时长比例（如“50%”）或分钟数（如“90”）。
admin-err-min-attendance-unused = min_attendance须与require_attendance = true同时使用。
admin-err-min-attendance-too-long = min_attendance超过了活动时长。
