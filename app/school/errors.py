"""Error codes and messages of school set-up."""

from app.core.i18n import register

register(
    {
        "student.not_found": ("学生不存在。", "Student not found."),
        # the school and its policy
        "school.not_found": ("学校不存在。", "School not found."),
        "school.timezone_invalid": (
            "时区 {timezone} 无效，请使用 IANA 时区名称，例如 Asia/Shanghai。",
            "Unknown time zone {timezone}; use an IANA name such as Asia/Shanghai.",
        ),
        # terms
        "term.not_found": ("学期不存在。", "Term not found."),
        "group.weekdays_outside_term": (
            "活动日期须是学期的服务日。",
            "An activity's weekdays must be service days of the term.",
        ),
        "group.activity_has_no_classes": (
            "课程社团不按班级编组，由家长选报。",
            "An activity group has no classes; families choose it.",
        ),
        "term.dates_unordered": (
            "学期结束日期不能早于开始日期。",
            "The term cannot end before it starts.",
        ),
        "term.too_long": (
            "学期不能超过 {days} 天，请检查年份。",
            "A term cannot last more than {days} days; check the year.",
        ),
        "term.closure_outside": (
            "停课日期 {date} 不在学期内。",
            "The closure date {date} is outside the term.",
        ),
        "term.weekdays_in_use": (
            "已有报名选择了要取消的星期，不能取消这些服务日。",
            "Open enrollments use the weekdays being removed.",
        ),
        "term.overlaps": (
            "与本校学期「{name}」（{start}至{end}）的日期重叠。",
            "The dates overlap the school's term “{name}” ({start} to {end}).",
        ),
        "term.has_enrollments": (
            "该学期已有报名记录，不能删除。",
            "The term has enrollments and cannot be deleted.",
        ),
        "term.has_slots": (
            "该学期还有时段，请先删除时段。",
            "The term still has slots; delete them first.",
        ),
        "term.in_use": ("该学期仍被其他记录引用，不能删除。", "Other records still use this term."),
        # slots
        "slot.not_found": ("时段不存在。", "Slot not found."),
        "slot.times_unordered": (
            "时段结束时间必须晚于开始时间。",
            "A slot must end after it starts.",
        ),
        "slot.overlaps": (
            "与本学期的时段「{name}」（{start}–{end}）时间重叠。",
            "Overlaps the term's slot “{name}” ({start}–{end}).",
        ),
        "slot.has_groups": (
            "该时段还有小组，请先删除小组。",
            "The slot still has groups; delete them first.",
        ),
        "slot.has_enrollments": (
            "已有报名选择了该时段，不能删除。",
            "Enrollments have chosen this slot; it cannot be deleted.",
        ),
        "slot.in_use": ("该时段仍被其他记录引用，不能删除。", "Other records still use this slot."),
        # classes
        "class.not_found": ("班级不存在。", "Class not found."),
        "class.name_taken": ("班级「{name}」已存在。", "A class named “{name}” already exists."),
        "class.has_students": (
            "该班级还有学生，不能删除。",
            "The class still has students and cannot be deleted.",
        ),
        "class.in_groups": (
            "该班级仍分配在小组中，请先从小组中移除。",
            "Groups still take this class; remove it from them first.",
        ),
        "class.in_use": (
            "该班级仍被其他记录引用，不能删除。",
            "Other records still use this class.",
        ),
        "staff.not_teacher": (
            "该用户不是本校的教师。",
            "This user is not a teacher of the school.",
        ),
        # groups
        "group.not_found": ("小组不存在。", "Group not found."),
        "group.assistant_required": (
            "校外人员或志愿者带领的小组须配备本校助理老师。",
            "A group led by external or volunteer staff needs a school assistant.",
        ),
        "group.assistant_is_leader": (
            "助理老师不能是负责老师本人。",
            "The assistant cannot be the group's leader.",
        ),
        "group.assistant_not_school_staff": (
            "助理老师须为本校教职工。",
            "The assistant must be school staff.",
        ),
        "group.slot_not_in_term": (
            "该时段不属于所选学期。",
            "The slot does not belong to the chosen term.",
        ),
        "group.capacity_above_max": (
            "小组人数上限不能超过本校规定的 {max} 人。",
            "Group capacity cannot exceed the school's maximum of {max}.",
        ),
        "group.class_taken": (
            "每个班级在同一时段只能对应一个小组，已分配：{classes}。",
            "A class feeds one group per slot; already assigned: {classes}.",
        ),
        "capacity.below_seats": (
            "「{name}」已有 {held} 个名额被占用，容量不能低于此数。",
            "“{name}” already holds {held} seats; its capacity cannot go below that.",
        ),
        "group.in_use": (
            "该小组仍被其他记录引用，不能删除。",
            "Other records still use this group.",
        ),
        # students and families
        "student.no_taken": (
            "学号 {student_no} 在本校已存在。",
            "Student number {student_no} is already in use at this school.",
        ),
        "student.has_enrollments": (
            "该学生有报名记录，不能删除。",
            "The student has enrollments and cannot be deleted.",
        ),
        "student.has_guardians": (
            "该学生已绑定家长，请先解除绑定。",
            "Guardians are linked to the student; unlink them first.",
        ),
        "student.in_use": (
            "该学生仍被其他记录引用，不能删除。",
            "Other records still use this student.",
        ),
        "guardian.not_found": (
            "该家长未绑定此学生。",
            "This guardian is not linked to the student.",
        ),
        # roster import: the file
        "import.file_missing": (
            "请上传名单文件（表单字段 file）。",
            "Upload the roster file (form field “file”).",
        ),
        "import.empty": ("上传的文件是空的。", "The uploaded file is empty."),
        "import.too_large": (
            "文件过大或内容过多（上限 {limit_mb} MB）。",
            "The file is too large or holds too much (limit {limit_mb} MB).",
        ),
        "import.unsupported_type": (
            "不支持的文件类型，请上传 CSV 或 Excel（.xlsx）文件。",
            "Unsupported file type; upload a CSV or Excel (.xlsx) file.",
        ),
        "import.xls_unsupported": (
            "不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后上传。",
            "Legacy Excel (.xls) files are not supported; save as .xlsx or CSV.",
        ),
        "import.unreadable": (
            "文件已损坏或格式不正确，无法读取。",
            "The file is damaged or malformed and cannot be read.",
        ),
        "import.missing_columns": (
            "缺少必需的列：{columns}。表头应包含 姓名、学号、班级（优先类别可选）。",
            "Missing required columns: {columns}. "
            "The headers are 姓名, 学号, 班级 (优先类别 optional).",
        ),
        "import.no_rows": ("文件中没有学生数据。", "The file has no student rows."),
        "import.too_many_rows": (
            "一次最多导入 {max} 名学生，请拆分文件。",
            "At most {max} students per import; split the file.",
        ),
        "import.rows_invalid": (
            "有 {problem_rows} 行数据有误，未导入任何学生。请修改后重新上传。",
            "{problem_rows} rows have problems; nothing was imported. Fix them and upload again.",
        ),
        "import.conflict": (
            "导入期间学生或班级发生了变化，未导入任何学生，请重试。",
            "Students or classes changed during the import; nothing was imported. Retry.",
        ),
        # roster import: one row
        "import.name_missing": ("第 {row} 行：缺少姓名。", "Row {row}: the name is missing."),
        "import.name_too_long": (
            "第 {row} 行：姓名超过 {max} 个字符。",
            "Row {row}: the name is longer than {max} characters.",
        ),
        "import.student_no_missing": (
            "第 {row} 行：缺少学号。",
            "Row {row}: the student number is missing.",
        ),
        "import.student_no_invalid": (
            "第 {row} 行：学号 {value} 格式不正确（只能包含字母、数字、-、_，最多 32 位）。",
            "Row {row}: student number {value} is malformed (letters, digits, - and _, up to 32).",
        ),
        "import.student_no_repeated": (
            "第 {row} 行：学号 {value} 与第 {first_row} 行重复。",
            "Row {row}: student number {value} repeats row {first_row}.",
        ),
        "import.student_no_taken": (
            "第 {row} 行：学号 {value} 在本校已存在。",
            "Row {row}: student number {value} is already in use at this school.",
        ),
        "import.class_missing": ("第 {row} 行：缺少班级。", "Row {row}: the class is missing."),
        "import.class_unknown": (
            "第 {row} 行：班级「{value}」不存在，请先创建班级。",
            "Row {row}: there is no class “{value}”; create it first.",
        ),
        "import.priority_unknown": (
            "第 {row} 行：无法识别的优先类别「{value}」，可用：特殊需要、留守、随迁、低收入。",
            "Row {row}: unknown priority “{value}”; use special_needs, left_behind, migrant, "
            "low_income (特殊需要、留守、随迁、低收入).",
        ),
    }
)
