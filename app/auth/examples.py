"""Example values for /docs: a day at 课后演示小学, the demo school (`kehou serve --demo`)."""

from __future__ import annotations

from pydantic.config import JsonDict

STUDENT = "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2d"  # 陈思远
SISTER = "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2e"  # 陈思琪
TEACHER = "1679091c-5a88-4faf-8b42-9e8d7c6b5a43"  # 李晓红, 班主任
PARENT = "c9f0f895-fb98-4b91-9f5c-2d3e4f5a6b7c"  # 林静, their mother


REGISTER_IN: JsonDict = {
    "phone": "13800000001",
    "password": "Kehou-demo-2026",
    "name": "林静",
    "binding_code": "K7QM-4XRP",
    "relationship": "母亲",
}


TOKEN_PAIR_OUT: JsonDict = {
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI…",
    "refresh_token": "3q2-7wEfX1d0c9Zk4yV8bT6nR5mL2pA0sJ7hG1uQ9eI",
    "token_type": "bearer",
    "expires_in": 900,
}


ME_OUT: JsonDict = {
    "id": PARENT,
    "name": "林静",
    "username": "13800000001",
    "phone": "13800000001",
    "roles": ["parent"],
    "school_id": None,
    "children": [
        {"id": STUDENT, "name": "陈思远", "class_name": "三年级1班", "relationship": "母亲"},
        {"id": SISTER, "name": "陈思琪", "class_name": "四年级1班", "relationship": "母亲"},
    ],
}


CHILD_IN: JsonDict = {"binding_code": "K7QM-4XRP", "relationship": "父亲"}


# The demo school's logins, to pick from in /docs (every one's password is the same).
LOGINS: dict[str, JsonDict] = {
    username: {"summary": summary, "value": {"username": username, "password": "Kehou-demo-2026"}}
    for username, summary in (
        ("admin", "校长 王丽华（school_admin）"),
        ("teacher.li", "班主任 李晓红（teacher）"),
        ("teacher.zhang", "班主任 张伟（teacher）"),
        ("duty", "值班老师 马春燕（duty）"),
        ("13800000001", "家长 林静（parent，用手机号登录）"),
        ("13800000002", "家长 刘洋（parent，用手机号登录）"),
        ("district", "区教育局（district_admin）"),
    )
}
