"""The one capacity rule the school's set-up owns: never below the seats already held."""

from __future__ import annotations

from app.school.errors import CapacityBelowSeats


def check_not_below_seats(name: str, old: int | None, new: int | None, held: int) -> None:
    """A slot's or group's capacity lowered below its seats held: 409 ``capacity.below_seats``.

    Only a lowering is refused: a slot or group already over its capacity (set before this
    rule) may still be raised, renamed or left as it is.
    """
    lowered = new is not None and (old is None or new < old)
    if lowered and new is not None and new < held:
        raise CapacityBelowSeats(name=name, held=held)
