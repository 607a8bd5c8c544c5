"""Error codes and messages of school set-up."""

from app.core.errors import Conflict, DomainError, Invalid, NotFound


class StudentNotFound(NotFound):
    code = "student.not_found"
    messages = ("学生不存在。", "Student not found.")


# the school and its policy
class SchoolNotFound(NotFound):
    code = "school.not_found"
    messages = ("学校不存在。", "School not found.")


class SchoolTimezoneInvalid(Invalid):
    code = "school.timezone_invalid"
    messages = (
        "时区 {timezone} 无效，请使用 IANA 时区名称，例如 Asia/Shanghai。",
        "Unknown time zone {timezone}; use an IANA name such as Asia/Shanghai.",
    )


# terms
class TermNotFound(NotFound):
    code = "term.not_found"
    messages = ("学期不存在。", "Term not found.")


class GroupWeekdaysOutsideTerm(Invalid):
    code = "group.weekdays_outside_term"
    messages = (
        "活动日期须是学期的服务日。",
        "An activity's weekdays must be service days of the term.",
    )


class GroupActivityHasNoClasses(Invalid):
    code = "group.activity_has_no_classes"
    messages = (
        "课程社团不按班级编组，由家长选报。",
        "An activity group has no classes; families choose it.",
    )


class TermDatesUnordered(Invalid):
    code = "term.dates_unordered"
    messages = (
        "学期结束日期不能早于开始日期。",
        "The term cannot end before it starts.",
    )


class TermTooLong(Invalid):
    code = "term.too_long"
    messages = (
        "学期不能超过 {days} 天，请检查年份。",
        "A term cannot last more than {days} days; check the year.",
    )


class TermClosureOutside(Invalid):
    code = "term.closure_outside"
    messages = (
        "停课日期 {date} 不在学期内。",
        "The closure date {date} is outside the term.",
    )


class TermWeekdaysInUse(Conflict):
    code = "term.weekdays_in_use"
    messages = (
        "已有报名选择了要取消的星期，不能取消这些服务日。",
        "Open enrollments use the weekdays being removed.",
    )


class TermOverlaps(Conflict):
    code = "term.overlaps"
    messages = (
        "与本校学期「{name}」（{start}至{end}）的日期重叠。",
        "The dates overlap the school's term “{name}” ({start} to {end}).",
    )


class TermHasEnrollments(Conflict):
    code = "term.has_enrollments"
    messages = (
        "该学期已有报名记录，不能删除。",
        "The term has enrollments and cannot be deleted.",
    )


class TermHasSlots(Conflict):
    code = "term.has_slots"
    messages = (
        "该学期还有时段，请先删除时段。",
        "The term still has slots; delete them first.",
    )


class TermInUse(Conflict):
    code = "term.in_use"
    messages = ("该学期仍被其他记录引用，不能删除。", "Other records still use this term.")


# slots
class SlotNotFound(NotFound):
    code = "slot.not_found"
    messages = ("时段不存在。", "Slot not found.")


class SlotTimesUnordered(Invalid):
    code = "slot.times_unordered"
    messages = (
        "时段结束时间必须晚于开始时间。",
        "A slot must end after it starts.",
    )


class SlotOverlaps(Conflict):
    code = "slot.overlaps"
    messages = (
        "与本学期的时段「{name}」（{start}–{end}）时间重叠。",
        "Overlaps the term's slot “{name}” ({start}–{end}).",
    )


class SlotHasGroups(Conflict):
    code = "slot.has_groups"
    messages = (
        "该时段还有小组，请先删除小组。",
        "The slot still has groups; delete them first.",
    )


class SlotHasEnrollments(Conflict):
    code = "slot.has_enrollments"
    messages = (
        "已有报名选择了该时段，不能删除。",
        "Enrollments have chosen this slot; it cannot be deleted.",
    )


class SlotInUse(Conflict):
    code = "slot.in_use"
    messages = ("该时段仍被其他记录引用，不能删除。", "Other records still use this slot.")


# classes
class ClassNotFound(Invalid):
    code = "class.not_found"
    messages = ("班级不存在。", "Class not found.")


