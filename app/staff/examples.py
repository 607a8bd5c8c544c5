"""Examples of staff management's bodies, as /docs shows them (the demo school's teacher)."""

from __future__ import annotations

from pydantic.config import JsonDict

from app.auth.examples import TEACHER

STAFF_IN: JsonDict = {
    "username": "teacher.li",
    "password": "Kehou-demo-2026",
    "name": "李晓红",
    "phone": "13700000011",
    "roles": ["teacher"],
}


STAFF_OUT: JsonDict = {
    "id": TEACHER,
    "username": "teacher.li",
    "name": "李晓红",
    "phone": "13700000011",
    "roles": ["teacher"],
    "is_active": True,
    "created_at": "2026-08-25T10:00:00+08:00",
}
