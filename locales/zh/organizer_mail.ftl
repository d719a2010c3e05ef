## 主办方在 /find 信息卡中对报名所做更改的通知邮件
## (bot/services/mailing/organizer_letter.py)：取消、恢复报名，更改会场。

mail-org-cancelled-subject = 报名已取消：{ $event }
mail-org-cancelled-text = 主办方已取消您的报名：<b>{ $event }</b>
mail-org-contacts = 如有误，请联系主办方：
mail-org-restored-subject = 报名已恢复：{ $event }
mail-org-restored-text =
    ✅ 主办方已恢复您的报名：<b>{ $event }</b>
    提醒和会议链接将照常发送。
mail-org-venue-subject = 参会地点已更改：{ $event }
