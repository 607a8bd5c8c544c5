"""Guardians' data rights: the export, the erasure and the notice's consent.

The export and the erasure read top-down across the domains: each domain answers for its
own tables through its ``service.py`` (``PERSONAL_DATA``, ``forget_guardian``).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.activities import service as activities
from app.announcements import service as announcements
from app.attendance import service as attendance
from app.audit import service as audit_trail
from app.auth import service as auth
from app.core import audit, clock, idempotency
from app.core.personal_data import Section, rows
from app.core.principal import STAFF_ROLES
from app.core.settings import get_settings
from app.district import service as district
from app.enrollment import service as enrollment
from app.fees import service as fees
from app.leave import service as leave
from app.ledger import service as ledger
from app.notifications import service as notifications
from app.pickup import service as pickup
from app.privacy import repository, retention
from app.privacy.errors import PrivacyNoticeOutdated, PrivacyStaffAccount
from app.privacy.models import NoticeAcceptance
from app.privacy.notice import NOTICE_TEXT, NOTICE_VERSION
from app.privacy.schemas import MyDataOut, PrivacyNoticeOut
from app.school import access
from app.school import service as school
from app.surveys import service as surveys

# ---------------------------------------------------------------------------- the notice


def current_notice() -> PrivacyNoticeOut:
    return PrivacyNoticeOut(version=NOTICE_VERSION, text=NOTICE_TEXT)


async def accept_notice(session: AsyncSession, user_id: uuid.UUID, version: int | None) -> None:
    """Record that a new parent accepted the current notice (registering is accepting it).

    A client that names the version it showed must have shown the current one (422
    ``privacy.notice_outdated``), as an enrollment must name the current safety agreement.
    """
    if version is not None and version != NOTICE_VERSION:
        raise PrivacyNoticeOutdated(field="privacy_notice_version")
    session.add(NoticeAcceptance(user_id=user_id, version=NOTICE_VERSION, accepted_at=clock.now()))
    await session.flush()


# ---------------------------------------------------------------------------- the export


def sections() -> tuple[Section, ...]:
    """Every domain's section of ``GET /me/data``.

    A domain that stores anything about a guardian or a child defines ``PERSONAL_DATA`` in
    its ``service.py`` and is added here, one line (``tests/privacy/test_export.py`` fails
    while a table with a ``user_id``/``student_id`` is in no section).
    """
    return (
        auth.PERSONAL_DATA,
        school.PERSONAL_DATA,
        enrollment.PERSONAL_DATA,
        activities.PERSONAL_DATA,
        leave.PERSONAL_DATA,
        attendance.PERSONAL_DATA,
        pickup.PERSONAL_DATA,
        surveys.PERSONAL_DATA,
        notifications.PERSONAL_DATA,
        announcements.PERSONAL_DATA,
        fees.PERSONAL_DATA,
        ledger.PERSONAL_DATA,
        district.PERSONAL_DATA,
        audit_trail.PERSONAL_DATA,
        PERSONAL_DATA,
    )


async def my_data(session: AsyncSession, user_id: uuid.UUID) -> MyDataOut:
    """Everything held about the guardian and the children linked to them."""
    children = await access.children_of(session, user_id)
    return MyDataOut(
        generated_at=clock.now(),
        privacy_notice_version=NOTICE_VERSION,
        sections={s.name: await s.collect(session, user_id, children) for s in sections()},
    )


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The notice versions accepted, and when staff read the children's records.

    A read of a list names only this family's children here, never the others on it.
    """
    mine = set(student_ids)
    reads = await rows(session, repository.reads_for_family(list(student_ids)))
    for read in reads:
        read["student_ids"] = [i for i in read["student_ids"] if i in mine]
    return {"consents": await rows(session, repository.acceptances(user_id)), "record_reads": reads}


PERSONAL_DATA = Section(
    "privacy", ("privacy_notice_acceptances", "student_record_reads"), _personal_data
)


# ---------------------------------------------------------------------------- the erasure


def pseudonym(user_id: uuid.UUID) -> str:
    """The stable stand-in for an erased guardian: "家长-" and a keyed digest of the id."""
    key = get_settings().signing_secret().encode()
    digest = hmac.new(key, f"guardian:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"家长-{digest[:6]}"


async def erase_account(session: AsyncSession, user_id: uuid.UUID) -> None:
    """``DELETE /me``: the account goes; the records the school must keep get a pseudonym.

    Removed: the account with its sign-ins, devices, inbox, receipts, passes and links to
    children (cascades of ``users``); the pickup persons it added; its survey answers; its
    stored idempotent answers. A parent who is also staff is refused (403): the school
    deactivates staff accounts.
    Kept under the pseudonym: handovers it collected, audit events by or about it. The
    children stay with the school, with or without another guardian.
    """
    # Held first: a second erasure at once waits here, then finds no account (401).
    me = await auth.me(session, user_id, lock=True)
    if any(r.value in me.roles for r in STAFF_ROLES):
        # a staff account belongs to the school: its admin deactivates it
        raise PrivacyStaffAccount()
    stand_in = pseudonym(user_id)
    pickups = await pickup.forget_guardian(session, user_id, stand_in)
    answers = await surveys.forget_guardian(session, user_id)
    identifiers = {me.name, me.phone or "", me.username or ""}
    await audit_trail.pseudonymise(
        session, user_id, identifiers, stand_in, about=pickups.handover_ids
    )
    await idempotency.forget_caller(session, user_id)
    await auth.erase_account(session, user_id)
    await audit.record(
        session,
        action="user.erased",
        object_type="user",
        object_id=user_id,
        actor_id=user_id,
        school_id=None,
        data={
            "pseudonym": stand_in,
            "children": len(me.children),
            "pickup_persons_removed": pickups.pickup_persons_removed,
            "survey_responses_removed": answers,
        },
    )


# ---------------------------------------------------------------------------- retention


async def purge(session: AsyncSession, *, dry_run: bool) -> dict[str, int]:
    """``kehou purge``: what has outlived its purpose goes (``retention.py`` says what)."""
    return await retention.purge(session, dry_run=dry_run)
