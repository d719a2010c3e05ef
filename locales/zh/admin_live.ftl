## /live: attendance while the event runs, one message updated in place (handlers/admin/live.py).

cmd-live = 实时签到情况
admin-btn-live = 📡 实时签到
audit-action-live = 查看实时签到情况

live-heading =
    📡 <b>实时签到情况</b>
    { $event }
live-no-registrations = 暂无报名。
live-registered = 报名人数：{ $count }
live-checked-in = 已签到：{ $count }/{ $total }（{ $percent }%）
live-place = • { $place ->
        [online] 线上
        [offline] 线下
       *[other] 其他形式
    }：{ $count }/{ $total }
live-classes = 🏫 班级已签到：{ $count }/{ $total }，学生共{ $students }人
live-class = • { $class_name }：{ $students }人
live-classes-more = ……另有{ $count }个班级
live-recent-heading = <b>最新签到（北京时间）：</b>
live-recent-none = 暂无签到。
live-recent-person = { $bjt_time }（莫斯科时间{ $msk_time }）{ $name }，{ $method ->
        [button] 按钮签到
        [code] 口令签到
        [web] 个人页面签到
        [organizer] 主办方代为签到
        [ticket] 入场扫码签到
       *[other] 其他方式签到
    }
live-recent-class = { $bjt_time }（莫斯科时间{ $msk_time }）{ $class_name }，{ $method ->
        [button] 班级签到
        [web] 班级页面签到
       *[other] 其他方式签到
    }
live-name-erased = 已删除个人信息的参会者
live-running = 🔄 本消息自动更新，至北京时间{ $bjt_time }（莫斯科时间{ $msk_time }）为止。
live-stopped = { $reason ->
        [stop] ⏹ 已停止更新。如需重新查看，请发送 /live。
        [replaced] ⏹ 已停止更新：下方已打开新的统计。
        [ended] ⏹ 签到已结束，以上为最终数据。
        [expired] ⏹ 本统计打开时间过长，已停止更新。如需继续查看，请发送 /live。
        [shutdown] ⏸ 机器人正在重启，已停止更新。如需继续查看，请发送 /live。
        [no-access] ⏹ 已停止更新：您已不再拥有主办方控制台的权限。
        [no-venue] ⏹ 已停止更新：您已不再是该会场的负责人。
       *[final] 🏁 签到已结束，以上为最终数据。
    }
live-btn-stop = ⏹ 停止更新
live-stopped-notice = 已停止更新。
