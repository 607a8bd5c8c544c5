"""Request and response bodies of logins, tokens, the caller's account and staff management."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from app.auth import examples
from app.core.schemas import Input, Name, Output, Password, Patch, Phone, Text
from app.staff.schemas import EmploymentKind, VettingIn, VettingOut

LoginName = Annotated[str, Text(64)]
Relationship = Annotated[
    str,
    Text(32),
    Field(examples=["母亲"], description="Who the adult is to the child: 父亲, 母亲, 外婆…"),
]
BindingCodeText = Annotated[
    str,
    Text(32),
    Field(examples=["K7QM-4XRP"], description="As printed; spaces, dashes and case are ignored."),
]
OpaqueToken = Annotated[str, Text(512)]
StaffRole = Literal["teacher", "duty", "school_admin"]


class LoginIn(Input):
    username: LoginName
    password: Password


class RegisterIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.REGISTER_IN]})

    phone: Phone = Field(description="Becomes the username for `POST /auth/login`.")
    password: Password
    name: Name
    binding_code: BindingCodeText
    relationship: Relationship
    privacy_notice_version: int | None = Field(
        default=None,
        description=(
            "The version of `GET /privacy-notice` the app showed; registering accepts the "
            "current notice. A stale version: 422 `privacy.notice_outdated`."
        ),
    )


class WeChatLoginIn(Input):
    code: Annotated[str, Text(128)] = Field(
        description="The code from `wx.login()` in the mini-program (single use, 5 minutes)."
    )


class RefreshIn(Input):
    refresh_token: OpaqueToken


class TokenPairOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.TOKEN_PAIR_OUT]})

    access_token: str
    refresh_token: str = Field(description="Single use: each refresh returns the next one.")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token lives.")


class ChildOut(Output):
    id: uuid.UUID
    name: str
    class_name: str
    relationship: str


class MeOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ME_OUT]})

    id: uuid.UUID
    name: str
    username: str | None
    phone: str | None
    roles: list[str]
    school_id: uuid.UUID | None
    children: list[ChildOut]


class MePatch(Patch):
    name: Name


class ChildIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.CHILD_IN]})

    binding_code: BindingCodeText
    relationship: Relationship


class PasswordChangeIn(Input):
    current_password: Password
    new_password: Password


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
    created_at: datetime
