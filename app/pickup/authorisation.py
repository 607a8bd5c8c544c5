"""Who may collect a child at the gate: ``may_collect``, and ``may_leave_alone`` for a child
who leaves without an adult (弹性离校). The service gathers the facts and acts on the answer.

``may_collect(adult, child, day)``, in this order:

1. An adult a block in force names (phone, name or identity document) never collects the
   child: 403 ``pickup.adult_blocked``, and duty staff and admins are alerted.
2. The adult must be authorised for this child on ``day``: the adult a live pass names for
   the child (the issuer, while still a guardian of the child; or a pickup person the
   issuer chose, while listed and valid that day), or a pickup person of this child of
   level ``always``, listed and valid that day, whose ID staff checked. Otherwise 403
   ``pickup.not_authorized`` (and the refusal is audited).
3. The child must be in the school's care that day: not absent (409
   ``pickup.child_absent``), not on leave (409 ``pickup.child_on_leave``).

Whether the pass itself is live (this school's, today's, unrevoked, unexpired) is checked
before, with the throttle (``passes.check_code``); whether the child already left, by the
handover's one row per child and day.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.pickup.daystatus import DayStatus
from app.pickup.identity import id_number_digest, normalise_name, normalise_phone
from app.pickup.models import AdultKind, BlockedAdult, PickupLevel, PickupPass, PickupPerson


def is_valid_on(person: PickupPerson, day: date) -> bool:
    """Listed, not removed, and inside its validity window on ``day``."""
    return (
        person.removed_at is None
        and (person.valid_from is None or person.valid_from <= day)
        and (person.valid_until is None or day <= person.valid_until)
    )


@dataclass(frozen=True)
class AdultIdentity:
    """What the gate knows of the adult in front of it."""

    name: str
    phone: str | None
    id_number: str | None = None


@dataclass(frozen=True)
class AuthorisedAdult:
    """An adult authorised to collect one child right now, and as whom."""

    kind: AdultKind
    name: str
    phone: str | None
    relationship: str
    user_id: uuid.UUID | None
    pickup_person_id: uuid.UUID | None

    @classmethod
    def of_person(cls, person: PickupPerson) -> AuthorisedAdult:
        return cls(
            kind=AdultKind.PICKUP_PERSON,
            name=person.name,
            phone=person.phone,
            relationship=person.relationship,
            user_id=None,
            pickup_person_id=person.id,
        )


@dataclass(frozen=True)
class PassEntry:
    """A child on a pass, as the pass check read it."""

    issuer_relationship: str | None  # None: the issuer is no longer the child's guardian
    pickup_person_id: uuid.UUID | None  # the person the issuer named, if not themself
    person: PickupPerson | None


def named_on_pass(
    pickup_pass: PickupPass, entries: Mapping[uuid.UUID, PassEntry], day: date
) -> dict[uuid.UUID, AuthorisedAdult | None]:
    """Each child on a pass → the adult it authorises for them on ``day``, or None where
    that lapsed: re-checked at every use, so an unlinked guardian's or a removed person's
    pass dies with them."""
    adults: dict[uuid.UUID, AuthorisedAdult | None] = {}
    for student_id, entry in entries.items():
        adults[student_id] = None
        if entry.issuer_relationship is None:
            continue
        if entry.pickup_person_id is None:
            adults[student_id] = AuthorisedAdult(
                kind=AdultKind.GUARDIAN,
                name=pickup_pass.adult_name,
                phone=pickup_pass.adult_phone,
                relationship=entry.issuer_relationship,
                user_id=pickup_pass.issued_by,
                pickup_person_id=None,
            )
        elif entry.person is not None and is_valid_on(entry.person, day):
            adults[student_id] = AuthorisedAdult.of_person(entry.person)
    return adults


def matching_block(blocks: Iterable[BlockedAdult], adult: AdultIdentity) -> BlockedAdult | None:
    """The block that forbids this adult to collect the child, if any.

    A phone or a name match is enough: refusing a namesake costs a phone call, handing a
    child to the person a court kept away costs far more.
    """
    phone, name = normalise_phone(adult.phone), normalise_name(adult.name)
    document = id_number_digest(adult.id_number) if adult.id_number else None
    for blocked in blocks:
        if (
            (phone and blocked.phone == phone)
            or normalise_name(blocked.name) == name
            or (document and blocked.id_number_digest == document)
        ):
            return blocked
    return None


@dataclass(frozen=True)
class PassHolder:
    """An adult showing a live pass: who it names for each of its children on the day."""

    pickup_pass: PickupPass
    adults: Mapping[uuid.UUID, AuthorisedAdult | None]  # ``named_on_pass``
    id_number: str | None


@dataclass(frozen=True)
class ListedPerson:
    """An adult staff recognised as a listed pickup person (None: no such person)."""

    person: PickupPerson | None
    id_number: str | None


@dataclass(frozen=True)
class Child:
    """The child to be collected: their school, blocks in force and their day."""

    id: uuid.UUID
    school_id: uuid.UUID
    blocks: Iterable[BlockedAdult]
    status: DayStatus


class Refusal(StrEnum):
    UNKNOWN_PERSON = "unknown_person"  # no pickup person of this school
    BLOCKED = "blocked"
    NOT_ON_PASS = "not_on_pass"
    AUTHORITY_LAPSED = "authority_lapsed"  # the issuer or the named person no longer may
    PERSON_NOT_AUTHORISED = "person_not_authorised"  # another child's, emergency only, expired
    CHILD_ABSENT = "child_absent"
    CHILD_ON_LEAVE = "child_on_leave"
    NOT_CONSENTED = "release_not_consented"
    GRADE_NOT_ALLOWED = "release_grade_not_allowed"


@dataclass(frozen=True)
class Verdict:
    """``may_collect``'s answer: the adult as authorised, or why not."""

    adult: AuthorisedAdult | None
    refusal: Refusal | None = None
    identity: AdultIdentity | None = None  # who was checked against the blocks
    block: BlockedAdult | None = None  # the block that refused


