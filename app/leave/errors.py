"""Error codes and messages of leave requests."""

from app.core.errors import Conflict, Forbidden, Invalid, NotFound


class LeaveNotFound(NotFound):
    code = "leave.not_found"
    messages = ("请假申请不存在。", "Leave request not found.")


class LeaveDatesReversed(Invalid):
    code = "leave.dates_reversed"
    messages = (
        "结束日期不能早于开始日期。",
        "The end date cannot be before the start date.",
    )


class LeaveOutsideTerm(Invalid):
    code = "leave.outside_term"
    messages = (
        "请假日期必须在同一学期的课后服务期间内。",
        "The leave dates must lie within one term of the after-school service.",
    )


class LeaveNotEnrolled(Invalid):
    code = "leave.not_enrolled"
    messages = (
        "孩子未报名该学期的课后服务，无需请假。",
        "The child is not enrolled in the after-school service of that term.",
    )


class LeaveSlotInvalid(Invalid):
    code = "leave.slot_invalid"
    messages = (
        "所选时段不是孩子已报名的时段。",
        "A chosen slot is not one the child is enrolled in.",
    )


class LeaveOverlap(Conflict):
    code = "leave.overlap"
    messages = (
        "该时段已有待审批或已批准的请假。",
        "A pending or approved leave already covers some of these days and slots.",
    )


class LeaveNotPending(Conflict):
    code = "leave.not_pending"
    messages = (
        "该请假申请已处理，不能再次审批。",
        "This leave request has already been decided.",
    )


class LeaveNotReviewer(Forbidden):
    code = "leave.not_reviewer"
    messages = (
        "只有孩子的班主任或学校管理员可以审批请假。",
        "Only the child's homeroom teacher or a school admin may decide on leave.",
    )


class LeaveChannelRequired(Invalid):
    code = "leave.channel_required"
    messages = (
        "教职工代家长登记请假时，请注明方式（电话或书面）。",
        "Staff recording a family's leave must give the channel (phone or paper).",
    )


class LeaveNotCancellable(Conflict):
    code = "leave.not_cancellable"
    messages = (
        "只能撤销待审批或尚未开始的请假。",
        "Only a pending leave, or an approved one that has not started, can be cancelled.",
    )
