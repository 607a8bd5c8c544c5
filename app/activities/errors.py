"""Error codes and messages of activities and clubs."""

from app.core.errors import Conflict, Invalid


class ActivityNotFound(Invalid):
    code = "activity.not_found"
    messages = ("课程社团不存在。", "Activity not found.")


class ActivityClash(Invalid):
    code = "activity.clash"
    messages = (
        "所选的「{first}」与「{second}」在同一时段、同一天上课，只能选一个。",
        "“{first}” and “{second}” meet in the same slot on the same day; choose one.",
    )


class ActivityStudentRequired(Invalid):
    code = "activity.student_required"
    messages = ("请指定学生。", "Name the child (student_id).")


class ActivityDuplicate(Invalid):
    code = "activity.duplicate"
    messages = ("同一课程社团只能选一次。", "An activity can be chosen once.")


class ActivityGradeNotEligible(Invalid):
    code = "activity.grade_not_eligible"
    messages = (
        "「{name}」不面向该学生所在年级。",
        "“{name}” is not open to the child's grade.",
    )


class ActivitySlotNotChosen(Invalid):
    code = "activity.slot_not_chosen"
    messages = (
        "「{name}」所在时段不在本次报名的时段内。",
        "“{name}” meets in a slot the enrollment does not include.",
    )


class ActivityWeekdayNotChosen(Invalid):
    code = "activity.weekday_not_chosen"
    messages = (
        "「{name}」的上课日不全在本次报名的服务日内。",
        "“{name}” meets on days the enrollment does not include.",
    )


class ActivityEnrollmentNotOpen(Conflict):
    code = "activity.enrollment_not_open"
    messages = (
        "只有审核中或已生效的报名可以选报课程社团。",
        "Activities can be chosen for a pending or active enrollment only.",
    )


class ActivityNotLottery(Conflict):
    code = "activity.not_lottery"
    messages = (
        "该学期的课程社团按先到先得分配，无需抽签。",
        "The term assigns activities first come, first served; there is no draw.",
    )


class ActivityWeekInvalid(Invalid):
    code = "activity.week_invalid"
    messages = ("周次 {week} 不存在。", "The week {week} does not exist.")


class ActivityNotEnrolled(Invalid):
    code = "activity.not_enrolled"
    messages = (
        "该学生在这一周没有课后服务报名。",
        "The child has no enrollment covering that week.",
    )
