## 我的报名：查看、取消、删除信息。

me-none = 您还没有任何报名。
reg-status = 报名状态：{ $status }
status-active = ✅ 有效
status-cancelled = ❌ 已取消
pick-event = 请选择活动：

unregister-confirm = 确定要取消报名{ $event }吗？在报名截止前，您可以重新报名。
btn-unregister-yes = 是，取消报名
unregistered = 您已取消报名{ $event }。如改变主意，请发送 /start。
kept = 好的，保持不变。
# 重复点击时的提示（弹出通知，不含格式）。
unregister-already = 报名已取消。

delete-confirm =
    确定要删除您的全部个人信息吗？您所有报名中的姓名、联系方式及报名表内容都将被清除，报名也将随之取消，仅保留匿名统计数据。
    此操作无法撤销。
btn-delete-yes = 是，删除我的信息
deleted-already = 您的个人信息已删除。
deleted = 您的个人信息已删除。感谢您的关注！如需再次报名，请发送 /start。

speaker-approved = 🎤 您在{ $event }上的发言申请已通过：“{ $topic }”。主办方将另行与您联系，商定发言安排。
speaker-declined = 感谢您提交发言申请（题目：“{ $topic }”）。很遗憾，{ $event }议程中暂时无法安排该发言。欢迎您作为参会者出席！

btn-browser-page = 🌐 在浏览器中打开个人页面
browser-page-link =
    您的个人页面：<b>{ $event }</b>
    { $url }
    无需 Telegram 即可在该页面查看和修改报名信息。请勿将此链接转发给他人。此前的个人页面链接已失效。
