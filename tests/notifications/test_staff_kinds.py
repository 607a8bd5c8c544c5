"""Staff have an inbox and devices like parents, and every staff-side kind can be pushed."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.providers.base import Push
from app.notifications.providers.fcm import URGENT_KINDS, _message
from app.notifications.templates import TEMPLATES, Kind, render
from tests.attendance.factories import Campus, build_campus
from tests.factories import auth

STAFF_KINDS = [
    Kind.REVIEW_PENDING,
    Kind.ROLLCALL_MISSING,
    Kind.STAFF_VETTING_EXPIRING,
    Kind.ANNOUNCEMENT_PUBLISHED,
]


@pytest.mark.parametrize("kind", STAFF_KINDS)
def test_each_kind_has_a_template_and_an_fcm_payload_naming_it(kind: Kind) -> None:
    assert kind in TEMPLATES
    params = {"item": "王小明的请假申请", "group_name": "三年级2班", "title": "告家长书"}
    title, body = render(kind, {**params, "summary": "内容", "staff_name": "张教练"})
    assert title and body
    notification_id = uuid.uuid4()
    push = Push(
        id=uuid.uuid4(),
        notification_id=notification_id,
        address="fcm-token",
        kind=kind,
        title=title,
        body=body,
        data={"group_id": "g-1", "requires_ack": True},
    )
    message = _message(push)
    assert message.data["kind"] == kind.value
    assert message.data["notification_id"] == str(notification_id)
    assert message.data["group_id"] == "g-1" and message.data["requires_ack"] == "true"


def test_a_missing_roll_call_wakes_the_phone() -> None:
    assert Kind.ROLLCALL_MISSING in URGENT_KINDS


@pytest.mark.parametrize("who", ["homeroom", "duty", "admin"])
async def test_staff_register_devices_and_read_their_inbox(
    client: httpx.AsyncClient, session: AsyncSession, who: str
) -> None:
    campus: Campus = await build_campus(session)
    user = getattr(campus, who)
    response = await client.post(
        "/devices", json={"platform": "fcm", "token": f"staff-{who}"}, headers=auth(user)
    )
    assert response.status_code == 201, response.text
    inbox = await client.get("/notifications", headers=auth(user))
    assert inbox.status_code == 200
    assert inbox.json()["items"] == []
