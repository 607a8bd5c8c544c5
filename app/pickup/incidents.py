"""Records that must outlive a refused request: failed pass checks and blocked-adult alerts.

The request's own transaction rolls back when it answers 403/404, so these are written
and committed in a session of their own before the error is raised.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from app.core import audit, database
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.pickup import repository
from app.pickup.models import VerificationFailure

log = logging.getLogger(__name__)

# Blocked attempts alert once per adult, child and ten minutes, however often the gate retries.
ALERT_BUCKET_MINUTES = 10


async def record_failure(
    *,
    actor_id: uuid.UUID,
    school_id: uuid.UUID | None,
    reason: str,
    code_digest: str | None,
    counted: bool,
    data: dict[str, Any],
    object_id: uuid.UUID | None = None,
) -> None:
    """Log and audit a refused gate check; ``counted`` ones feed the throttle."""
    log.warning(
        "pickup check failed: reason=%s actor=%s school=%s data=%s",
        reason,
        actor_id,
        school_id,
        data,
    )
    async with database.sessionmaker()() as session:
        if counted and code_digest is not None:
            session.add(
                VerificationFailure(
                    actor_id=actor_id, school_id=school_id, code_digest=code_digest, reason=reason
                )
            )
        await audit.record(
            session,
            action="pickup.check_failed",
            object_type="pickup_pass" if code_digest else "pickup_person",
            object_id=object_id,
            actor_id=actor_id,
            school_id=school_id,
            data={"reason": reason, **data},
        )
        await session.commit()


async def alert_blocked_attempt(
    *,
    school_id: uuid.UUID,
    student_id: uuid.UUID,
    student_name: str,
    class_name: str,
    blocked_adult_id: uuid.UUID,
    adult_name: str,
    actor_id: uuid.UUID,
    actor_name: str,
    at: datetime,
    local_time: str,
    via: str,
) -> None:
    """Alert duty staff and school admins, and audit, that a blocked adult tried to collect."""
    log.warning(
        "blocked adult at the gate: blocked=%s student=%s actor=%s via=%s",
        blocked_adult_id,
        student_id,
        actor_id,
        via,
    )
    bucket = int(at.timestamp()) // (ALERT_BUCKET_MINUTES * 60)
    async with database.sessionmaker()() as session:
        await notifications.notify(
            session,
            recipients=await repository.staff_on_watch(session, school_id),
            kind=Kind.PICKUP_BLOCKED_ATTEMPT,
            params={
                "student_name": student_name,
                "class_name": class_name,
                "adult_name": adult_name,
                "staff_name": actor_name,
                "time": local_time,
            },
            data={"student_id": str(student_id), "blocked_adult_id": str(blocked_adult_id)},
            dedupe_key=f"pickup.blocked:{blocked_adult_id}:{student_id}:{bucket}",
        )
        await audit.record(
            session,
            action="pickup.blocked_attempt",
            object_type="student",
            object_id=student_id,
            actor_id=actor_id,
            school_id=school_id,
            data={"blocked_adult_id": str(blocked_adult_id), "adult_name": adult_name, "via": via},
        )
        await session.commit()
