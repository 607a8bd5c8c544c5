"""Error codes and messages of the ledger, care logs and statistics."""

from app.core.i18n import register

register(
    {
        "ledger.group_not_found": ("课后服务小组不存在。", "Group not found."),
        "ledger.student_not_found": ("学生不存在。", "Student not found."),
        "ledger.term_not_found": ("学期不存在。", "Term not found."),
        "ledger.not_group_staff": (
            "只有该小组的负责老师、助理老师或学校管理员可以填写看护记录。",
            "Only the group's leader or assistant, or a school admin, may write its care log.",
        ),
        "ledger.slot_mismatch": (
            "该时段不是这个小组的时段。",
            "The slot is not this group's slot.",
        ),
        "ledger.future_date": (
            "不能为将来的日期填写记录。",
            "A care log cannot be written ahead.",
        ),
        "ledger.month_invalid": ("月份格式应为 YYYY-MM。", "The month must be YYYY-MM."),
        "ledger.range_invalid": (
            "结束日期不能早于开始日期，且范围不能超过 {max_days} 天。",
            "'to' may not be before 'from', nor the range longer than {max_days} days.",
        ),
    }
)
