"""Every operation of the spec, classified for the probes, and what its path parameters name.

A new operation is probed as soon as it is in the spec (``app.openapi()``), and the probes
fail until it is classified here: that is the one thing to remember when adding one.
"""

from __future__ import annotations

PUBLIC = "public"  # answers without a token
SIGNED_IN = "signed-in"  # 401 without a token

# Every operation of the spec, as "METHOD /path". To classify a new one, add it here:
# PUBLIC if it must answer callers without a token (log-ins, probes), else SIGNED_IN.
OPERATIONS: dict[str, str] = {
    "POST /api/v1/auth/login": PUBLIC,
    "POST /api/v1/auth/register": PUBLIC,
    "POST /api/v1/auth/wechat": PUBLIC,
    "POST /api/v1/auth/refresh": PUBLIC,
    "POST /api/v1/auth/logout": PUBLIC,  # the refresh token in the body is the credential
    "GET /api/v1/healthz": PUBLIC,
    "GET /api/v1/readyz": PUBLIC,
    "GET /api/v1/me": SIGNED_IN,
    "PATCH /api/v1/me": SIGNED_IN,
    "POST /api/v1/me/password": SIGNED_IN,
    "POST /api/v1/me/children": SIGNED_IN,
    "POST /api/v1/staff": SIGNED_IN,
    "GET /api/v1/staff": SIGNED_IN,
    "GET /api/v1/staff/{staff_id}": SIGNED_IN,
    "PATCH /api/v1/staff/{staff_id}": SIGNED_IN,
    "GET /api/v1/school": SIGNED_IN,
    "PATCH /api/v1/school": SIGNED_IN,
    "POST /api/v1/terms": SIGNED_IN,
    "GET /api/v1/terms": SIGNED_IN,
    "GET /api/v1/terms/{term_id}": SIGNED_IN,
    "PATCH /api/v1/terms/{term_id}": SIGNED_IN,
    "DELETE /api/v1/terms/{term_id}": SIGNED_IN,
    "POST /api/v1/slots": SIGNED_IN,
    "GET /api/v1/slots": SIGNED_IN,
    "GET /api/v1/slots/{slot_id}": SIGNED_IN,
    "PATCH /api/v1/slots/{slot_id}": SIGNED_IN,
    "DELETE /api/v1/slots/{slot_id}": SIGNED_IN,
    "POST /api/v1/classes": SIGNED_IN,
    "GET /api/v1/classes": SIGNED_IN,
    "GET /api/v1/classes/{class_id}": SIGNED_IN,
    "PATCH /api/v1/classes/{class_id}": SIGNED_IN,
    "DELETE /api/v1/classes/{class_id}": SIGNED_IN,
    "GET /api/v1/classes/{class_id}/binding-codes.csv": SIGNED_IN,
    "POST /api/v1/groups": SIGNED_IN,
    "GET /api/v1/groups": SIGNED_IN,
    "GET /api/v1/groups/{group_id}": SIGNED_IN,
    "PATCH /api/v1/groups/{group_id}": SIGNED_IN,
    "DELETE /api/v1/groups/{group_id}": SIGNED_IN,
    "GET /api/v1/students": SIGNED_IN,
    "POST /api/v1/students": SIGNED_IN,
    "POST /api/v1/students/import": SIGNED_IN,
    "GET /api/v1/students/{student_id}": SIGNED_IN,
    "PATCH /api/v1/students/{student_id}": SIGNED_IN,
    "DELETE /api/v1/students/{student_id}": SIGNED_IN,
    "GET /api/v1/students/{student_id}/guardians": SIGNED_IN,
    "DELETE /api/v1/students/{student_id}/guardians/{user_id}": SIGNED_IN,
    "POST /api/v1/students/{student_id}/binding-code": SIGNED_IN,
    "POST /api/v1/enrollments": SIGNED_IN,
    "GET /api/v1/enrollments": SIGNED_IN,
    "GET /api/v1/enrollments/{enrollment_id}": SIGNED_IN,
    "PATCH /api/v1/enrollments/{enrollment_id}": SIGNED_IN,
    "POST /api/v1/enrollments/{enrollment_id}/review": SIGNED_IN,
    "POST /api/v1/enrollments/{enrollment_id}/withdraw": SIGNED_IN,
    "POST /api/v1/enrollments/{enrollment_id}/cancel": SIGNED_IN,
    "GET /api/v1/enrollments/{enrollment_id}/events": SIGNED_IN,
    "POST /api/v1/leave-requests": SIGNED_IN,
    "GET /api/v1/leave-requests": SIGNED_IN,
    "GET /api/v1/leave-requests/{id}": SIGNED_IN,
    "POST /api/v1/leave-requests/{id}/decision": SIGNED_IN,
    "POST /api/v1/leave-requests/{id}/cancel": SIGNED_IN,
    "GET /api/v1/rosters": SIGNED_IN,
    "POST /api/v1/attendance/roll-calls": SIGNED_IN,
    "GET /api/v1/students/{student_id}/pickup-persons": SIGNED_IN,
    "POST /api/v1/students/{student_id}/pickup-persons": SIGNED_IN,
    "PATCH /api/v1/students/{student_id}/pickup-persons/{person_id}": SIGNED_IN,
    "DELETE /api/v1/students/{student_id}/pickup-persons/{person_id}": SIGNED_IN,
    "GET /api/v1/students/{student_id}/blocked-adults": SIGNED_IN,
    "POST /api/v1/students/{student_id}/blocked-adults": SIGNED_IN,
    "DELETE /api/v1/students/{student_id}/blocked-adults/{blocked_id}": SIGNED_IN,
    "GET /api/v1/students/{student_id}/release-consent": SIGNED_IN,
    "POST /api/v1/students/{student_id}/release-consent": SIGNED_IN,
    "DELETE /api/v1/students/{student_id}/release-consent": SIGNED_IN,
    "GET /api/v1/pickup-settings": SIGNED_IN,
    "PATCH /api/v1/pickup-settings": SIGNED_IN,
    "POST /api/v1/pickup-passes": SIGNED_IN,
    "GET /api/v1/pickup-passes": SIGNED_IN,
    "DELETE /api/v1/pickup-passes/{pass_ref}": SIGNED_IN,
    "POST /api/v1/pickups/verify": SIGNED_IN,
    "POST /api/v1/pickups": SIGNED_IN,
    "GET /api/v1/pickups": SIGNED_IN,
    "POST /api/v1/pickups/release": SIGNED_IN,
    "GET /api/v1/pickups/late": SIGNED_IN,
    "POST /api/v1/pickups/late/{case_id}/acknowledge": SIGNED_IN,
    "GET /api/v1/pickups/{handover_id}": SIGNED_IN,
    "GET /api/v1/survey-templates": SIGNED_IN,
    "POST /api/v1/surveys/from-template": SIGNED_IN,
    "POST /api/v1/surveys": SIGNED_IN,
    "GET /api/v1/surveys": SIGNED_IN,
    "GET /api/v1/surveys/{survey_id}": SIGNED_IN,
    "PATCH /api/v1/surveys/{survey_id}": SIGNED_IN,
    "DELETE /api/v1/surveys/{survey_id}": SIGNED_IN,
    "POST /api/v1/surveys/{survey_id}/publish": SIGNED_IN,
    "POST /api/v1/surveys/{survey_id}/close": SIGNED_IN,
    "POST /api/v1/surveys/{survey_id}/responses": SIGNED_IN,
    "GET /api/v1/surveys/{survey_id}/responses/{student_id}": SIGNED_IN,
    "GET /api/v1/surveys/{survey_id}/results": SIGNED_IN,
    "GET /api/v1/surveys/{survey_id}/results.csv": SIGNED_IN,
    "GET /api/v1/notifications": SIGNED_IN,
    "POST /api/v1/notifications/read-all": SIGNED_IN,
    "POST /api/v1/notifications/{notification_id}/read": SIGNED_IN,
    "GET /api/v1/devices": SIGNED_IN,
    "POST /api/v1/devices": SIGNED_IN,
    "DELETE /api/v1/devices/{device_id}": SIGNED_IN,
    "GET /api/v1/audit-events": SIGNED_IN,
}

