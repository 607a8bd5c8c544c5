"""Who may call fees endpoints, and loading the bill the caller may see (else 404)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Path

from app.auth.deps import CurrentUser, ParentUser, SchoolAdmin, require_roles
from app.auth.models import Role
from app.core.database import SessionDep
from app.core.principal import Principal
from app.fees import service
from app.fees.errors import BillNotFound
from app.fees.models import Bill

# Families read their children's bills; school admins the school's. Other staff: 403.
BillReader = Annotated[Principal, Depends(require_roles(Role.PARENT, Role.SCHOOL_ADMIN))]
BillId = Annotated[uuid.UUID, Path(alias="id")]


def _acting_as(principal: Principal, role: Role) -> Principal:
    """The caller in one role only: a parent who is also an admin pays as a parent."""
    return replace(principal, roles=frozenset({role.value}))


async def _readable_bill(session: SessionDep, principal: CurrentUser, bill_id: BillId) -> Bill:
    bill = await service.readable_bill(session, principal, bill_id)
    if bill is None:
        raise BillNotFound()
    return bill


async def _read_bill(session: SessionDep, reader: BillReader, bill_id: BillId) -> Bill:
    return await _readable_bill(session, reader, bill_id)


async def _family_bill(session: SessionDep, parent: ParentUser, bill_id: BillId) -> Bill:
    """A bill of one of the caller's own children (what a guardian may pay)."""
    return await _readable_bill(session, _acting_as(parent, Role.PARENT), bill_id)


async def _school_bill(session: SessionDep, admin: SchoolAdmin, bill_id: BillId) -> Bill:
    """A bill of the admin's own school."""
    return await _readable_bill(session, _acting_as(admin, Role.SCHOOL_ADMIN), bill_id)


ReadableBill = Annotated[Bill, Depends(_read_bill)]
FamilyBill = Annotated[Bill, Depends(_family_bill)]
SchoolBill = Annotated[Bill, Depends(_school_bill)]
