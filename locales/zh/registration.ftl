## 报名表。

form-intro =
    报名参加<b>{ $event }</b>。
    接下来有几个简短的问题，大约需要两分钟。随时可以发送 /cancel 中止填写。
form-welcome-back = 欢迎回来！以下是您上次报名时填写的信息，请核对，如有需要可以修改。
form-in-progress = 您的报名表尚未填写完毕，将从上次中断处继续。中止填写请发送 /cancel。

ask-full-name = 请输入您的姓名（将原样印在参会证书上），{ $min }–{ $max }个字符。中文姓名请姓在前、名在后，中间不加空格，如：王小明。
ask-country = 您来自哪个国家？请选择或直接输入国家名称。
ask-city = 请填写您所在的城市（{ $min }–{ $max }个字符）。
ask-organization = 请填写您所在单位的全称，如学校、高校、博物馆或社会团体（{ $min }–{ $max }个字符）。
ask-role = 您的身份是：
ask-participation-format = 您打算以哪种形式参会？
ask-wants-to-speak = 您是否希望在会上发言？
ask-talk-topic = 请填写您的发言题目（{ $min }–{ $max }个字符）。
ask-email = 请填写您的电子邮箱，参会证书也可以发送到该邮箱。
ask-phone = 联系电话（选填）。您可以点击“分享我的手机号”，或按国际格式输入号码（例如 +86 138 0013 8000），也可以点击“跳过”。
phone-placeholder = +86 138 0013 8000
phone-saved = 📱 电话：{ $phone }
phone-skipped = 好的，不填写电话。

field-full-name = 姓名
field-country = 国家
field-city = 城市
field-organization = 单位
field-role = 身份
field-participation-format = 参会形式
field-wants-to-speak = 发言
field-talk-topic = 发言题目
field-email = 电子邮箱
field-phone = 电话

role-pupil = 中小学生
role-student = 大学生
role-teacher = 教师
role-veteran = 老战士
role-historian = 历史学者
role-family = 参战者家属
role-compatriot = 海外同胞
role-other = 其他
format-online = 💻 线上（腾讯会议）
format-offline = 🏛 线下
# 国家按 ISO 3166 代码存储，按读者的语言显示。
country-RU = 俄罗斯
country-CN = 中国

answer-yes = 是
answer-no = 否
answer-not-given = 未填写
btn-speak-yes = 🎤 是，我想发言
btn-speak-no = 否，只旁听
btn-share-phone = 📱 分享我的手机号
btn-skip = 跳过

consent-text =
    <b>个人信息处理同意书</b>

    点击“同意”，即表示我同意国际“胜利继承者”联盟处理我在报名表中填写的个人信息（姓名、国家、城市、单位、电子邮箱、电话），用于会议报名、向我发送会议相关信息以及颁发参会证书。除会议主办方外，上述信息不会提供给任何第三方。本同意在撤回之前持续有效；本人可随时发送 /delete_me 撤回本同意并删除个人信息。
btn-consent-accept = ✅ 同意
btn-consent-decline = 不同意
consent-declined = 未经您同意处理个人信息，我们无法为您办理报名。您的信息未被保存。如改变主意，请发送 /start。

summary-line = <b>{ $label }：</b>{ $value }
summary-title = <b>请核对您的报名信息</b>
summary-title-edit = <b>您的报名信息</b>
summary-hint = 信息无误请点击“确认”。如需修改，请点击相应的项目。
summary-hint-edit = 点击要修改的项目，修改完成后点击“确认”保存。
btn-confirm = ✅ 确认
btn-cancel-form = ✖️ 取消
btn-edit-field = ✏️ { $field }
form-cancelled = 已中止填写，未保存任何信息。重新开始请发送 /start。

registered = 🎉 您已成功报名<b>{ $event }</b>！
registered-next = 会议开始前，机器人会向您发送提醒。您可以通过下方菜单查看或修改报名信息。
registered-next-started = 会议已经开始。您可以通过下方菜单查看或修改报名信息。
edit-saved = ✅ 修改已保存。

err-too-short = 内容太短，至少需要{ $min }个字符。
err-too-long = 内容太长：共{ $length }个字符，最多{ $max }个字符，请精简。
err-need-letters = 回答中需要包含文字，不能只有数字或符号。
err-name-digits = 姓名中不能包含数字，请用文字填写。
err-control-chars = 内容中含有特殊控制字符，请以普通文本重新输入。
err-email-invalid = 这似乎不是有效的电子邮箱地址。示例：zhangsan@163.com
err-phone-invalid = 无法识别该号码。请按国际格式输入7–15位数字，例如 +86 138 0013 8000，或点击“跳过”。
err-phone-not-own = 请发送您本人的手机号：点击“分享我的手机号”，或直接输入号码。
err-need-text = 请以文字形式回答。
err-use-buttons = 请点击问题下方的按钮作答。
