## 教师为班级报名。

btn-register-class = 👩‍🏫 为班级报名
cmd-class = 为班级报名
cmd-classes = 我的班级

class-intro =
    为班级报名参加<b>{ $event }</b>。
    请先填写您的教师信息，再填写班级名称和学生名单（最多{ $max }人），名单可以直接粘贴文字，也可以发送文件。随时可以发送 /cancel 中止。
class-ask-teacher-name = 请输入您的全名（将印在感谢信上），如：王芳。
class-ask-country = 请输入学校所在国家：
class-ask-city = 请输入学校所在城市：
class-ask-school = 请填写学校（或其他单位）的全称。
class-ask-email = 请填写您的电子邮箱：
class-ask-phone = 请填写联系电话（选填），如不填写请点击“跳过”。
class-ask-class-name = 请按学校的写法填写班级名称，例如：初二（3）班。
class-ask-size = 班级共有多少名学生？请输入1到{ $max }之间的数字。
class-ask-roster =
    请发送学生名单：每行一个姓名，可以直接发送文字，也可以发送文件（.txt、.csv、.xlsx，不超过{ $max_mb } MB）。
    最多{ $max }名学生。姓名将印在证书上，请填写全名。
class-name-invalid = 班级名称应为1到{ $max }个字符。
class-size-invalid = 请输入1到{ $max }之间的数字。
class-consent-text =
    <b>个人信息处理同意书</b>

    点击“同意”，即表示我确认有权提供本班学生的信息，并同意国际“胜利继承者”联盟为参会及颁发证书之目的处理我本人及学生的信息（教师姓名、电子邮箱、电话，所在国家和城市，学校及班级名称，学生姓名）。除主办方外，上述信息不会提供给任何第三方。本人可随时发送 /delete_me 撤回本同意并删除上述信息。
class-summary =
    <b>请核对班级报名信息</b>

    教师：{ $teacher }
    学校：{ $school }（{ $city }，{ $country }）
    电子邮箱：{ $email }
    电话：{ $phone }
    班级：{ $class_name }
    班级人数：{ $size }
    名单人数：{ $count }
class-btn-skip = 跳过
class-btn-roster-ok = ✅ 名单无误
class-btn-roster-again = 🔄 重新发送
class-btn-accept = ✅ 同意
class-btn-decline = 不同意
class-btn-confirm = ✅ 确认报名
class-btn-cancel = ✖️ 取消
class-registered =
    🎉 <b>{ $class_name }</b>报名成功，名单共{ $count }人。

    1️⃣ 本班的会议提醒和入会链接将发送到此对话。如班级有 Telegram 群组，请通过以下链接将机器人添加到群中，之后将改为发送到群里：
    { $group_link }

    2️⃣ 学生可通过以下链接自行加入名单（需经您确认）：
    { $pupil_link }

    查看名单和班级信息：/classes
class-roster-size = 名单人数应为1到{ $max }人。
class-not-found = 未找到该班级，或该班级已无法修改。
class-student-not-found = 该学生已不在名单中。
class-link-invalid = 班级链接无效或该班级已取消报名，请向老师索取新链接。
class-join-ask-name = 您正在加入<b>{ $class_name }</b>（{ $school }，教师：{ $teacher }）。请输入您的姓名（姓在前、名在后，中间不加空格），证书上将使用此姓名。
class-join-sent = 申请已发送给老师（{ $teacher }），确认后我们会通知您。
class-join-already = 您已在该班级名单中：{ $name }。
class-join-waiting = 您的申请（{ $name }）正在等待老师确认，处理后我们会通知您。
class-join-request = 有学生申请加入{ $class_name }：<b>{ $name }</b>。
class-join-approve = ✅ 同意加入
class-join-decline = ❌ 拒绝
class-join-decided = 该申请已处理。
class-join-approved = ✅ 老师已将您加入班级名单：{ $name }。
class-join-declined = 您加入班级名单的申请未获确认：{ $name }。如有误，请联系老师。
class-roster-removed = 老师已将您移出班级名单：{ $name }。如有误，请联系老师。
class-join-approved-teacher = 已加入名单：{ $name }。
class-join-declined-teacher = 已拒绝申请：{ $name }。
group-bound = ✅ 本群已与{ $class_name }绑定。会议提醒和入会链接将发送到本群。
group-bound-teacher = 群组<b>{ $group }</b>已与{ $class_name }绑定。
group-bind-not-allowed = 只有该班老师或群管理员可以将群组与班级绑定。
group-unbound = 机器人已被移出群组<b>{ $group }</b>，该群与{ $class_name }的绑定已解除。如需重新绑定，请通过 /classes 中的链接重新添加机器人。

