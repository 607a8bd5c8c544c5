"""Example values for /docs: a day at 课后演示小学, the demo school (`kehou serve --demo`)."""

from __future__ import annotations

from pydantic.config import JsonDict

TERM = "8f14e45f-ceea-467f-a8f8-2a1b3c4d5e60"  # 2026—2027学年第一学期
SLOT_A = "3c59dc04-8e1f-4b2a-9c3d-7e6f5a4b3c21"  # 课后活动 15:30–16:30
CLASS = "d3d94468-02a4-4ef1-8a9b-5c6d7e8f9a01"  # 三年级1班
GROUP = "a87ff679-a2f3-471d-8c4b-3e2f1a0b9c8d"  # 三年级1班课后活动
STUDENT = "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2d"  # 陈思远
SISTER = "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2e"  # 陈思琪


ROLL_CALL_IN: JsonDict = {
    "group_id": GROUP,
    "slot_id": SLOT_A,
    "date": "2026-11-26",
    "marks": [
        {"student_id": STUDENT, "status": "absent"},
        {"student_id": SISTER, "status": "present"},
    ],
}


ROSTER_OUT: JsonDict = {
    "date": "2026-11-26",
    "group_id": GROUP,
    "slot_id": SLOT_A,
    "term_id": TERM,
    "items": [
        {
            "student_id": STUDENT,
            "name": "陈思远",
            "student_no": "20240101",
            "class_id": CLASS,
            "class_name": "三年级1班",
            "group_id": GROUP,
            "slot_id": SLOT_A,
            "status": "absent",
        },
        {
            "student_id": SISTER,
            "name": "梁宇航",
            "student_no": "20240104",
            "class_id": CLASS,
            "class_name": "三年级1班",
            "group_id": GROUP,
            "slot_id": SLOT_A,
            "status": "on_leave",
        },
    ],
    "next_cursor": None,
}
