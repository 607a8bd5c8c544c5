"""Request and response bodies of staff accounts, and of outside staff's vetting (资格审查)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from app.auth.schemas import LoginName, StaffRole
from app.core.schemas import Day, Input, Name, Output, Password, Patch, Phone, ShortText, Text
from app.staff import examples

EmploymentKind = Literal["school", "external", "volunteer"]
CertificateNo = Annotated[str, Text(64)]


class VettingIn(Input):
    """资格审查 of an outside adult: who vetted them, the certificate, until when it holds."""

    organisation: ShortText = Field(description="The provider or body that vetted them.")
    checked_at: Day
    certificate_no: CertificateNo
    valid_until: Day = Field(description="The last day the vetting holds.")

    @model_validator(mode="after")
    def _ordered(self) -> VettingIn:
        if self.valid_until < self.checked_at:
            raise ValueError("valid_until may not be before checked_at")
        return self


class VettingOut(Output):
    organisation: str
    checked_at: dt.date
    certificate_no: str
    valid_until: dt.date


class StaffIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.STAFF_IN]})

    username: LoginName = Field(description="3–64 of a-z 0-9 _ . @ + -; case-insensitive.")
    password: Password
    name: Name
    phone: Phone | None = None
    roles: list[StaffRole] = Field(min_length=1, max_length=3)
    employment: EmploymentKind = Field(
        default="school", description="`external` and `volunteer` need `vetting` (资格审查)."
    )
    vetting: VettingIn | None = None

    @field_validator("roles")
    @classmethod
    def _distinct_roles(cls, roles: list[StaffRole]) -> list[StaffRole]:
        return sorted(set(roles))


class StaffPatch(Patch):
    """Only what the body names changes. ``roles`` replaces the staff roles as a whole."""

    nullable = frozenset({"phone"})

    name: Name | None = None
    phone: Phone | None = None
    roles: list[StaffRole] | None = Field(default=None, min_length=1, max_length=3)
    is_active: bool | None = Field(
        default=None, description="false ends every sign-in at once; no login until true again."
    )
    password: Password | None = Field(
        default=None, description="A reset by the admin; every sign-in of the account ends."
    )
    vetting: VettingIn | None = Field(
        default=None, description="Renewed vetting of external or volunteer staff."
    )

    # Defaults are not validated, so these run only for fields the body names.
    @field_validator("name", "is_active", "password", "vetting")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out but not null (only phone can be cleared)")
        return value

    @field_validator("roles")
    @classmethod
    def _distinct_roles(cls, roles: list[StaffRole] | None) -> list[StaffRole]:
        if roles is None:
            raise ValueError("may be left out but not null")
        return sorted(set(roles))


class StaffOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.STAFF_OUT]})

    id: uuid.UUID
    username: str | None
    name: str
    phone: str | None
    roles: list[str]
    is_active: bool
    employment: EmploymentKind = "school"
    vetting: VettingOut | None = None
    created_at: dt.datetime
