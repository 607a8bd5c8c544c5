"""The composition root of the domains' events: who hears what a lower domain announces.

Each event is declared in its domain's ``events.py`` (``app.core.hooks``); every subscription
is listed here, in the order the handlers run. Every process that runs the code calls
``install()`` once before serving: the server (``app.main``), the CLI and its worker
(``app.cli``), and the tests (``tests/conftest.py``). Emitting without it raises.
"""

from __future__ import annotations

from app.core import hooks
from app.district import service as district
from app.enrollment import events as enrollment
from app.enrollment import service as enrollments
from app.fees import service as fees
from app.school import events as school


def install() -> None:
    """Subscribe every handler (once per process; later calls do nothing)."""
    if hooks.installed():
        return
    # No application while the district has yet to approve the term's plan.
    enrollment.applying.subscribe(district.ensure_enrollment_open)
    # An activated enrollment is billed at once; a withdrawal refunds the days after it.
    enrollment.activated.subscribe(fees.enrollment_activated)
    enrollment.withdrawn.subscribe(fees.enrollment_withdrawn)
    # Closed days of a term are refunded pro rata on its bills.
    school.closures_changed.subscribe(fees.term_closures_changed)
    # A child's enrollments are their history: no deleting an enrolled child; a leaver's
    # enrollments end today.
    school.student_deleting.subscribe(enrollments.refuse_deleting_enrolled)
    school.student_archived.subscribe(enrollments.end_for_leaver)
    hooks.mark_installed()
