"""The staff side of the demo: a leave a family phoned in, and an announcement with receipts.

Applications and leave requests the families made earlier already sit in the teachers' and
the office's queues as ``review.pending`` notices (the services send them).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.announcements import service as announcements
from app.announcements.models import Announcement
from app.announcements.schemas import AnnouncementIn, AudienceIn
from app.demo import cast
from app.demo.cast import Plan
from app.demo.world import DemoWorld
from app.leave import service as leave_service
from app.leave.models import LeaveChannel, LeaveKind
from app.leave.schemas import LeaveRequestIn

NOTICE_TITLE = "关于冬季课后服务安全事项的告家长书"
NOTICE_BODY = (
    "各位家长：入冬以来天黑较早，请按时到校门接孩子；如需由他人代接，请提前在小程序中"
    "登记接送人。晚托结束时间仍为18:00，超过15分钟未接，系统会提醒您并通知值班老师。"
    "请阅读后点击“已阅”确认。"
)


async def play(session: AsyncSession, world: DemoWorld) -> None:
    await _phoned_in_leave(session, world)
    await _announcement(session, world)


async def _phoned_in_leave(session: AsyncSession, world: DemoWorld) -> None:
    """A grandmother phones the homeroom teacher: the child is at the dentist tomorrow."""
    busy = {cast.SICK_TODAY, (cast.LIU_ZIHAN.class_index, cast.LIU_ZIHAN.seat)}
    child = next(
        c
        for c in world.children
        if c.plan is Plan.ACTIVE
        and (c.class_index, c.seat) not in busy
        and c not in cast.FIXED.values()
    )
    day = world.plan.next_service_day(world.today) or world.today
    await leave_service.create(
        session,
        world.homeroom(child),
        LeaveRequestIn(
            student_id=world.children[child].id,
            start_date=day,
            end_date=day,
            slot_ids=None,
            kind=LeaveKind.PERSONAL,
            reason="奶奶来电：明天下午去看牙医，不参加课后服务",
            channel=LeaveChannel.PHONE,
        ),
    )


async def _announcement(session: AsyncSession, world: DemoWorld) -> None:
    """The office's winter notice to every family, read by some and acknowledged by fewer."""
    published = await announcements.publish(
        session,
        world.admin,
        AnnouncementIn(
            title=NOTICE_TITLE, body=NOTICE_BODY, audience=AudienceIn(), requires_ack=True
        ),
    )
    notice = await session.get_one(Announcement, published.id)
    families = [c for c in world.children if c not in cast.FIXED.values()]
    for n, child in enumerate(families):
        if n % 3 == 0:
            await announcements.acknowledge(session, world.family(child), notice)
        elif n % 3 == 1:
            await announcements.read(session, world.family(child), notice)
