"""Imports every domain's models so ``metadata`` knows all tables (Alembic, tests)."""

from app.activities import models as activities_models  # noqa: F401
from app.announcements import models as announcements_models  # noqa: F401
from app.attendance import models as attendance_models  # noqa: F401
from app.audit import models as audit_models  # noqa: F401
from app.auth import models as auth_models  # noqa: F401
from app.checkins import models as checkins_models  # noqa: F401
from app.core import audit, heartbeat, idempotency  # noqa: F401
from app.core.models import Base
from app.district import models as district_models  # noqa: F401
from app.duty import models as duty_models  # noqa: F401
from app.enrollment import models as enrollment_models  # noqa: F401
from app.fees import models as fees_models  # noqa: F401
from app.leave import models as leave_models  # noqa: F401
from app.ledger import models as ledger_models  # noqa: F401
from app.notifications import models as notifications_models  # noqa: F401
from app.pickup import models as pickup_models  # noqa: F401
from app.privacy import models as privacy_models  # noqa: F401
from app.school import models as school_models  # noqa: F401
from app.staff import models as staff_models  # noqa: F401
from app.surveys import models as surveys_models  # noqa: F401
from app.workload import models as workload_models  # noqa: F401

metadata = Base.metadata