class ClassNameTaken(Conflict):
    code = "class.name_taken"
    messages = ("班级「{name}」已存在。", "A class named “{name}” already exists.")


class ClassHasStudents(Conflict):
    code = "class.has_students"
    messages = (
        "该班级还有学生，不能删除。",
        "The class still has students and cannot be deleted.",
    )


class ClassInGroups(Conflict):
    code = "class.in_groups"
    messages = (
        "该班级仍分配在小组中，请先从小组中移除。",
        "Groups still take this class; remove it from them first.",
    )


class ClassInUse(Conflict):
    code = "class.in_use"
    messages = (
        "该班级仍被其他记录引用，不能删除。",
        "Other records still use this class.",
    )


class StaffNotTeacher(Invalid):
    code = "staff.not_teacher"
    messages = (
        "该用户不是本校的教师。",
        "This user is not a teacher of the school.",
    )


# groups
class GroupNotFound(NotFound):
    code = "group.not_found"
    messages = ("小组不存在。", "Group not found.")


class GroupAssistantRequired(Invalid):
    code = "group.assistant_required"
    messages = (
        "校外人员或志愿者带领的小组须配备本校助理老师。",
        "A group led by external or volunteer staff needs a school assistant.",
    )


class GroupAssistantIsLeader(Invalid):
    code = "group.assistant_is_leader"
    messages = (
        "助理老师不能是负责老师本人。",
        "The assistant cannot be the group's leader.",
    )


class GroupAssistantNotSchoolStaff(Invalid):
    code = "group.assistant_not_school_staff"
    messages = (
        "助理老师须为本校教职工。",
        "The assistant must be school staff.",
    )


class GroupSlotNotInTerm(Invalid):
    code = "group.slot_not_in_term"
    messages = (
        "该时段不属于所选学期。",
        "The slot does not belong to the chosen term.",
    )


class GroupCapacityAboveMax(Invalid):
    code = "group.capacity_above_max"
    messages = (
        "小组人数上限不能超过本校规定的 {max} 人。",
        "Group capacity cannot exceed the school's maximum of {max}.",
    )


class GroupClassTaken(Conflict):
    code = "group.class_taken"
    messages = (
        "每个班级在同一时段只能对应一个小组，已分配：{classes}。",
        "A class feeds one group per slot; already assigned: {classes}.",
    )


class CapacityBelowSeats(Conflict):
    code = "capacity.below_seats"
    messages = (
        "「{name}」已有 {held} 个名额被占用，容量不能低于此数。",
        "“{name}” already holds {held} seats; its capacity cannot go below that.",
    )


class GroupInUse(Conflict):
    code = "group.in_use"
    messages = (
        "该小组仍被其他记录引用，不能删除。",
        "Other records still use this group.",
    )


# students and families
class StudentNoTaken(Conflict):
    code = "student.no_taken"
    messages = (
        "学号 {student_no} 在本校已存在。",
        "Student number {student_no} is already in use at this school.",
    )


class StudentHasEnrollments(Conflict):
    code = "student.has_enrollments"
    messages = (
        "该学生有报名记录，不能删除。",
        "The student has enrollments and cannot be deleted.",
    )


class StudentHasGuardians(Conflict):
    code = "student.has_guardians"
    messages = (
        "该学生已绑定家长，请先解除绑定。",
        "Guardians are linked to the student; unlink them first.",
    )


class StudentInUse(Conflict):
    code = "student.in_use"
    messages = (
        "该学生仍被其他记录引用，不能删除。",
        "Other records still use this student.",
    )


class GuardianNotFound(NotFound):
    code = "guardian.not_found"
    messages = (
        "该家长未绑定此学生。",
        "This guardian is not linked to the student.",
    )


# roster import: the file
class ImportFileMissing(Invalid):
    code = "import.file_missing"
    messages = (
        "请上传名单文件（表单字段 file）。",
        "Upload the roster file (form field “file”).",
    )


class ImportEmpty(Invalid):
    code = "import.empty"
    messages = ("上传的文件是空的。", "The uploaded file is empty.")


class ImportTooLarge(DomainError):
    status = 413
    code = "import.too_large"
    messages = (
        "文件过大或内容过多（上限 {limit_mb} MB）。",
        "The file is too large or holds too much (limit {limit_mb} MB).",
    )


