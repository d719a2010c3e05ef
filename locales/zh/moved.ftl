## The notice of a new time (bot/services/reminders/moved.py): in Telegram as the caption of
## the calendar file, and as a letter

moved-text = 🗓 活动时间已调整：<b>{ $event }</b>
moved-new-time = 新时间：
moved-calendar = 如您已将活动添加到日历，请打开所附文件，日历中的时间将随之更新。
moved-class-head = 👩‍🏫 班级：<b>{ $class_name }</b>
mail-moved-subject = 时间调整：{ $event }
mail-moved-calendar = 日历文件见附件，打开后日历中的时间将随之更新。
