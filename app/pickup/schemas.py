"""Request and response bodies of gate pickup."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from app.core.schemas import Day, Input, Name, Output, Patch, Phone, Text
from app.pickup import examples
from app.pickup.models import AdultKind, HandoverKind, LateOutcome, PickupLevel

Relationship = Annotated[str, Text(32)]
Note = Annotated[str, Text(500, min_length=0, multiline=True)]
CaseNote = Annotated[str, Text(2000, multiline=True)]
IdNumber = Annotated[str, Text(32, min_length=4, pattern=r"^[0-9A-Za-z -]{4,32}$")]
PassCode = Annotated[str, Text(64)]
Grade = Annotated[int, Field(ge=1, le=9)]

# What the gate list calls a child: not yet collected, or gone and how.
GateStatus = Literal["waiting", "picked_up", "released"]


class PickupPersonIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PICKUP_PERSON_IN]})

    name: Name
    phone: Phone
    relationship: Relationship
    level: PickupLevel = PickupLevel.ALWAYS
    valid_from: Day | None = None
    valid_until: Day | None = None


class PickupPersonPatch(Patch):
    """Fields left out keep their value; ``null`` clears a validity bound."""

    nullable = frozenset({"valid_from", "valid_until"})

    name: Name | None = None
    phone: Phone | None = None
    relationship: Relationship | None = None
    level: PickupLevel | None = None
    valid_from: Day | None = None
    valid_until: Day | None = None


class PickupPersonOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PICKUP_PERSON_OUT]})

    id: uuid.UUID
    student_id: uuid.UUID
    name: str
    phone: str
    relationship: str
    level: PickupLevel
    valid_from: date | None
    valid_until: date | None
    created_at: datetime
    updated_at: datetime


class BlockedAdultIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.BLOCKED_ADULT_IN]})

    name: Name
    phone: Phone
    id_number: IdNumber | None = None
    note: CaseNote


class BlockedAdultOut(Output):
    id: uuid.UUID
    student_id: uuid.UUID
    name: str
    phone: str
    id_number_tail: str | None = Field(description="Last four characters of the ID, if given.")
    note: str
    created_by: uuid.UUID | None
    created_at: datetime


class PickupPassIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PICKUP_PASS_IN]})

    student_ids: list[uuid.UUID] = Field(min_length=1, max_length=10)
    pickup_person_id: uuid.UUID | None = Field(
        default=None,
        description="Name one of the family's pickup persons instead of the caller.",
    )


class AdultOut(Output):
    name: str
    phone_masked: str
    relationship: str
    kind: AdultKind


class PassStudentOut(Output):
    id: uuid.UUID
    name: str


class PickupPassCreated(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PICKUP_PASS_CREATED]})

    id: uuid.UUID
    code: str = Field(description="8 characters to type at the gate; shown only once.")
    qr_payload: str = Field(description="The string to render as a QR code.")
    expires_at: datetime
    date: date
    adult: AdultOut
    students: list[PassStudentOut]


class PickupPassOut(Output):
    id: uuid.UUID
    date: date
    expires_at: datetime
    revoked_at: datetime | None
    status: Literal["active", "expired", "revoked"]
    adult: AdultOut
    student_ids: list[uuid.UUID]
    created_at: datetime


class VerifyIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.VERIFY_IN]})

    code: PassCode = Field(description="The typed code or the scanned QR payload.")


class GateStudentOut(Output):
    id: uuid.UUID
    name: str
    class_name: str
    status: str = Field(
        description="Today: expected, absent, on_leave, not_expected, picked_up or released."
    )


class VerifyOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.VERIFY_OUT]})

    pass_id: uuid.UUID
    expires_at: datetime
    adult: AdultOut
    students: list[GateStudentOut]


class HandoverIn(Input):
    student_id: uuid.UUID
    date: Day
    pass_code: PassCode | None = None
    pickup_person_id: uuid.UUID | None = None
    adult_id_number: IdNumber | None = Field(
        default=None, description="The ID document staff checked; matched against blocked adults."
    )
    note: Note | None = None

    @model_validator(mode="after")
    def _one_source(self) -> HandoverIn:
        if (self.pass_code is None) == (self.pickup_person_id is None):
            raise ValueError("give exactly one of pass_code and pickup_person_id")
        return self


class ReleaseIn(Input):
    student_id: uuid.UUID
    date: Day
    note: Note | None = None


class HandoverOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.HANDOVER_OUT]})

    id: uuid.UUID
    student_id: uuid.UUID
    date: date
    kind: HandoverKind
    picked_up_at: datetime
    adult_name: str | None
    adult_relationship: str | None
    adult_kind: AdultKind | None
    pickup_pass_id: uuid.UUID | None
    pickup_person_id: uuid.UUID | None
    confirmed_by: uuid.UUID | None
    confirmed_by_name: str
    note: str | None
    voided_at: datetime | None = Field(
        default=None, description="Set when an admin voided the handover as a mistake."
    )
    voided_by: uuid.UUID | None = None
    void_reason: str | None = None


class VoidIn(Input):
    reason: Annotated[str, Text(500, multiline=True)] = Field(
        description="Why the handover was a mistake; the family reads it."
    )


class GateListItem(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.GATE_LIST_ITEM]})

    student_id: uuid.UUID
    name: str
    class_name: str
    status: GateStatus
    slot_end_at: datetime | None = Field(description="When the child's last slot ends today.")
    late: bool
    handover: HandoverOut | None


class ReleaseConsentIn(Input):
    note: Note | None = None


class ReleaseConsentOut(Output):
    student_id: uuid.UUID
    given_by: uuid.UUID | None
    given_at: datetime
    note: str | None


class PickupSettingsOut(Output):
    self_release_grades: list[int]
    pass_ttl_minutes: int


class PickupSettingsPatch(Patch):
    nullable = frozenset({"pass_ttl_minutes"})  # null returns to the default

    self_release_grades: list[Grade] | None = Field(default=None, max_length=9)
    pass_ttl_minutes: int | None = Field(default=None, ge=2, le=30)


class LateCaseOut(Output):
    id: uuid.UUID
    student_id: uuid.UUID
    name: str
    class_name: str
    date: date
    slot_end_at: datetime
    detected_at: datetime
    escalated_at: datetime | None
    status: GateStatus
    acknowledged_at: datetime | None
    acknowledged_by: uuid.UUID | None
    outcome: LateOutcome | None
    note: str | None


class AcknowledgeIn(Input):
    outcome: LateOutcome
    note: Note | None = None

    @model_validator(mode="after")
    def _other_says_what(self) -> AcknowledgeIn:
        if self.outcome == LateOutcome.OTHER and not self.note:
            raise ValueError("an outcome of 'other' needs a note")
        return self