class ImportUnsupportedType(DomainError):
    status = 415
    code = "import.unsupported_type"
    messages = (
        "不支持的文件类型，请上传 CSV 或 Excel（.xlsx）文件。",
        "Unsupported file type; upload a CSV or Excel (.xlsx) file.",
    )


class ImportXlsUnsupported(DomainError):
    status = 415
    code = "import.xls_unsupported"
    messages = (
        "不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后上传。",
        "Legacy Excel (.xls) files are not supported; save as .xlsx or CSV.",
    )


class ImportUnreadable(Invalid):
    code = "import.unreadable"
    messages = (
        "文件已损坏或格式不正确，无法读取。",
        "The file is damaged or malformed and cannot be read.",
    )


class ImportMissingColumns(Invalid):
    code = "import.missing_columns"
    messages = (
        "缺少必需的列：{columns}。表头应包含 姓名、学号、班级（优先类别可选）。",
        "Missing required columns: {columns}. "
        "The headers are 姓名, 学号, 班级 (优先类别 optional).",
    )


class ImportNoRows(Invalid):
    code = "import.no_rows"
    messages = ("文件中没有学生数据。", "The file has no student rows.")


class ImportTooManyRows(Invalid):
    code = "import.too_many_rows"
    messages = (
        "一次最多导入 {max} 名学生，请拆分文件。",
        "At most {max} students per import; split the file.",
    )


class ImportRowsInvalid(Invalid):
    code = "import.rows_invalid"
    messages = (
        "有 {problem_rows} 行数据有误，未导入任何学生。请修改后重新上传。",
        "{problem_rows} rows have problems; nothing was imported. Fix them and upload again.",
    )


class ImportConflict(Conflict):
    code = "import.conflict"
    messages = (
        "导入期间学生或班级发生了变化，未导入任何学生，请重试。",
        "Students or classes changed during the import; nothing was imported. Retry.",
    )


# roster import: one row
class ImportNameMissing(Invalid):
    code = "import.name_missing"
    messages = ("第 {row} 行：缺少姓名。", "Row {row}: the name is missing.")


class ImportNameTooLong(Invalid):
    code = "import.name_too_long"
    messages = (
        "第 {row} 行：姓名超过 {max} 个字符。",
        "Row {row}: the name is longer than {max} characters.",
    )


class ImportStudentNoMissing(Invalid):
    code = "import.student_no_missing"
    messages = (
        "第 {row} 行：缺少学号。",
        "Row {row}: the student number is missing.",
    )


class ImportStudentNoInvalid(Invalid):
    code = "import.student_no_invalid"
    messages = (
        "第 {row} 行：学号 {value} 格式不正确（只能包含字母、数字、-、_，最多 32 位）。",
        "Row {row}: student number {value} is malformed (letters, digits, - and _, up to 32).",
    )


class ImportStudentNoRepeated(Invalid):
    code = "import.student_no_repeated"
    messages = (
        "第 {row} 行：学号 {value} 与第 {first_row} 行重复。",
        "Row {row}: student number {value} repeats row {first_row}.",
    )


class ImportStudentNoTaken(Conflict):
    code = "import.student_no_taken"
    messages = (
        "第 {row} 行：学号 {value} 在本校已存在。",
        "Row {row}: student number {value} is already in use at this school.",
    )


class ImportClassMissing(Invalid):
    code = "import.class_missing"
    messages = ("第 {row} 行：缺少班级。", "Row {row}: the class is missing.")


class ImportClassUnknown(Invalid):
    code = "import.class_unknown"
    messages = (
        "第 {row} 行：班级「{value}」不存在，请先创建班级。",
        "Row {row}: there is no class “{value}”; create it first.",
    )


class ImportPriorityUnknown(Invalid):
    code = "import.priority_unknown"
    messages = (
        "第 {row} 行：无法识别的优先类别「{value}」，可用：特殊需要、留守、随迁、低收入。",
        "Row {row}: unknown priority “{value}”; use special_needs, left_behind, migrant, "
        "low_income (特殊需要、留守、随迁、低收入).",
    )
