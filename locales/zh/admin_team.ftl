## 主办方团队（/team）、权限与操作记录（/audit）。

cmd-find = 查找参会者、教师或学生
cmd-audit = 主办方操作记录
cmd-team = 主办方团队与权限
admin-btn-find = 🔎 查找
admin-btn-audit = 📜 操作记录
admin-btn-team = 👥 团队
admin-menu-viewer = <b>主办方控制台</b>（您的权限为只读），请选择操作：

# 只读成员发送了修改类命令或点击了修改类按钮。
admin-read-only = 👁 您的权限为只读：可以查看统计数据、查找、导出名单和操作记录（/admin），但不能修改信息或发送消息。如需更多权限，请联系拥有全部权限的主办方成员。
admin-read-only-button = 👁 您的权限为只读：此按钮用于修改信息或发送消息，您无法使用。

# 列表中的人：姓名、@用户名和 Telegram ID，按已知信息显示。
organizer-person = { $kind ->
    [named] { $name }（<code>{ $user_id }</code>）
    [username] @{ $username }（<code>{ $user_id }</code>）
    [id] <code>{ $user_id }</code>
   *[full] { $name }（@{ $username }，<code>{ $user_id }</code>）
}
# 一个时间点：北京时间在前，莫斯科时间在后。
organizer-when = { $same_day ->
    [yes] { $bjt_date } { $bjt_time }（北京时间），莫斯科时间{ $msk_time }
   *[no] { $bjt_date } { $bjt_time }（北京时间），莫斯科时间{ $msk_date } { $msk_time }
}

team-role = { $role ->
    [viewer] 只读
   *[organizer] 全部权限
}
team-title = 👥 <b>主办方团队</b>
team-from-settings = <b>配置文件中的成员（ADMIN_IDS）</b>：拥有全部权限，只能在配置中修改或删除：
team-added-here = <b>在聊天中添加的成员：</b>
team-none-added = 暂无。如需添加，请点击“添加”。
team-line = • { $who }：{ $role ->
    [viewer] 只读
   *[organizer] 全部权限
}
team-line-settings = • { $who }
team-line-added = 添加人及时间：{ $by }，{ $when }
team-line-no-start = ⚠️ 此人尚未与机器人对话，请其打开机器人并发送 /start。
team-hint = 选择成员可修改其权限或将其移出团队。只读成员可以查看统计数据、查找、导出名单和操作记录，但不能修改信息或发送消息。
team-btn-add = ➕ 添加

team-card-role = 权限：{ $role ->
    [viewer] 只读
   *[organizer] 全部权限
}
team-btn-make-viewer = 👁 改为只读
team-btn-make-organizer = 🛠 授予全部权限
team-btn-remove = 🗑 移出团队
team-btn-back = ◀ 返回列表
team-confirm-remove = 确定将{ $who }移出主办方团队吗？移出后将无法使用主办方控制台。
team-btn-remove-yes = 🗑 确定移出

team-ask-who =
    要添加谁？可任选一种方式：
    • 点击下方“在 Telegram 中选择”；
    • 将此人的任意一条消息转发到这里；
    • 发送此人的 Telegram ID（纯数字），或其 @用户名（仅限已与机器人对话过的用户）。
    如需取消，请发送 /cancel。
team-btn-pick = 👤 在 Telegram 中选择
team-who-invalid = 无法识别要添加的人。请点击“在 Telegram 中选择”，转发此人的消息，或发送其 Telegram ID（纯数字）。如需取消，请发送 /cancel。
team-who-hidden = 此人在 Telegram 隐私设置中隐藏了转发消息的来源账号。请点击“在 Telegram 中选择”，或发送其 Telegram ID。
team-who-unknown-username = 未找到 @{ $username }：机器人只认识与其对话过的用户。请点击“在 Telegram 中选择”，或发送其 Telegram ID。
team-who-bot = 这是机器人账号，只能将真人加入主办方团队。
team-who-settings = { $who }是配置文件中的主办方成员（ADMIN_IDS），拥有全部权限，只能在配置中修改。
team-who-yourself = 不能修改自己的权限，请联系其他主办方成员。
team-person = 👤 { $who }
team-ask-role = 授予什么权限？
team-btn-role-organizer = 🛠 全部权限
team-btn-role-viewer = 👁 只读

