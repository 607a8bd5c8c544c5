"""Example values for /docs: a day at 课后演示小学, the demo school (`kehou serve --demo`)."""

from __future__ import annotations

from pydantic.config import JsonDict

TERM = "8f14e45f-ceea-467f-a8f8-2a1b3c4d5e60"  # 2026—2027学年第一学期
SLOT_E = "b6d767d2-f8ed-45e1-9a8b-6c5d4e3f2a10"  # 晚托 16:30–18:00
STUDENT = "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2d"  # 陈思远
TEACHER = "1679091c-5a88-4faf-8b42-9e8d7c6b5a43"  # 李晓红, 班主任
PARENT = "c9f0f895-fb98-4b91-9f5c-2d3e4f5a6b7c"  # 林静, their mother
LEAVE = "d67d8ab4-f4c1-4bf2-8a9e-0d1c2b3a4f5e"


LEAVE_REQUEST_IN: JsonDict = {
    "student_id": STUDENT,
    "start_date": "2026-11-27",
    "end_date": "2026-11-27",
    "slot_ids": [SLOT_E],
    "kind": "early_pickup",
    "reason": "家里有事，课后活动结束后由爷爷接走，不参加晚托",
}


LEAVE_REQUEST_OUT: JsonDict = {
    "id": LEAVE,
    "student_id": STUDENT,
    "student_name": "陈思远",
    "class_name": "三年级1班",
    "term_id": TERM,
    "start_date": "2026-11-27",
    "end_date": "2026-11-27",
    "slot_ids": [SLOT_E],
    "kind": "early_pickup",
    "reason": "家里有事，课后活动结束后由爷爷接走，不参加晚托",
    "status": "approved",
    "channel": "app",
    "requested_by": PARENT,
    "created_at": "2026-11-26T07:30:00+08:00",
    "decided_by": TEACHER,
    "decided_at": "2026-11-26T09:05:00+08:00",
    "decision_comment": "已知悉",
    "cancelled_at": None,
}


DECISIONS: dict[str, JsonDict] = {
    "approve": {"summary": "批准", "value": {"decision": "approve", "comment": "已知悉"}},
    "reject": {
        "summary": "不批准",
        "value": {"decision": "reject", "comment": "当天有期末测评，请家长联系班主任"},
    },
}
