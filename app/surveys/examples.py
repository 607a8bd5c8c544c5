"""Example values for /docs: a day at 课后演示小学, the demo school (`kehou serve --demo`)."""

from __future__ import annotations

from pydantic.config import JsonDict

TERM = "8f14e45f-ceea-467f-a8f8-2a1b3c4d5e60"  # 2026—2027学年第一学期
CLASS = "d3d94468-02a4-4ef1-8a9b-5c6d7e8f9a01"  # 三年级1班
STUDENT = "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2d"  # 陈思远
PARENT = "c9f0f895-fb98-4b91-9f5c-2d3e4f5a6b7c"  # 林静, their mother
SURVEY = "9bf31c7f-f062-436a-96d3-5e4f3a2b1c0d"


SURVEY_IN: JsonDict = {
    "title": "下学期课后服务意愿调查",
    "description": "请为孩子填写下学期是否参加课后服务，学校据此安排时段和师资。",
    "term_id": TERM,
    "audience": {"grades": [3, 4], "class_ids": None},
    "questions": [
        {
            "id": "join",
            "kind": "single",
            "prompt": "孩子下学期是否参加学校课后服务？",
            "options": ["参加", "不参加"],
        },
        {
            "id": "weekdays",
            "kind": "multi",
            "prompt": "如参加，每周哪几天参加？（可多选）",
            "options": ["周一", "周二", "周三", "周四", "周五"],
            "required": False,
        },
        {
            "id": "interests",
            "kind": "text",
            "prompt": "孩子感兴趣的活动，或对课后服务的建议",
            "required": False,
        },
    ],
    "opens_at": "2026-11-26T08:00:00+08:00",
    "closes_at": "2026-12-10T20:00:00+08:00",
}


SURVEY_OUT: JsonDict = {
    "id": SURVEY,
    "title": "下学期课后服务意愿调查",
    "description": "请为孩子填写下学期是否参加课后服务，学校据此安排时段和师资。",
    "term_id": TERM,
    "template": "next_term_intent",
    "audience": {"grades": None, "class_ids": None},
    "questions": [
        {
            "id": "join",
            "kind": "single",
            "prompt": "孩子下学期是否参加学校课后服务？",
            "options": ["参加", "不参加"],
            "required": True,
        }
    ],
    "opens_at": "2026-11-26T08:00:00+08:00",
    "closes_at": "2026-12-10T20:00:00+08:00",
    "status": "published",
    "accepting_responses": True,
    "created_at": "2026-11-25T16:00:00+08:00",
    "published_at": "2026-11-26T08:00:00+08:00",
    "closed_at": None,
    "response_count": None,
    "answered": False,
    "children": [
        {"student_id": STUDENT, "name": "陈思远", "class_name": "三年级1班", "answered": False}
    ],
}


RESPONSE_OUT: JsonDict = {
    "survey_id": SURVEY,
    "student_id": STUDENT,
    "answers": {"join": "参加", "weekdays": ["周一", "周三", "周五"], "interests": "围棋"},
    "submitted_by": PARENT,
    "submitted_by_name": "林静",
    "created_at": "2026-11-26T20:31:00+08:00",
    "submitted_at": "2026-11-26T20:31:00+08:00",
}


SURVEY_RESULTS: JsonDict = {
    "response_count": 2,
    "audience_count": 40,
    "questions": [
        {
            "id": "join",
            "kind": "single",
            "prompt": "孩子下学期是否参加学校课后服务？",
            "answer_count": 2,
            "counts": {"参加": 1, "不参加": 1},
            "texts": [],
        }
    ],
    "by_class": [
        {
            "class_id": CLASS,
            "class_name": "三年级1班",
            "grade": 3,
            "response_count": 2,
            "audience_count": 20,
            "questions": [
                {
                    "id": "join",
                    "kind": "single",
                    "prompt": "孩子下学期是否参加学校课后服务？",
                    "answer_count": 2,
                    "counts": {"参加": 1, "不参加": 1},
                    "texts": [],
                }
            ],
        }
    ],
}
