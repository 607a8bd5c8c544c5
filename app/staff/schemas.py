"""Request and response bodies of outside staff: employment and vetting (资格审查)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from app.core.schemas import Day, Input, Output, ShortText, Text

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