team-added = ✅ 已加入团队：{ $who }，权限：{ $role ->
    [viewer] 只读
   *[organizer] 全部权限
}。
team-role-changed = ✅ 权限已修改：{ $who }，现为{ $role ->
    [viewer] 只读
   *[organizer] 全部权限
}。
team-role-same = 此人已拥有该权限，未作任何修改。
team-removed = ✅ 已移出团队：{ $who }。
team-not-member = 此人已不在团队中。
team-told = 已通过机器人私聊通知此人。
team-not-told-no-start = 机器人无法通知此人：此人尚未与机器人对话。请其打开机器人并发送 /start，然后发送 /admin。
team-not-told-blocked = 通知未能送达：此人已屏蔽机器人，或 Telegram 未能投递消息。

# 发给本人的消息，使用其本人的语言。
team-you-added = 👥 您已被加入主办方团队，权限：{ $role ->
    [viewer] 只读（统计数据、查找、导出名单、操作记录）
   *[organizer] 全部权限
}。主办方控制台请发送 /admin。
team-you-role = 👥 您在主办方团队中的权限已修改为：{ $role ->
    [viewer] 只读（统计数据、查找、导出名单、操作记录）
   *[organizer] 全部权限
}。主办方控制台请发送 /admin。
team-you-removed = 👥 您已不再是主办方团队成员，无法再使用主办方控制台。您的报名和参会者命令不受影响。

audit-title = 📜 <b>主办方操作记录</b>
audit-page = 第{ $page }页，共{ $pages }页，最新记录在前。
audit-empty = 暂无操作记录。
audit-entry = { $who }：{ $action }
audit-detail = · { $label }：{ $value }
audit-detail-nested = { $outer }（{ $inner }）
# A registration, pupil or class by its id, with its name as it is now.
audit-detail-subject = { $value }（{ $state ->
    [erased] 个人信息已删除
   *[named] { $name }
}）
audit-btn-newer = ◀ 较新
audit-btn-older = 较早 ▶
audit-btn-refresh = 🔄 刷新

# stats and export: locales/*/admin_stats.ftl; find-*: admin_find.ftl.
audit-action-speaker-approved = 通过发言申请
audit-action-speaker-declined = 未通过发言申请
audit-action-broadcast = 发起群发通知
audit-action-broadcast-stop = 停止群发通知
audit-action-certificates-send = 发送参会证书
audit-action-certificate-reissue = 更正并重新发送参会证书
audit-action-set-starts-at = 修改活动开始时间
audit-action-set-ends-at = 修改活动结束时间
audit-action-set-registration-deadline = 修改报名截止时间
audit-action-set-link = 修改会议链接
audit-action-team-add = 加入主办方团队
audit-action-team-role = 修改团队成员权限
audit-action-team-remove = 移出主办方团队

audit-detail-event = 活动
audit-detail-format = 格式
audit-detail-rows = 记录数
audit-detail-classes = 班级数
audit-detail-registration-id = 报名编号
audit-detail-broadcast-id = 群发编号
audit-detail-audience = 收件人
audit-detail-total = 收件人数
audit-detail-number = 证书编号
audit-detail-name = 姓名
audit-detail-starts-at = 开始时间
audit-detail-ends-at = 结束时间
audit-detail-registration-deadline = 报名截止
audit-detail-meeting-link = 会议链接
audit-detail-meeting-id = 会议号
audit-detail-meeting-passcode = 会议密码
audit-detail-user-id = Telegram ID
audit-detail-role = 权限
audit-detail-previous-role = 原权限
audit-detail-previous = 原值
audit-detail-old = 原值
audit-detail-new = 新值
