"""Error codes and messages of enrollment and withdrawal, and the statuses' display names."""

from typing import Any

from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.enrollment.models import EnrollmentStatus

# zh-CN and en names of each status, for messages and notifications.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    EnrollmentStatus.PENDING_CLASS_REVIEW: ("待班主任审核", "awaiting class review"),
    EnrollmentStatus.PENDING_SCHOOL_REVIEW: ("待学校审核", "awaiting school review"),
    EnrollmentStatus.ACTIVE: ("已生效", "active"),
    EnrollmentStatus.WAITLISTED: ("候补中", "waitlisted"),
    EnrollmentStatus.REJECTED: ("未通过", "rejected"),
    EnrollmentStatus.WITHDRAWAL_PENDING: ("退出待审批", "withdrawal pending"),
    EnrollmentStatus.WITHDRAWN: ("已退出", "withdrawn"),
    EnrollmentStatus.CANCELLED: ("已取消", "cancelled"),
}


def status_params(status: str) -> dict[str, Any]:
    """``{current}`` (zh-CN) and ``{current_en}``: the current status in a message.

    (Not ``status``: that name is the HTTP status of a ``DomainError``.)
    """
    zh, en = STATUS_LABELS.get(status, (status, status))
    return {"current": zh, "current_en": en}


class EnrollmentNotFound(NotFound):
    code = "enrollment.not_found"
    messages = ("报名记录不存在。", "Enrollment not found.")


class EnrollmentStudentArchived(Conflict):
    code = "enrollment.student_archived"
    messages = (
        "该学生已离校归档，不能报名。",
        "This student has left the school (archived) and cannot enrol.",
    )


class EnrollmentDuplicate(Conflict):
    code = "enrollment.duplicate"
    messages = (
        "该学生本学期已有报名，不能重复报名。",
        "This student already has an open enrollment for this term.",
    )


class EnrollmentAgreementRequired(Invalid):
    code = "enrollment.agreement_required"
    messages = (
        "请先阅读并同意本学期最新的安全责任书（第{version}版）。",
        "Please accept the term's current safety agreement (version {version}).",
    )


class EnrollmentTermInvalid(Invalid):
    code = "enrollment.term_invalid"
    messages = ("学期不存在。", "Term not found.")


class EnrollmentTermEnded(Invalid):
    code = "enrollment.term_ended"
    messages = (
        "该学期已于{end_date}结束，不能再报名。",
        "This term ended on {end_date}; it no longer takes enrollments.",
    )


class EnrollmentStartDateInvalid(Invalid):
    code = "enrollment.start_date_invalid"
    messages = (
        "开始日期须在{earliest}至{latest}之间。",
        "The start date must lie between {earliest} and {latest}.",
    )


class EnrollmentWeekdaysInvalid(Invalid):
    code = "enrollment.weekdays_invalid"
    messages = (
        "所选星期须为本学期开放的服务日（{allowed}），且不能重复。",
        "Weekdays must be distinct days the term runs on ({allowed}).",
    )


class EnrollmentSlotsInvalid(Invalid):
    code = "enrollment.slots_invalid"
    messages = (
        "所选时段须为本学期的时段，且不能重复。",
        "Slots must be distinct slots of this term.",
    )


class EnrollmentSlotFull(Conflict):
    code = "enrollment.slot_full"
    messages = (
        "时段「{slot}」已满，暂不能加入。",
        "The slot “{slot}” is full.",
    )


class EnrollmentChangeEmpty(Invalid):
    code = "enrollment.change_empty"
    messages = (
        "请至少修改星期或时段中的一项。",
        "Change the weekdays, the slots, or both.",
    )


class EnrollmentWrongStage(Conflict):
    code = "enrollment.wrong_stage"
    messages = (
        "该报名当前为「{current}」，不在此审核环节。",
        "This enrollment is {current_en}; it is not at this review stage.",
    )


class EnrollmentNotReviewer(Forbidden):
    code = "enrollment.not_reviewer"
    messages = (
        "您不是该审核环节的审核人。",
        "You are not the reviewer of this stage.",
    )


class EnrollmentNotActive(Conflict):
    code = "enrollment.not_active"
    messages = (
        "该报名当前为「{current}」，只有已生效的报名可以修改或退出。",
        "This enrollment is {current_en}; only an active enrollment can change or withdraw.",
    )


class EnrollmentNotCancellable(Conflict):
    code = "enrollment.not_cancellable"
    messages = (
        "该报名当前为「{current}」，只有审核中或候补中的报名可以取消。",
        "This enrollment is {current_en}; only a pending or waitlisted one can be cancelled.",
    )


class EnrollmentEffectiveDateInvalid(Invalid):
    code = "enrollment.effective_date_invalid"
    messages = (
        "退出生效日期须在{earliest}至{latest}之间。",
        "The effective date must lie between {earliest} and {latest}.",
    )
