"""``notify()``: inbox and outbox rows in the caller's transaction, one push per device."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import database
from app.notifications.delivery import Worker
from app.notifications.models import Device, Notification, OutboxMessage
from app.notifications.service import notify
from tests.factories import create_parent
from tests.notifications.factories import count_rows, create_device, outbox_rows, pickup_notice
from tests.notifications.fakes import FakeFcm


async def test_one_inbox_entry_per_recipient_and_one_push_per_active_device(
    session: AsyncSession,
) -> None:
    mother, father, grandma = [await create_parent(session) for _ in range(3)]
    phone = await create_device(session, mother)
    tablet = await create_device(session, mother)
    await create_device(session, father, active=False)
    father_phone = await create_device(session, father)

    ids = await pickup_notice(session, mother, father, grandma, mother)
    await session.commit()

    assert len(ids) == 3  # mother listed twice is notified once
    inbox = (await session.scalars(select(Notification))).all()
    assert {n.user_id for n in inbox} == {mother.id, father.id, grandma.id}
    pushes = await outbox_rows(session)
    assert sorted(str(p.device_id) for p in pushes) == sorted(
        str(d.id) for d in (phone, tablet, father_phone)
    )
    assert {p.status for p in pushes} == {"pending"}


async def test_a_dedupe_key_notifies_each_recipient_once(session: AsyncSession) -> None:
    parent = await create_parent(session)
    await create_device(session, parent)

    async def absent() -> list[uuid.UUID]:
        return await notify(
            session,
            recipients=[parent.id],
            kind="attendance.absent",
            params={"student_name": "小明", "date": "3月2日", "slot_name": "晚托"},
            data={"student_id": "s1"},
            dedupe_key="absent:s1:slot:2026-03-02",
        )

    first = await absent()
    second = await absent()
    await session.commit()

    assert len(first) == 1
    assert second == []
    assert await count_rows(session, Notification) == 1
    assert await count_rows(session, OutboxMessage) == 1


async def test_a_rolled_back_domain_transaction_leaves_no_inbox_or_outbox_row(
    session: AsyncSession, worker: Worker, fake_fcm: FakeFcm
) -> None:
    parent = await create_parent(session, wechat_openid="o-rolled-back")
    await create_device(session, parent)
    await session.commit()

    class HandoverRefused(Exception):
        pass

    with pytest.raises(HandoverRefused):
        async with database.sessionmaker()() as domain, domain.begin():
            await pickup_notice(domain, parent)
            assert await count_rows(domain, OutboxMessage) == 2  # visible inside only
            raise HandoverRefused

    assert await count_rows(session, Notification) == 0
    assert await count_rows(session, OutboxMessage) == 0
    assert await count_rows(session, Device) == 1  # the openid was not adopted either
    assert await worker.drain() == 0
    assert fake_fcm.requests == []


async def test_a_wechat_login_is_a_push_address_adopted_once(session: AsyncSession) -> None:
    parent = await create_parent(session, wechat_openid="o-mother")
    await pickup_notice(session, parent)
    await pickup_notice(session, parent)
    await session.commit()

    [device] = (await session.scalars(select(Device))).all()
    assert (device.platform, device.token, device.user_id, device.active) == (
        "wechat",
        "o-mother",
        parent.id,
        True,
    )
    assert [p.device_id for p in await outbox_rows(session)] == [device.id, device.id]


async def test_two_first_notices_at_once_both_reach_the_adopted_openid(
    session: AsyncSession,
) -> None:
    parent = await create_parent(session, wechat_openid="o-two-at-once")
    await session.commit()

    async with database.sessionmaker()() as first, database.sessionmaker()() as second:
        await pickup_notice(first, parent)  # adopts the openid, not committed yet
        # the second notice's statement began before the first committed: it waits on the
        # device's unique index, then must still find the device the first adopted
        racing = asyncio.create_task(pickup_notice(second, parent, student="小红"))
        await asyncio.sleep(0.3)
        await first.commit()
        await racing
        await second.commit()

    [device] = (await session.scalars(select(Device))).all()
    assert [p.device_id for p in await outbox_rows(session)] == [device.id, device.id]


async def test_a_removed_wechat_address_is_not_adopted_again(session: AsyncSession) -> None:
    parent = await create_parent(session, wechat_openid="o-unsubscribed")
    await create_device(session, parent, platform="wechat", token="o-unsubscribed", active=False)

    await pickup_notice(session, parent)
    await session.commit()

    assert await count_rows(session, Device) == 1
    assert await count_rows(session, OutboxMessage) == 0
    assert await count_rows(session, Notification) == 1  # the inbox has it all the same


async def test_data_is_stored_as_a_client_reads_it(session: AsyncSession) -> None:
    parent = await create_parent(session)
    student_id = uuid.uuid4()

    [nid] = await notify(
        session,
        recipients=[parent.id],
        kind="leave.decided",
        params={"student_name": "小明", "outcome": "已批准"},
        data={"student_id": student_id, "date": date(2026, 3, 2), "slots": [1, 2]},
    )
    await session.commit()

    notification = await session.get(Notification, nid)
    assert notification is not None
    assert notification.data == {
        "student_id": str(student_id),
        "date": "2026-03-02",
        "slots": [1, 2],
    }
    assert notification.title == "请假申请已批准"
    assert notification.body.startswith("小明")  # missing params render empty, never crash


async def test_no_recipients_is_nothing(session: AsyncSession) -> None:
    assert await notify(session, recipients=[], kind="pickup.late", params={}, data={}) == []
    assert await count_rows(session, Notification) == 0


async def test_an_unknown_kind_is_a_programming_error(session: AsyncSession) -> None:
    parent = await create_parent(session)
    with pytest.raises(ValueError, match="unknown notification kind"):
        await notify(session, recipients=[parent.id], kind="pickup.typo", params={}, data={})
