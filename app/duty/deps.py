"""Who may touch a duty shift: staff of its school (another school's: 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from app.auth.deps import StaffUser
from app.core.database import SessionDep
from app.duty import service
from app.duty.models import DutyShift


async def _school_shift(shift_id: uuid.UUID, session: SessionDep, user: StaffUser) -> DutyShift:
    return await service.school_shift(session, user, shift_id)


SchoolShift = Annotated[DutyShift, Depends(_school_shift)]
