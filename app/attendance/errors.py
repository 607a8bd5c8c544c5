"""Error codes and messages of rosters and roll call."""

from app.core.errors import Forbidden, Invalid, NotFound


class AttendanceGroupNotFound(NotFound):
    code = "attendance.group_not_found"
    messages = ("课后服务小组不存在。", "Group not found.")


class AttendanceRosterForbidden(Forbidden):
    code = "attendance.roster_forbidden"
    messages = (
        "只有小组负责老师、相关班主任、值班老师和学校管理员可以查看名单。",
        "Only the group leader, its homeroom teachers, duty staff and admins see this roster.",
    )


class AttendanceNotGroupLeader(Forbidden):
    code = "attendance.not_group_leader"
    messages = (
        "只有该小组的负责老师或学校管理员可以点名。",
        "Only the group's leader or a school admin may take its roll call.",
    )


class AttendanceFutureDate(Invalid):
    code = "attendance.future_date"
    messages = ("不能为将来的日期点名。", "Roll call cannot be taken ahead.")


class AttendanceOutsideTerm(Invalid):
    code = "attendance.outside_term"
    messages = (
        "该日期不在小组所属学期内。",
        "The date is outside the group's term.",
    )


class AttendanceSlotMismatch(Invalid):
    code = "attendance.slot_mismatch"
    messages = (
        "该时段不是这个小组的时段。",
        "The slot is not this group's slot.",
    )


class AttendanceNotOnRoster(Invalid):
    code = "attendance.not_on_roster"
    messages = (
        "该学生不在这一天这个小组的名单上。",
        "The student is not on this group's roster for that day.",
    )


class AttendanceDuplicateMark(Invalid):
    code = "attendance.duplicate_mark"
    messages = (
        "同一学生在一次点名中只能出现一次。",
        "A student may appear only once in a roll call.",
    )
