"""The zh-CN title and body of each notification kind (filled from the caller's params)."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    PICKUP_HANDED_OVER = "pickup.handed_over"
    PICKUP_LATE = "pickup.late"
    PICKUP_RELEASED = "pickup.released"
    PICKUP_LATE_ESCALATED = "pickup.late_escalated"
    PICKUP_BLOCKED_ATTEMPT = "pickup.blocked_attempt"
    PICKUP_PERSON_ADDED = "pickup.person_added"
    PICKUP_VOIDED = "pickup.voided"
    ATTENDANCE_ABSENT = "attendance.absent"
    LEAVE_DECIDED = "leave.decided"
    ENROLLMENT_DECIDED = "enrollment.decided"
    ENROLLMENT_PROMOTED = "enrollment.promoted"
    SURVEY_PUBLISHED = "survey.published"
    REVIEW_PENDING = "review.pending"
    ROLLCALL_MISSING = "rollcall.missing"
    STAFF_VETTING_EXPIRING = "staff.vetting_expiring"
    ANNOUNCEMENT_PUBLISHED = "announcement.published"
    FEE_DUE = "fee.due"
    FEE_REFUNDED = "fee.refunded"
    INCIDENT_REPORTED = "incident.reported"
    ACTIVITY_ASSIGNED = "activity.assigned"
    PLAN_DECIDED = "plan.decided"
    COMPLAINT_ANSWERED = "complaint.answered"
    COMPLAINT_ESCALATED = "complaint.escalated"


TEMPLATES: dict[str, tuple[str, str]] = {
    Kind.PICKUP_HANDED_OVER: (
        "{student_name}已被接走",
        "{student_name}已于{time}由{adult_name}接走，值班老师：{staff_name}。",
    ),
    Kind.PICKUP_LATE: (
        "{student_name}仍在等待接送",
        "课后服务已结束{minutes}分钟，{student_name}仍在校门等待，请尽快接孩子。",
    ),
    Kind.PICKUP_RELEASED: (
        "{student_name}已自行离校",
        "{student_name}已于{time}经家长同意自行离校（弹性离校），值班老师：{staff_name}。",
    ),
    Kind.PICKUP_LATE_ESCALATED: (
        "超时未接：{class_name}{student_name}",
        "课后服务已结束{minutes}分钟，{class_name}{student_name}仍未被接走，"
        "家长已收到提醒，请值班老师跟进并记录处理结果。",
    ),
    Kind.PICKUP_BLOCKED_ATTEMPT: (
        "接送预警：{class_name}{student_name}",
        "{time}禁止接送人员（{adult_name}）试图接走{class_name}{student_name}，"
        "已被系统拒绝。操作人：{staff_name}。请立即到校门处理。",
    ),
    Kind.PICKUP_VOIDED: (
        "{student_name}的接送记录已作废",
        "学校作废了{student_name}{time}由{adult_name}接走的记录（原因：{reason}），"
        "孩子仍在学校等待接送。如有疑问请联系学校。",
    ),
    Kind.PICKUP_PERSON_ADDED: (
        "{student_name}新增接送人",
        "{actor_name}为{student_name}登记了接送人{adult_name}（{relationship}）。"
        "如有疑问请联系学校。",
    ),
    Kind.ATTENDANCE_ABSENT: (
        "{student_name}未到课后服务",
        "{date}{slot_name}点名时{student_name}未到，且没有请假记录，请尽快确认孩子去向。",
    ),
    Kind.LEAVE_DECIDED: (
        "请假申请{outcome}",
        "{student_name}{start_date}至{end_date}的请假申请{outcome}。{comment}",
    ),
    Kind.ENROLLMENT_DECIDED: (
        "课后服务报名{outcome}",
        "{student_name}的{term_name}课后服务报名{outcome}。{comment}",
    ),
    Kind.ENROLLMENT_PROMOTED: (
        "候补报名已递补",
        "{student_name}的{term_name}课后服务报名已从候补递补，当前状态：{status}。",
    ),
    Kind.SURVEY_PUBLISHED: (
        "新的意愿征询：{title}",
        "学校发布了「{title}」，请在{closes_at}前为{student_name}填写。",
    ),
    Kind.REVIEW_PENDING: (
        "待审核：{item}",
        "{detail}。您当前共有{pending}项待审核事项。",
    ),
    Kind.ROLLCALL_MISSING: (
        "尚未点名：{group_name}",
        "{group_name}的{slot_name}已于{start_time}开始，至今未点名，请尽快完成点名。",
    ),
    Kind.STAFF_VETTING_EXPIRING: (
        "资格审查即将到期：{staff_name}",
        "{staff_name}（{organisation}）的资格审查将于{valid_until}到期，请及时复审。",
    ),
    Kind.ANNOUNCEMENT_PUBLISHED: (
        "{title}",
        "{summary}",
    ),
    Kind.FEE_DUE: (
        "课后服务费账单：{student_name}{period}",
        "{student_name}{period}课后服务费{amount}元{waived}，应缴{due}元，请于{due_date}前缴纳。",
    ),
    Kind.FEE_REFUNDED: (
        "课后服务费退费{amount}元",
        "{student_name}{period}课后服务费因{reason}退还{amount}元，{channel}。",
    ),
    Kind.ACTIVITY_ASSIGNED: (
        "课程社团结果：{student_name}",
        "{student_name}的{term_name}课程社团：已录取{assigned}；未录取{not_assigned}。",
    ),
    Kind.INCIDENT_REPORTED: (
        "{student_name}在课后服务中的情况说明",
        "{date}{group_name}，{author_name}老师记录了{student_name}的情况：{text}"
        "如有疑问请联系老师。",
    ),
    Kind.PLAN_DECIDED: (
        "课后服务实施方案{outcome}",
        "{term_name}课后服务实施方案{outcome}。{comment}",
    ),
    Kind.COMPLAINT_ANSWERED: (
        "您的投诉有了回复",
        "{school_name}回复了您的投诉（{status}）：{text}",
    ),
    Kind.COMPLAINT_ESCALATED: (
        "投诉超期未办结：{school_name}",
        "{school_name}的一件投诉提交已超过{days}天仍未办结，已转教育局督办。",
    ),
}


class _Blank(dict[str, object]):
    """Template values where a missing one renders empty."""

    def __missing__(self, key: str) -> str:
        return ""


def render(kind: str, params: dict[str, object]) -> tuple[str, str]:
    title, body = TEMPLATES[kind]
    values = _Blank(params)
    return title.format_map(values)[:100], body.format_map(values)[:500]
