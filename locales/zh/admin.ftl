## 主办方控制台。

admin-only = 此按钮仅供主办方使用。
admin-menu = <b>主办方控制台</b>，请选择操作：
admin-btn-stats = 📊 统计数据
admin-btn-export = 📥 导出名单
admin-btn-broadcast = 📣 群发通知
admin-btn-setlink = 🔗 会议链接
admin-btn-event = ⚙️ 活动设置
admin-btn-speakers = 🎤 发言人
