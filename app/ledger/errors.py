"""Error codes and messages of the ledger, care logs and statistics."""

from app.core.errors import Forbidden, Invalid, NotFound


class LedgerGroupNotFound(NotFound):
    code = "ledger.group_not_found"
    messages = ("课后服务小组不存在。", "Group not found.")


class LedgerStudentNotFound(NotFound):
    code = "ledger.student_not_found"
    messages = ("学生不存在。", "Student not found.")


class LedgerTermNotFound(NotFound):
    code = "ledger.term_not_found"
    messages = ("学期不存在。", "Term not found.")


class LedgerNotGroupStaff(Forbidden):
    code = "ledger.not_group_staff"
    messages = (
        "只有该小组的负责老师、助理老师或学校管理员可以填写看护记录。",
        "Only the group's leader or assistant, or a school admin, may write its care log.",
    )


class LedgerSlotMismatch(Invalid):
    code = "ledger.slot_mismatch"
    messages = (
        "该时段不是这个小组的时段。",
        "The slot is not this group's slot.",
    )


class LedgerFutureDate(Invalid):
    code = "ledger.future_date"
    messages = (
        "不能为将来的日期填写记录。",
        "A care log cannot be written ahead.",
    )


class LedgerMonthInvalid(Invalid):
    code = "ledger.month_invalid"
    messages = ("月份格式应为 YYYY-MM。", "The month must be YYYY-MM.")


class LedgerRangeInvalid(Invalid):
    code = "ledger.range_invalid"
    messages = (
        "结束日期不能早于开始日期，且范围不能超过 {max_days} 天。",
        "'to' may not be before 'from', nor the range longer than {max_days} days.",
    )
