"""Error codes and messages of staff check-ins."""

from app.core.errors import Forbidden, Invalid, NotFound


class CheckInGroupNotFound(NotFound):
    code = "check_in.group_not_found"
    messages = ("课后服务小组不存在。", "Group not found.")


class CheckInNotGroupStaff(Forbidden):
    code = "check_in.not_group_staff"
    messages = (
        "只有该小组的负责老师或助理老师可以签到。",
        "Only the group's leader or assistant may check in with it.",
    )


class CheckInSlotMismatch(Invalid):
    code = "check_in.slot_mismatch"
    messages = (
        "该时段不是这个小组的时段。",
        "The slot is not this group's slot.",
    )


class CheckInOthersForbidden(Forbidden):
    code = "check_in.others_forbidden"
    messages = (
        "老师只能查看自己的签到记录。",
        "A teacher reads only their own check-ins.",
    )


class CheckInRangeInvalid(Invalid):
    code = "check_in.range_invalid"
    messages = (
        "结束日期不能早于开始日期。",
        "'to' may not be before 'from'.",
    )


class CheckInNotToday(Invalid):
    code = "check_in.not_today"
    messages = (
        "只能在当天签到（今天是 {today}）。",
        "Check-ins are for the day itself (today is {today}).",
    )
