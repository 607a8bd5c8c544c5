"""Daily rosters computed from enrollments, leave and roll-call marks (点名)."""
