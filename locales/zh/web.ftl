## 网页：活动列表、活动页面、证书验证、错误页面。
## 时间、参会形式、会场和联系方式沿用通用文本（common.ftl）。

web-site-name = “我们共同的胜利”
web-site-subtitle = 国际科学实践视频会议
web-conference-name = “我们共同的胜利”国际科学实践视频会议
web-language-name = 中文
web-language-switch = 页面语言
web-nav-events = 活动
web-nav-verify = 验证证书
web-home-link = 返回首页

web-events-title = 会议活动
web-events-none-open = 目前没有正在接受报名的活动。新的活动将在本页公布。
web-event-more = 详情与报名
web-state-open = 正在报名
web-state-closed = 报名已截止
web-state-over = 活动已结束

web-event-when = 日期和时间
web-event-organizer = 主办方：{ $organizer }
web-event-about = 活动简介
web-contacts-title = 主办方联系方式
web-back-to-events = 全部活动

web-register-title = 报名
web-register-until = 报名截止时间：
web-register-soon = 本页面即将开放网上报名。目前可通过会议的 Telegram 机器人报名。
web-register-telegram = 在 Telegram 中报名
web-register-no-bot = 本页面即将开放网上报名。如有报名相关问题，请联系主办方（联系方式见下方）。
web-register-closed = 本活动报名已截止。
web-register-over = 本活动已结束。参会证书可凭证书编号验证真伪。

web-verify-title = 验证证书
web-verify-intro = 请输入参会证书编号。编号印在证书上，例如 NP25-0001-ABCD。
web-verify-label = 证书编号
web-verify-submit = 验证
web-verify-empty = 请输入证书编号。
web-verify-valid = 证书真实有效
web-verify-number = 编号
web-verify-name = 持有人
web-verify-event = 活动
web-verify-date = 日期
web-verify-not-found-title = 未找到证书
web-verify-again = 验证其他编号

web-choose-title = 请选择语言
web-choose-text = 本页面提供中文和俄文版本。

web-error-code = 错误代码：{ $status }
web-error-400-title = 无法识别请求
web-error-400-text = 页面无法处理该请求。请返回上一页后重试。
web-error-403-title = 表单未被接受
web-error-403-text = 表单可能已过期，或是在其他浏览器中打开的。请重新打开页面，再次提交表单。
web-error-404-title = 页面不存在
web-error-404-text = 未找到该页面。请核对网址，或返回首页。
web-error-405-title = 无法执行此操作
web-error-405-text = 本页面不接受此类请求。请返回首页。
web-error-413-title = 提交的内容过大
web-error-413-text = 提交的内容超过{ $max_mb } MB上限。请缩小文件后重试。
web-error-429-title = 操作过于频繁
web-error-429-text = 您的网络地址短时间内提交了过多表单。请在{ $seconds }秒后重试。
web-error-500-title = 出错了
web-error-500-text = 服务器发生错误，请稍后重试。如果问题仍然存在，请联系主办方并提供错误代码 { $request_id }。
