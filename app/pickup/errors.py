"""Error codes and messages of gate pickup."""

from app.core.i18n import register

register(
    {
        "pickup.pass_invalid": (
            "接送码无效或已过期。",
            "The pickup pass is unknown or has expired.",
        ),
        "pickup.pass_not_found": ("接送码不存在。", "Pickup pass not found."),
        "pickup.pass_mixed_schools": (
            "一个接送码只能包含同一所学校的孩子。",
            "A pickup pass can only name children of one school.",
        ),
        "pickup.not_authorized": (
            "该接送人未获授权接走此学生。",
            "This adult is not authorised to collect this student.",
        ),
        "pickup.adult_blocked": (
            "该人员被禁止接走此学生，已通知值班老师和学校管理员。",
            "This adult must not collect this student; duty staff and school admins "
            "have been alerted.",
        ),
        "pickup.already_done": (
            "该学生今天已完成交接。",
            "This student has already been handed over today.",
        ),
        "pickup.child_absent": (
            "该学生今天点名缺席，不能办理交接。",
            "This student was marked absent today and cannot be handed over.",
        ),
        "pickup.child_on_leave": (
            "该学生今天已请假，不能办理交接。",
            "This student is on leave today and cannot be handed over.",
        ),
        "pickup.date_not_today": (
            "只能办理学校当天（{today}）的交接。",
            "Handovers can only be recorded for the school's today ({today}).",
        ),
        "pickup.too_many_attempts": (
            "接送码验证失败次数过多，请 {retry_after} 秒后再试。",
            "Too many failed pass checks; retry in {retry_after} s.",
        ),
        "pickup.source_required": (
            "请提供接送码或接送人（二选一）。",
            "Give either a pass code or a pickup person, not both.",
        ),
        "pickup.person_not_found": ("接送人不存在。", "Pickup person not found."),
        "pickup.person_duplicate": (
            "该手机号已是此学生的接送人。",
            "This phone number is already a pickup person of this student.",
        ),
        "pickup.persons_limit": (
            "每个学生最多登记 {limit} 位接送人。",
            "A student can have at most {limit} pickup persons.",
        ),
        "pickup.validity_invalid": (
            "有效期开始日期不能晚于结束日期。",
            "valid_from must not be after valid_until.",
        ),
        "pickup.person_not_listed": (
            "该接送人不是所选每个孩子的有效接送人。",
            "This pickup person is not a current pickup person of every chosen child.",
        ),
        "pickup.blocked_adult_not_found": (
            "禁止接送记录不存在。",
            "Blocked adult not found.",
        ),
        "pickup.release_not_consented": (
            "家长尚未同意该学生自行离校。",
            "No guardian has consented to this student leaving on their own.",
        ),
        "pickup.release_grade_not_allowed": (
            "学校未允许该年级学生自行离校。",
            "The school does not allow this grade to leave on their own.",
        ),
        "pickup.release_consent_not_found": (
            "尚未同意自行离校。",
            "There is no consent to leaving alone.",
        ),
        "pickup.handover_not_found": ("交接记录不存在。", "Handover not found."),
        "pickup.already_voided": (
            "该交接记录已被作废。",
            "This handover has already been voided.",
        ),
        "pickup.late_case_not_found": ("超时记录不存在。", "Late pickup case not found."),
    }
)