def _out_of_care(status: DayStatus) -> Refusal | None:
    """A child absent or on leave is not the gate's to hand over."""
    if status == DayStatus.ABSENT:
        return Refusal.CHILD_ABSENT
    if status == DayStatus.ON_LEAVE:
        return Refusal.CHILD_ON_LEAVE
    return None


def may_collect(adult: PassHolder | ListedPerson, child: Child, day: date) -> Verdict:
    """Whether this adult may collect this child on ``day`` (the module docstring's rule)."""
    authorised: AuthorisedAdult | None
    if isinstance(adult, ListedPerson):
        person = adult.person
        if person is None or person.school_id != child.school_id:
            return Verdict(None, Refusal.UNKNOWN_PERSON)
        identity = AdultIdentity(person.name, person.phone, adult.id_number)
        listed_for_child = (
            person.student_id == child.id
            and is_valid_on(person, day)
            and person.level == PickupLevel.ALWAYS
        )
        authorised = AuthorisedAdult.of_person(person) if listed_for_child else None
        lacking = Refusal.PERSON_NOT_AUTHORISED
    else:
        authorised = adult.adults.get(child.id)
        # Whoever the pass names is checked against the blocks, even for a child not on it.
        identity = AdultIdentity(
            name=authorised.name if authorised else adult.pickup_pass.adult_name,
            phone=authorised.phone if authorised else adult.pickup_pass.adult_phone,
            id_number=adult.id_number,
        )
        lacking = Refusal.AUTHORITY_LAPSED if child.id in adult.adults else Refusal.NOT_ON_PASS
    blocked = matching_block(child.blocks, identity)
    if blocked is not None:
        return Verdict(None, Refusal.BLOCKED, identity, blocked)
    if authorised is None:
        return Verdict(None, lacking, identity)
    out_of_care = _out_of_care(child.status)
    if out_of_care is not None:
        return Verdict(None, out_of_care, identity)
    return Verdict(authorised, None, identity)


def may_leave_alone(
    *, consented: bool, grade: int | None, allowed_grades: Collection[int], status: DayStatus
) -> Refusal | None:
    """Whether a child may leave without an adult: a guardian's live consent, a grade the
    school lets leave alone, and the child in care that day (None: yes)."""
    if not consented:
        return Refusal.NOT_CONSENTED
    if grade not in allowed_grades:
        return Refusal.GRADE_NOT_ALLOWED
    return _out_of_care(status)
