"""Error codes and messages of rosters and roll call."""

from app.core.i18n import register

register(
    {
        "attendance.group_not_found": ("课后服务小组不存在。", "Group not found."),
        "attendance.roster_forbidden": (
            "只有小组负责老师、相关班主任、值班老师和学校管理员可以查看名单。",
            "Only the group leader, its homeroom teachers, duty staff and admins see this roster.",
        ),
        "attendance.not_group_leader": (
            "只有该小组的负责老师或学校管理员可以点名。",
            "Only the group's leader or a school admin may take its roll call.",
        ),
        "attendance.future_date": ("不能为将来的日期点名。", "Roll call cannot be taken ahead."),
        "attendance.outside_term": (
            "该日期不在小组所属学期内。",
            "The date is outside the group's term.",
        ),
        "attendance.slot_mismatch": (
            "该时段不是这个小组的时段。",
            "The slot is not this group's slot.",
        ),
        "attendance.not_on_roster": (
            "该学生不在这一天这个小组的名单上。",
            "The student is not on this group's roster for that day.",
        ),
        "attendance.duplicate_mark": (
            "同一学生在一次点名中只能出现一次。",
            "A student may appear only once in a roll call.",
        ),
    }
)
