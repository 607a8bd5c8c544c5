"""Example values for /docs: a day at 课后演示小学, the demo school (`kehou serve --demo`)."""

from __future__ import annotations

from pydantic.config import JsonDict

TERM = "8f14e45f-ceea-467f-a8f8-2a1b3c4d5e60"  # 2026—2027学年第一学期
SLOT_A = "3c59dc04-8e1f-4b2a-9c3d-7e6f5a4b3c21"  # 课后活动 15:30–16:30
CLASS = "d3d94468-02a4-4ef1-8a9b-5c6d7e8f9a01"  # 三年级1班
STUDENT = "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2d"  # 陈思远
TEACHER = "1679091c-5a88-4faf-8b42-9e8d7c6b5a43"  # 李晓红, 班主任
PARENT = "c9f0f895-fb98-4b91-9f5c-2d3e4f5a6b7c"  # 林静, their mother
ENROLLMENT = "45c48cce-2e2d-4fbd-9a6e-1f2e3d4c5b6a"
AUDIT = "642e92ef-b794-4a1f-8b5c-9d0e1f2a3b4c"


ENROLLMENT_IN: JsonDict = {
    "student_id": STUDENT,
    "term_id": TERM,
    "weekdays": [1, 2, 3, 4, 5],
    "slot_ids": [SLOT_A],
    "agreement_version": 1,
}


ENROLLMENT_CHANGE: JsonDict = {"weekdays": [1, 3, 5]}


WITHDRAW_IN: JsonDict = {
    "reason": "孩子报了校外的游泳训练，不再参加课后服务",
    "effective_date": "2026-12-01",
}


ENROLLMENT_OUT: JsonDict = {
    "id": ENROLLMENT,
    "student_id": STUDENT,
    "student_name": "陈思远",
    "class_id": CLASS,
    "class_name": "三年级1班",
    "term_id": TERM,
    "term_name": "2026—2027学年第一学期",
    "status": "pending_school_review",
    "weekdays": [1, 2, 3, 4, 5],
    "slot_ids": [SLOT_A],
    "start_date": "2026-11-26",
    "end_date": None,
    "agreement_version": 1,
    "agreement_accepted_at": "2026-11-24T20:15:03+08:00",
    "applied_by": PARENT,
    "applied_at": "2026-11-24T20:15:03+08:00",
    "updated_at": "2026-11-25T08:10:00+08:00",
    "withdrawal_reason": None,
    "withdrawal_effective_date": None,
    "withdrawal_requested_at": None,
    "reviews": [
        {
            "stage": "class",
            "decision": "approve",
            "comment": "欢迎参加课后服务",
            "reviewer_id": TEACHER,
            "reviewer_name": "李晓红",
            "created_at": "2026-11-25T08:10:00+08:00",
        }
    ],
}


ENROLLMENT_EVENT_OUT: JsonDict = {
    "id": AUDIT,
    "action": "enrollment.reviewed",
    "actor_id": TEACHER,
    "actor_name": "李晓红",
    "created_at": "2026-11-25T08:10:00+08:00",
    "data": {
        "from": "pending_class_review",
        "to": "pending_school_review",
        "stage": "class",
        "decision": "approve",
        "comment": "欢迎参加课后服务",
    },
}


REVIEWS: dict[str, JsonDict] = {
    "approve": {
        "summary": "通过（班主任审核）",
        "value": {"decision": "approve", "comment": "欢迎参加课后服务", "stage": "class"},
    },
    "reject": {
        "summary": "不通过，并说明原因",
        "value": {"decision": "reject", "comment": "晚托名额已满，请改报课后活动"},
    },
}
