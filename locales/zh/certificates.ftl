## 参会证书、证书查验、反馈。

cmd-certificate = 我的参会证书
cmd-verify = 按编号查验证书
cmd-certificates = 证书：预览、发送、更正
admin-btn-certificates = 🎓 参会证书

certificate-none = 您暂时还没有证书。会议结束后，证书将发送给在会议期间签到的参会者。
certificate-caption = 🎓 参会证书（编号：{ $number }）
certificate-class-caption = 🎓 感谢信及{ $class_name }学生参会证书（编号：{ $number }）
# File names of the PDFs (without .pdf): no spaces, no characters a file name cannot hold.
certificate-file-name = 参会证书-{ $number }
certificate-class-file-name = 感谢信-{ $number }
verify-usage = 请按以下格式发送证书编号：<code>/verify NP25-0001-ABCD</code>
verify-not-found = 未找到编号为 { $number } 的证书，请核对编号。
verify-found =
    ✅ 编号 { $number } 的证书真实有效。
    持有人：{ $name }
    活动：{ $event }，{ $date }
feedback-ask-rating = 感谢您的参与！请为本次会议打分（1至5分）：
feedback-ask-comment = 还有其他意见或建议吗？请简单写几句，或点击“跳过”。
feedback-thanks = 感谢您的反馈！

admin-cert-summary =
    🎓 参会证书：<b>{ $event }</b>
    可获得证书人数：{ $eligible }{ $attendance ->
        [true] （仅限已签到者）
       *[false] {""}
    }
admin-cert-preview = 👁 预览样张
admin-cert-send = 📨 向尚未收到者发送
admin-cert-fix = ✏️ 更正姓名并重新发送
admin-cert-sample-name = 王小明
admin-cert-preview-caption = 使用测试姓名生成的证书样张。
admin-cert-sending = 新生成证书：{ $issued }份，正在发送……
admin-cert-report = ✅ 证书已发送：{ $sent }份，无法送达：{ $unreachable }份，发送失败：{ $failed }份。
admin-cert-ask-number = 请发送需要更正姓名的证书编号。
admin-cert-ask-name = 证书上目前的姓名：{ $name }。请发送正确的姓名。
admin-cert-reissued = { $sent ->
        [0] ⚠️ 证书 { $number } 已更正，但未能发送。持有人可发送 /certificate 重新获取。
       *[other] ✅ 证书 { $number } 已更正并已重新发送。
    }
stats-feedback = 反馈：{ $count }条，平均评分{ NUMBER($average, maximumFractionDigits: 2) }/5，附文字意见：{ $comments }条
export-col-rating = 评分（1–5）
export-col-comment = 意见
