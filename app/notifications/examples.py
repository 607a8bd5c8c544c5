"""Example values for /docs: a day at 课后演示小学, the demo school (`kehou serve --demo`)."""

from __future__ import annotations

from pydantic.config import JsonDict

SISTER = "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2e"  # 陈思琪
NOTIFICATION = "6512bd43-d9ca-4a6e-9c2b-8f7e6d5c4b3a"
HANDOVER = "c51ce410-c124-410e-8db5-4a3b2c1d0e9f"
DEVICE = "c74d97b0-1eae-457e-8c1a-9b8a7f6e5d4c"


NOTIFICATION_OUT: JsonDict = {
    "id": NOTIFICATION,
    "kind": "pickup.handed_over",
    "title": "陈思琪已被接走",
    "body": "陈思琪已于17:44由林静接走，值班老师：马春燕。",
    "data": {
        "student_id": SISTER,
        "handover_id": HANDOVER,
        "date": "2026-11-26",
        "kind": "picked_up",
        "adult_name": "林静",
        "picked_up_at": "2026-11-26T17:44:31+08:00",
    },
    "created_at": "2026-11-26T17:44:31+08:00",
    "read_at": None,
}


DEVICE_IN: JsonDict = {
    "platform": "fcm",
    "token": "dQw4w9WgXcQ:APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ-hQMRK",
}


DEVICE_OUT: JsonDict = {
    "id": DEVICE,
    "platform": "wechat",
    "token": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    "active": True,
    "created_at": "2026-09-02T19:20:00+08:00",
    "registered_at": "2026-11-26T07:58:00+08:00",
}