classes-none = 您还没有报名的班级。为班级报名请发送 /class。
classes-card =
    👩‍🏫 <b>{ $class_name }</b>，{ $school }
    名单人数：{ $count }，待确认：{ $pending }
    Telegram 群组：{ $group }
classes-btn-students = 📋 名单
classes-btn-rename = ✏️ 修改班级名称
classes-btn-add = ➕ 添加学生
classes-btn-remove = ➖ 删除学生
classes-btn-replace = 🔄 替换名单
classes-btn-links = 🔗 链接
classes-btn-cancel = ❌ 取消班级报名
classes-students = { $class_name }学生名单（⏳ 表示待确认）：
classes-ask-rename = 请输入新的班级名称：
classes-ask-add = 请发送新学生的姓名，每行一个，可以发送文字或文件。
classes-ask-replace = 请发送完整的新名单（文字或 .txt、.csv、.xlsx 文件），它将替换现有名单。替换前，系统会先显示名单的变化，并请您确认。
classes-ask-remove = 请选择要从名单中删除的学生：
classes-removed = 已删除：{ $name }
classes-saved = ✅ 已保存。
classes-added = ✅ 已添加学生：{ $count }名。
classes-replaced = ✅ 名单已替换，共{ $count }名学生。
classes-cancelled = { $class_name }的报名已取消。
classes-already-cancelled = 该班级的报名已取消。

## 在 /classes 中替换名单：在系统识别的名单（roster-preview）下方说明名单的变化。
## 各行下方由程序逐个列出姓名；$count 为人数。
classes-replace-changes = <b>名单变化</b>（当前名单共{ $count }人）：
classes-replace-same = 名单人员没有变化。
classes-replace-added = ➕ 将新增{ $count }人：
classes-replace-removed = ➖ 将删除{ $count }人：
classes-replace-joined = ⚠️ 以下{ $count }名学生是通过链接自行加入、并经您确认的，但新名单中没有他们，他们也将被删除：
classes-replace-keep-hint = 如需保留他们，请点击“替换名单并保留他们”。
classes-replace-pending = ⏳ 待您确认的{ $count }份加入申请将保留。
classes-replace-more = ……另有{ $count }人。
classes-replace-question = 确定要替换{ $class_name }的学生名单吗？
classes-replace-btn-confirm = ✅ 替换名单
classes-replace-btn-keep = 📌 替换名单并保留他们
classes-replace-btn-cancel = ✖️ 不替换
classes-replace-cancelled = 名单未作更改。
classes-replace-use-buttons = 请点击新名单下方的按钮：“替换名单”或“不替换”。也可以重新发送一份名单，系统会同样显示识别结果。
classes-replace-certified = 该班级的参会证书已经签发，每名学生的证书编号取决于其在名单中的位置，因此无法替换名单。如需更正姓名，请联系主办方。

export-col-class-id = 班级编号
export-col-class-name = 班级
export-col-teacher = 教师
export-col-declared-size = 班级人数（申报）
export-col-students = 名单人数
export-col-group = Telegram 群组
export-col-student-status = 学生状态
report-class-status = { $status ->
    [active] 有效
   *[cancelled] 已取消
}
report-student-status = { $status ->
    [active] 已在名单中
   *[pending] 待老师确认
}
stats-classes = 班级：{ $classes }个，名单学生：{ $students }人，已绑定群组：{ $groups }个