# The kind of object (``world.SCOPES``) each path parameter names. A new parameter name is
# added here; a name that means different things on different paths (``id``) is named per
# path in ``PATH_PARAM_KINDS``.
PARAM_KINDS: dict[str, str] = {
    "staff_id": "staff",
    "term_id": "term",
    "slot_id": "slot",
    "class_id": "class",
    "group_id": "group",
    "student_id": "student",
    "user_id": "guardian",  # only under /students/{student_id}/guardians
    "enrollment_id": "enrollment",
    "person_id": "pickup_person",
    "blocked_id": "blocked_adult",
    "pass_ref": "pickup_pass",
    "case_id": "late_case",
    "handover_id": "handover",
    "survey_id": "survey",
    "notification_id": "notification",
    "device_id": "device",
}
PATH_PARAM_KINDS: dict[tuple[str, str], str] = {
    ("/api/v1/leave-requests/{id}", "id"): "leave_request",
    ("/api/v1/leave-requests/{id}/decision", "id"): "leave_request",
    ("/api/v1/leave-requests/{id}/cancel", "id"): "leave_request",
}


def kind_of(path: str, param: str) -> str | None:
    if (path, param) in PATH_PARAM_KINDS:
        return PATH_PARAM_KINDS[path, param]
    return PARAM_KINDS.get(param) if param != "id" else None
