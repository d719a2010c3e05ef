## 线下会场：选择会场、座位与候补名单（issue 15）。

# 机器人和网站上的活动介绍：线下会场列表（每个会场一行，见 venue-option）。
event-venues = 线下会场：

# 报名表：选择会场及按钮。
ask-venue = 您将在哪个会场线下参会？请点击按钮选择。
venue-option = 🏛 <b>{ $venue }</b>：{ $address }
venue-option-free = 剩余{ $free }个座位，共{ $capacity }个
venue-option-full = 座位已满，可加入候补名单
btn-venue-free = 🏛 { $venue }（剩余{ $free }个座位）
btn-venue-unlimited = 🏛 { $venue }
btn-venue-full = ⏳ { $venue }（已满）
venue-full-offer =
    <b>{ $venue }</b>的座位已满。
    您可以加入候补名单：如有空位，将按候补顺序依次递补，我们会第一时间通知您。您也可以选择其他会场。
venue-full-offer-hybrid =
    <b>{ $venue }</b>的座位已满。
    您可以加入候补名单：如有空位，将按候补顺序依次递补，我们会第一时间通知您。您也可以选择其他会场或改为线上参会。
btn-venue-wait = ⏳ 加入{ $venue }候补名单
btn-venue-other = ↩️ 选择其他会场
btn-venue-online = 💻 线上参会
err-venue-full = { $venue }的最后一个座位刚刚被占用，请重新选择会场。
err-venue-gone = 该会场已不在列表中，请重新选择会场。
field-venue = 会场
venue-value-waiting = { $venue }（候补）

# 报名确认、提醒、/link：参会地点。
venue-seat-block = 🏛 欢迎您前往<b>{ $venue }</b>参会。地址：{ $address }
venue-waiting-block =
    ⏳ 您已在<b>{ $venue }</b>（{ $address }）的候补名单中。
    目前尚未为您保留座位；如有空位，我们会第一时间通知您。
venue-local-time = 🕰 { $venue }当地时间：{ $date } { $start }—{ $end }

# 候补第一位获得空位时（Telegram 消息和邮件）。
seat-freed =
    🎉 { $venue }有空位了：您已获得座位。
    <b>{ $event }</b>
seat-freed-ticket = 🎫 现在可在机器人中（发送 /ticket）和您的个人页面上查看入场二维码。
mail-seat-subject = { $venue }有空位了：您已获得座位

# 网页报名表。
web-venue-legend = 会场
web-venue-hint = 请选择您线下参会的会场。
web-venue-wait-option = 座位已满，加入该会场候补名单
web-err-venue-choose = 请选择会场。
web-me-venue-hint = 适用于线下参会者。如更改会场，您原来的座位将由候补名单中的第一位获得。
web-me-venue-held = 您的座位
web-me-venue-held-waiting = 您在候补名单中
web-err-venue-full = 该会场的最后一个座位刚刚被占用。请选择其他会场或加入候补名单。

# 主办方：/stats、/export、/broadcast、/find 卡片。
stats-venues-title = <b>会场</b>
stats-venue-line = { $venue }：已占{ $taken }/{ $capacity }个座位，候补{ $waiting }人
stats-venue-line-unlimited = { $venue }：{ $taken }人（不限座位）
export-col-venue = 会场
export-venue-waiting = { $venue }（候补）
admin-audience-venue = 线下参会者：{ $venue }（{ $count }）
admin-audience-venue-waiting = 候补名单：{ $venue }（{ $count }）
find-venue = 会场：{ $venue }
find-venue-waiting = 会场：{ $venue }（候补）

# 活动配置文件错误。
admin-err-venue-timezone = 会场时区无法识别（应为 Europe/Moscow、Asia/Shanghai 等格式）。
admin-err-venue-duplicate = 两个会场的 id 重复。
admin-err-venues-online = 线上活动不能设置线下会场。
