"""Example values for /docs: a day at 课后演示小学, the demo school (`kehou serve --demo`)."""

from __future__ import annotations

from pydantic.config import JsonDict

SISTER = "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2e"  # 陈思琪
DUTY = "70efdf2e-c9b0-4607-9795-2f1e0d9c8b7a"  # 马春燕, on duty at the gate
PASS = "c20ad4d7-6fe9-4759-8a7a-6b5c4d3e2f1a"
HANDOVER = "c51ce410-c124-410e-8db5-4a3b2c1d0e9f"
PERSON = "aab32389-22bc-425a-8f6b-3c2d1e0f9a8b"


PICKUP_PERSON_IN: JsonDict = {
    "name": "林建国",
    "phone": "13900000003",
    "relationship": "外公",
    "level": "always",
}


PICKUP_PERSON_OUT: JsonDict = {
    "id": PERSON,
    "student_id": SISTER,
    "name": "林建国",
    "phone": "13900000003",
    "relationship": "外公",
    "level": "always",
    "valid_from": None,
    "valid_until": None,
    "created_at": "2026-09-03T20:00:00+08:00",
    "updated_at": "2026-09-03T20:00:00+08:00",
}


BLOCKED_ADULT_IN: JsonDict = {
    "name": "张某",
    "phone": "13600000000",
    "note": "法院判决书（2026）沪0107民初1234号：不得接走孩子",
}


PICKUP_PASS_IN: JsonDict = {"student_ids": [SISTER]}


PICKUP_PASS_CREATED: JsonDict = {
    "id": PASS,
    "code": "RU73A36B",
    "qr_payload": "KEHOU-PICKUP:RU73A36B",
    "expires_at": "2026-11-26T17:52:00+08:00",
    "date": "2026-11-26",
    "adult": {
        "name": "林静",
        "phone_masked": "138****0001",
        "relationship": "母亲",
        "kind": "guardian",
    },
    "students": [{"id": SISTER, "name": "陈思琪"}],
}


VERIFY_IN: JsonDict = {"code": "RU73A36B"}


VERIFY_OUT: JsonDict = {
    "pass_id": PASS,
    "expires_at": "2026-11-26T17:52:00+08:00",
    "adult": {
        "name": "林静",
        "phone_masked": "138****0001",
        "relationship": "母亲",
        "kind": "guardian",
    },
    "students": [{"id": SISTER, "name": "陈思琪", "class_name": "四年级1班", "status": "expected"}],
}


HANDOVER_OUT: JsonDict = {
    "id": HANDOVER,
    "student_id": SISTER,
    "date": "2026-11-26",
    "kind": "picked_up",
    "picked_up_at": "2026-11-26T17:44:31+08:00",
    "adult_name": "林静",
    "adult_relationship": "母亲",
    "adult_kind": "guardian",
    "pickup_pass_id": PASS,
    "pickup_person_id": None,
    "confirmed_by": DUTY,
    "confirmed_by_name": "马春燕",
    "note": None,
}


GATE_LIST_ITEM: JsonDict = {
    "student_id": SISTER,
    "name": "陈思琪",
    "class_name": "四年级1班",
    "status": "waiting",
    "slot_end_at": "2026-11-26T18:00:00+08:00",
    "late": False,
    "handover": None,
}


HANDOVERS: dict[str, JsonDict] = {
    "pass": {
        "summary": "凭接送码交接（家长出示二维码）",
        "value": {"student_id": SISTER, "date": "2026-11-26", "pass_code": "RU73A36B"},
    },
    "person": {
        "summary": "交给登记的接送人（值班老师已核对身份证）",
        "value": {
            "student_id": SISTER,
            "date": "2026-11-26",
            "pickup_person_id": PERSON,
            "adult_id_number": "310101195601011234",
            "note": "外公来接",
        },
    },
}
