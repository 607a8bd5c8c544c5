"""Request and response bodies of logins, tokens and the caller's account."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.auth import examples
from app.core.schemas import Input, Name, Output, Password, Patch, Phone, Text

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
