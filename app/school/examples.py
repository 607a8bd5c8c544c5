"""Example values for /docs: a day at 课后演示小学, the demo school (`kehou serve --demo`)."""

from __future__ import annotations

from pydantic.config import JsonDict

SCHOOL = "0b7c5e2a-41d3-4f6e-9a8b-2c1d3e4f5a60"  # 课后演示小学
TERM = "8f14e45f-ceea-467f-a8f8-2a1b3c4d5e60"  # 2026—2027学年第一学期
SLOT_E = "b6d767d2-f8ed-45e1-9a8b-6c5d4e3f2a10"  # 晚托 16:30–18:00
CLASS = "d3d94468-02a4-4ef1-8a9b-5c6d7e8f9a01"  # 三年级1班
CLASS2 = "d3d94468-02a4-4ef1-8a9b-5c6d7e8f9a02"  # 三年级2班
GROUP = "a87ff679-a2f3-471d-8c4b-3e2f1a0b9c8d"  # 三年级1班课后活动
STUDENT = "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2d"  # 陈思远
SISTER = "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2e"  # 陈思琪
TEACHER = "1679091c-5a88-4faf-8b42-9e8d7c6b5a43"  # 李晓红, 班主任
PARENT = "c9f0f895-fb98-4b91-9f5c-2d3e4f5a6b7c"  # 林静, their mother


SCHOOL_OUT: JsonDict = {
    "id": SCHOOL,
    "name": "课后演示小学",
    "timezone": "Asia/Shanghai",
    "policy": {
        "enrollment_review": "class_then_school",
        "withdrawal_review": "none",
        "max_group_size": 45,
        "late_pickup_grace_minutes": 15,
    },
    "created_at": "2026-08-20T09:00:00+08:00",
}


SCHOOL_PATCH: JsonDict = {"policy": {"enrollment_review": "class", "late_pickup_grace_minutes": 20}}


TERM_IN: JsonDict = {
    "name": "2026—2027学年第一学期",
    "start_date": "2026-09-01",
    "end_date": "2027-01-22",
    "weekdays": [1, 2, 3, 4, 5],
    "closures": ["2026-10-01", "2026-10-02", "2027-01-01"],
    "agreement_text": "课后服务安全责任书\n一、课后服务遵循自愿参加的原则……",
}


TERM_OUT: JsonDict = {
    "id": TERM,
    "name": "2026—2027学年第一学期",
    "start_date": "2026-09-01",
    "end_date": "2027-01-22",
    "weekdays": [1, 2, 3, 4, 5],
    "closures": ["2026-10-01", "2026-10-02", "2027-01-01"],
    "agreement_text": "课后服务安全责任书\n一、课后服务遵循自愿参加的原则……",
    "agreement_version": 1,
    "activity_allocation": "first_come",
    "created_at": "2026-08-20T09:30:00+08:00",
}


SLOT_IN: JsonDict = {
    "term_id": TERM,
    "name": "晚托",
    "start_time": "16:30",
    "end_time": "18:00",
    "capacity": 40,
}


SLOT_OUT: JsonDict = {
    "id": SLOT_E,
    "term_id": TERM,
    "name": "晚托",
    "start_time": "16:30",
    "end_time": "18:00",
    "capacity": 40,
    "fee_fen": 0,
    "created_at": "2026-08-20T09:35:00+08:00",
}


CLASS_IN: JsonDict = {"name": "三年级1班", "grade": 3, "homeroom_teacher_id": TEACHER}


CLASS_OUT: JsonDict = {
    "id": CLASS,
    "name": "三年级1班",
    "grade": 3,
    "homeroom_teacher_id": TEACHER,
    "created_at": "2026-08-20T09:40:00+08:00",
}


GROUP_IN: JsonDict = {
    "term_id": TERM,
    "slot_id": SLOT_E,
    "name": "三年级晚托",
    "leader_id": TEACHER,
    "assistant_id": None,
    "class_ids": [CLASS, CLASS2],
    "capacity": 40,
}


ACTIVITY_IN: JsonDict = {
    "kind": "activity",
    "term_id": TERM,
    "slot_id": SLOT_E,
    "name": "篮球社",
    "leader_id": TEACHER,
    "weekdays": [2, 4],
    "grades": [3, 4],
    "category": "sports",
    "venue": "操场东侧篮球场",
    "capacity": 20,
    "description": "运球、传球与半场对抗，每次课后自带水壶。",
}


GROUP_OUT: JsonDict = {
    "id": GROUP,
    "term_id": TERM,
    "slot_id": SLOT_E,
    "name": "三年级晚托",
    "leader_id": TEACHER,
    "assistant_id": None,
    "class_ids": [CLASS, CLASS2],
    "capacity": 40,
    "kind": "class",
    "created_at": "2026-08-20T09:45:00+08:00",
}


STUDENT_IN: JsonDict = {
    "name": "王小明",
    "student_no": "20240102",
    "class_id": CLASS,
    "priority": ["left_behind"],
}


STUDENT_OUT: JsonDict = {
    "id": STUDENT,
    "name": "陈思远",
    "student_no": "20240101",
    "class_id": CLASS,
    "class_name": "三年级1班",
    "priority": [],
    "created_at": "2026-09-01T09:00:00+08:00",
}


GUARDIAN_OUT: JsonDict = {
    "user_id": PARENT,
    "name": "林静",
    "phone": "13800000001",
    "relationship": "母亲",
    "linked_at": "2026-09-02T19:20:00+08:00",
}


BINDING_CODE_OUT: JsonDict = {
    "student_id": STUDENT,
    "code": "7KQ4MZ2P",
    "expires_at": "2026-12-26T10:00:00+08:00",
}


IMPORT_REPORT: JsonDict = {
    "total_rows": 2,
    "created": 1,
    "updated": 1,
    "rows": [
        {"row": 2, "student_no": "20240101", "student_id": STUDENT, "outcome": "updated"},
        {"row": 3, "student_no": "20240102", "student_id": SISTER, "outcome": "created"},
    ],
}
