## Tickets for the door of an offline venue (/ticket, /me, the personal page) and check-in at the
## door by the venue's coordinators (handlers/ticket.py, handlers/venue_door.py,
## handlers/venue_live.py).

cmd-ticket = 我的入场二维码
cmd-ticket-door = 入场签到与我的入场二维码
cmd-live-venue = 本会场实时签到情况
btn-ticket = 🎫 入场二维码

ticket-caption =
    🎫 入场二维码：<b>{ $name }</b>
    { $event }
    📍 <b>{ $venue }</b>，{ $address }
ticket-local-time = 🕒 会场当地时间：{ $date } { $local_start }—{ $local_end }
ticket-show = 入场时请出示此二维码。如无法识别，请报出二维码下方的入场码：<b>{ $code }</b>
ticket-waiting =
    <b>{ $event }</b>
    ⏳ 您已在{ $venue }的候补名单中，目前排在第{ $position }位。
    一旦有空位，机器人会通知您，届时可发送 /ticket 查看入场二维码。
ticket-online =
    <b>{ $event }</b>
    您报名的是线上参会，无需入场二维码。查看会议链接请发送 /link。
ticket-no-venue =
    <b>{ $event }</b>
    线下参会无需入场二维码。会场地址：{ $venue }
ticket-none = 您目前没有即将举行的会议的有效报名，因此没有入场二维码。如需报名，请发送 /start。

door-help =
    🚪 <b>入场签到</b>
    您负责的会场：{ $venues }
    请向机器人发送参会者入场二维码的照片，或输入二维码下方的入场码：8位字符，例如<code>K7QP-3MXR</code>（不区分大小写，可含空格）。机器人将完成签到并显示参会者姓名。重复扫码不会出错，机器人会提示首次签到的时间。
    会议开始前{ $minutes }分钟开放入场签到。查看本会场实时签到情况，请发送 /live。
door-done =
    ✅ 签到成功：<b>{ $name }</b>
    📍 { $venue }
door-already =
    ☑️ 已于{ $time }签到：<b>{ $name }</b>
    📍 { $venue }
door-other-venue =
    ⛔ 该入场二维码属于其他会场：{ $venue }
    { $event }
    参会者：<b>{ $name }</b>。请由该会场负责人办理签到。
door-waiting = ⛔ <b>{ $name }</b>在{ $venue }的候补名单中，尚无座位，入场二维码无效。
door-cancelled = ⛔ 该报名已取消，入场二维码无效：<b>{ $name }</b>。
door-no-seat = ⛔ 该参会者没有线下会场座位（线上参会），入场二维码无效：<b>{ $name }</b>。
door-unknown = ❓ 入场码<code>{ $code }</code>不存在。请核对入场码，或请参会者在机器人中（/ticket）或个人页面上打开入场二维码。
door-invalid = ❓ 这不是入场码。入场码是二维码下方的8位字符，例如<code>K7QP-3MXR</code>，不含数字0、1和字母O、I。
door-not-open = 🕘 尚未开放入场签到，签到将于会场当地时间{ $time }开始。参会者：<b>{ $name }</b>。
door-closed = ⌛ 签到已结束。参会者：<b>{ $name }</b>。
door-no-qr = 📷 照片中未能识别出二维码。请重新拍摄（对准二维码、拍大一些、避免反光），或直接输入二维码下方的入场码。
door-choose-venue = 请选择要查看的会场：
door-venue-button = { $venue }（{ $event }）

live-venue-heading =
    📡 <b>会场实时签到情况</b>
    { $venue }
    { $event }
live-venue = • { $venue }：{ $count }/{ $total }{ $waiting ->
        [0] {""}
       *[other] （候补{ $waiting }人）
    }
live-waiting = ⏳ 候补名单：{ $waiting }人

web-me-ticket = 入场二维码
# 候补者尚无入场二维码，此栏标题改为候补名单。
web-me-waiting-title = 候补名单
web-me-ticket-hint = 入场时请出示此二维码。如无法识别，请报出二维码下方的入场码。
web-me-ticket-code = 入场码：{ $code }
web-me-ticket-qr = 入场二维码（入场码{ $code }）
web-me-waiting = ⏳ 您已在{ $venue }的候补名单中，目前排在第{ $position }位。一旦有空位，入场二维码将显示在此处。

audit-action-door-checkin = 凭入场二维码签到
