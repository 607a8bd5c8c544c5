"""The zh-CN title and body of each notification kind (filled from the caller's params)."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    PICKUP_HANDED_OVER = "pickup.handed_over"
    PICKUP_LATE = "pickup.late"
    ATTENDANCE_ABSENT = "attendance.absent"
    LEAVE_DECIDED = "leave.decided"
    ENROLLMENT_DECIDED = "enrollment.decided"
    ENROLLMENT_PROMOTED = "enrollment.promoted"
    SURVEY_PUBLISHED = "survey.published"


TEMPLATES: dict[str, tuple[str, str]] = {
    Kind.PICKUP_HANDED_OVER: (
        "{student_name}已被接走",
        "{student_name}已于{time}由{adult_name}接走，值班老师：{staff_name}。",
    ),
    Kind.PICKUP_LATE: (
        "{student_name}仍在等待接送",
        "课后服务已结束{minutes}分钟，{student_name}仍在校门等待，请尽快接孩子。",
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
}


def render(kind: str, params: dict[str, object]) -> tuple[str, str]:
    title, body = TEMPLATES[kind]

    class _Blank(dict[str, object]):
        def __missing__(self, key: str) -> str:
            return ""

    values = _Blank(params)
    return title.format_map(values)[:100], body.format_map(values)[:500]
