"""Error codes and messages of gate pickup."""

from app.core.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests


class PickupPassInvalid(NotFound):
    code = "pickup.pass_invalid"
    messages = (
        "接送码无效或已过期。",
        "The pickup pass is unknown or has expired.",
    )


class PickupPassNotFound(NotFound):
    code = "pickup.pass_not_found"
    messages = ("接送码不存在。", "Pickup pass not found.")


class PickupPassMixedSchools(Invalid):
    code = "pickup.pass_mixed_schools"
    messages = (
        "一个接送码只能包含同一所学校的孩子。",
        "A pickup pass can only name children of one school.",
    )


class PickupNotAuthorized(Forbidden):
    code = "pickup.not_authorized"
    messages = (
        "该接送人未获授权接走此学生。",
        "This adult is not authorised to collect this student.",
    )


class PickupAdultBlocked(Forbidden):
    code = "pickup.adult_blocked"
    messages = (
        "该人员被禁止接走此学生，已通知值班老师和学校管理员。",
        "This adult must not collect this student; duty staff and school admins have been alerted.",
    )


class PickupAlreadyDone(Conflict):
    code = "pickup.already_done"
    messages = (
        "该学生今天已完成交接。",
        "This student has already been handed over today.",
    )


class PickupChildAbsent(Invalid):
    code = "pickup.child_absent"
    messages = (
        "该学生今天点名缺席，不能办理交接。",
        "This student was marked absent today and cannot be handed over.",
    )


class PickupChildOnLeave(Invalid):
    code = "pickup.child_on_leave"
    messages = (
        "该学生今天已请假，不能办理交接。",
        "This student is on leave today and cannot be handed over.",
    )


class PickupDateNotToday(Invalid):
    code = "pickup.date_not_today"
    messages = (
        "只能办理学校当天（{today}）的交接。",
        "Handovers can only be recorded for the school's today ({today}).",
    )


class PickupTooManyAttempts(TooManyRequests):
    code = "pickup.too_many_attempts"
    messages = (
        "接送码验证失败次数过多，请 {retry_after} 秒后再试。",
        "Too many failed pass checks; retry in {retry_after} s.",
    )


class PickupSourceRequired(Invalid):
    code = "pickup.source_required"
    messages = (
        "请提供接送码或接送人（二选一）。",
        "Give either a pass code or a pickup person, not both.",
    )


class PickupPersonNotFound(NotFound):
    code = "pickup.person_not_found"
    messages = ("接送人不存在。", "Pickup person not found.")


class PickupPersonDuplicate(Conflict):
    code = "pickup.person_duplicate"
    messages = (
        "该手机号已是此学生的接送人。",
        "This phone number is already a pickup person of this student.",
    )


class PickupPersonsLimit(Invalid):
    code = "pickup.persons_limit"
    messages = (
        "每个学生最多登记 {limit} 位接送人。",
        "A student can have at most {limit} pickup persons.",
    )


class PickupValidityInvalid(Invalid):
    code = "pickup.validity_invalid"
    messages = (
        "有效期开始日期不能晚于结束日期。",
        "valid_from must not be after valid_until.",
    )


class PickupPersonNotListed(Invalid):
    code = "pickup.person_not_listed"
    messages = (
        "该接送人不是所选每个孩子的有效接送人。",
        "This pickup person is not a current pickup person of every chosen child.",
    )


class PickupBlockedAdultNotFound(NotFound):
    code = "pickup.blocked_adult_not_found"
    messages = (
        "禁止接送记录不存在。",
        "Blocked adult not found.",
    )


class PickupReleaseNotConsented(Invalid):
    code = "pickup.release_not_consented"
    messages = (
        "家长尚未同意该学生自行离校。",
        "No guardian has consented to this student leaving on their own.",
    )


class PickupReleaseGradeNotAllowed(Invalid):
    code = "pickup.release_grade_not_allowed"
    messages = (
        "学校未允许该年级学生自行离校。",
        "The school does not allow this grade to leave on their own.",
    )


class PickupReleaseConsentNotFound(NotFound):
    code = "pickup.release_consent_not_found"
    messages = (
        "尚未同意自行离校。",
        "There is no consent to leaving alone.",
    )


class PickupHandoverNotFound(NotFound):
    code = "pickup.handover_not_found"
    messages = ("交接记录不存在。", "Handover not found.")


class PickupAlreadyVoided(Conflict):
    code = "pickup.already_voided"
    messages = (
        "该交接记录已被作废。",
        "This handover has already been voided.",
    )


class PickupLateCaseNotFound(NotFound):
    code = "pickup.late_case_not_found"
    messages = ("超时记录不存在。", "Late pickup case not found.")
