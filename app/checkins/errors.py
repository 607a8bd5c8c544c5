"""Error codes and messages of staff check-ins."""

from app.core.i18n import register

register(
    {
        "check_in.group_not_found": ("课后服务小组不存在。", "Group not found."),
        "check_in.not_group_staff": (
            "只有该小组的负责老师或助理老师可以签到。",
            "Only the group's leader or assistant may check in with it.",
        ),
        "check_in.slot_mismatch": (
            "该时段不是这个小组的时段。",
            "The slot is not this group's slot.",
        ),
        "check_in.others_forbidden": (
            "老师只能查看自己的签到记录。",
            "A teacher reads only their own check-ins.",
        ),
        "check_in.range_invalid": (
            "结束日期不能早于开始日期。",
            "'to' may not be before 'from'.",
        ),
        "check_in.not_today": (
            "只能在当天签到（今天是 {today}）。",
            "Check-ins are for the day itself (today is {today}).",
        ),
    }
)
