## 班级学生名单：系统的识别结果及问题说明（bot/services/classes/roster.py）。
## 行号即教师看到的行号：消息或文件中的行、表格中的行。

# $first：名单中的前几个姓名，每行一个，已转义。其下由程序添加关于标题行、重复姓名和空行的说明，
# 最后是提问：首次上传用 roster-preview-question，在 /classes 中替换名单用 classes-replace-question。
roster-preview =
    📋 <b>学生名单</b>识别结果：共{ $count }人。

    { $first }
roster-preview-question = 请核对名单是否正确。
roster-no-repeats = 没有重复的姓名。
roster-no-empty-rows = 没有空行。
roster-more-duplicates = ……另有{ $count }个姓名重复出现。

# $rows：行号，例如“3、7”或“12–15”。
roster-duplicate-line = 🔁 { $name }：第{ $rows }行重复，名单中只保留一次。
roster-empty-rows-line = 已跳过{ $count }个空行：第{ $rows }行。
roster-header-line = 已跳过{ $count }行标题（第{ $rows }行），未计入名单。
roster-more-bad-rows = 另有{ $count }行也需要修改：第{ $rows }行。

## 错误提示。

roster-empty = 名单中没有找到任何姓名。请发送学生名单，每行一个姓名：可以直接粘贴到消息中，也可以发送 .txt、.csv 或 .xlsx 文件。
roster-too-many = 名单中共有{ $count }个姓名，每个班级最多可登记{ $max }名学生。请将名单拆分为几个班级，或删除多余的行后重新发送。
roster-file-too-large = 文件过大（{ $size_kb } KB），上限为{ $max_kb } KB。班级名单通常远小于此限制，请删除文件中的多余内容（如图片、其他工作表），或直接将名单粘贴到消息中。
roster-unsupported-type = { $extension ->
        [none] 无法读取没有扩展名的文件。
       *[other] 暂不支持 { $extension } 格式的文件。
    }请发送 .txt、.csv 或 .xlsx 格式的学生名单（每行一个姓名），或直接将名单粘贴到消息中。Word 文档可另存为“纯文本（.txt）”，表格可另存为“Excel 工作簿（.xlsx）”。
roster-binary = 该文件不是文本文件，可能是图片或其他格式的文档。请发送 .txt、.csv 或 .xlsx 格式的学生名单，或直接将名单粘贴到消息中。
roster-bad-encoding = 无法识别文件的文字编码。请将文件另存为 UTF-8 编码（记事本：“文件”→“另存为”→“编码：UTF-8”）后重新发送，或直接将名单粘贴到消息中。
roster-bad-xlsx = 无法打开该表格：文件已损坏，或并非真正的 .xlsx 文件。请用 Excel 打开后另存为“Excel 工作簿（.xlsx）”再重新发送，或直接将名单粘贴到消息中。
roster-bad-row = 第{ $row }行：{ $reason ->
        [no-letters] 姓名中没有任何文字。
        [digits-only] 该行只有数字，不是姓名。
        [digits] 姓名中含有数字。请只保留姓名，删除班级、日期等信息。
        [number] 单元格中是数字，不是姓名。
        [date] 单元格中是日期，不是姓名。
        [not-text] 单元格中的内容不是文字。
        [control] 姓名中含有不可见的控制字符。
        [csv] CSV 文件中该行格式有误，请检查引号。
       *[other] 该行内容不像是姓名。
    }请修改名单后重新发送。
roster-name-too-short = 第{ $row }行：姓名过短，至少需要{ $min }个字符。请修改名单后重新发送。
roster-name-too-long = 第{ $row }行：姓名超过{ $max }个字符。请只保留姓名，修改名单后重新发送。
