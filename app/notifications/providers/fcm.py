"""FCM through firebase-admin: the one adapter that knows the SDK's credentials and endpoint.

firebase-admin has no option for the messaging endpoint: the service formats its send URL
from ``_MessagingService.FCM_URL`` when created. ``KEHOU_FCM_ENDPOINT`` (staging, tests) is
applied here, on this provider's own app only, so no other code touches SDK internals.
The SDK does not retry 429 itself; QUOTA_EXCEEDED and ``Retry-After`` reach the worker as
a retry with the wait the server asked for.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import firebase_admin
import httpx
from firebase_admin import credentials, exceptions, messaging

from app.notifications.providers.base import Outcome, Provider, Push, parse_retry_after

log = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 15
# firebase-admin sends a batch with one request per message, all at once.
MAX_BATCH = 500

# The urgent kinds wake the phone; the rest may wait for the next Doze window.
URGENT_KINDS = frozenset(
    {"pickup.handed_over", "pickup.late", "attendance.absent", "rollcall.missing"}
)


def endpoint_url(template: str, project_id: str) -> str:
    """``KEHOU_FCM_ENDPOINT`` filled in: ``{project_id}`` (or the SDK's ``{0}``) → the project."""
    return template.replace("{project_id}", project_id).replace("{0}", project_id)


class FcmProvider(Provider):
    platform = "fcm"

    def __init__(
        self,
        credential: Any,
        *,
        project_id: str | None = None,
        endpoint: str | None = None,
        timeout: int = HTTP_TIMEOUT_SECONDS,
    ) -> None:
        """``credential``: a firebase-admin credential or a ``google.auth`` one (tests)."""
        options: dict[str, Any] = {"httpTimeout": timeout}
        if project_id:
            options["projectId"] = project_id
        # An app of our own, so the endpoint override never leaks into other SDK users.
        self._app = firebase_admin.initialize_app(
            credential, options, name=f"kehou-fcm-{uuid.uuid4().hex}"
        )
        self._service = messaging._get_messaging_service(self._app)
        if not hasattr(self._service, "_fcm_url") or not hasattr(self._service, "_async_client"):
            raise RuntimeError("firebase-admin changed its messaging internals; see providers/fcm")
        self._closed = False
        if endpoint:
            self._service._fcm_url = endpoint_url(endpoint, self._app.project_id)
        log.info("fcm: project=%s url=%s", self._app.project_id, self.url)

    @classmethod
    def from_service_account(cls, path: Path, *, endpoint: str | None = None) -> FcmProvider:
        return cls(credentials.Certificate(str(path)), endpoint=endpoint)

    @property
    def url(self) -> str:
        return str(self._service._fcm_url)

    async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        valid: list[tuple[int, messaging.Message]] = []
        for index, push in enumerate(pushes):
            try:
                message = _message(push)
                # the SDK validates while encoding, for the whole batch at once: one bad
                # message (a reserved data key) must fail alone, not hold up the others
                messaging._MessagingService.encode_message(message)
            except (ValueError, TypeError) as exc:
                outcomes[index] = Outcome.failed(f"fcm: invalid message: {exc}"[:500])
            else:
                valid.append((index, message))
        for start in range(0, len(valid), MAX_BATCH):
            chunk = valid[start : start + MAX_BATCH]
            try:
                batch = await messaging.send_each_async([m for _, m in chunk], app=self._app)
            except (exceptions.FirebaseError, httpx.HTTPError, OSError) as exc:
                outcomes.update((index, Outcome.retry(f"fcm: {exc}"[:500])) for index, _ in chunk)
                continue
            for (index, _), response in zip(chunk, batch.responses, strict=True):
                outcomes[index] = _outcome(response)
        return [outcomes[index] for index in range(len(pushes))]

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        # delete_app closes the SDK's HTTP client with asyncio.run(), which cannot run
        # inside a loop: close it here first, then let delete_app find it closed.
        await self._service._async_client.aclose()
        await asyncio.to_thread(firebase_admin.delete_app, self._app)


def _message(push: Push) -> messaging.Message:
    # FCM data values must be strings; the client reads kind and ids to open the screen.
    data = {
        key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for key, value in push.data.items()
    }
    data.update(kind=push.kind, notification_id=str(push.notification_id))
    # Apps register FCM registration tokens (``getToken()``), which ``message.token``
    # addresses; firebase-admin 7.7 deprecates the argument in favour of installation ids.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return messaging.Message(
            token=push.address,
            notification=messaging.Notification(title=push.title, body=push.body),
            data=data,
            # A send that timed out may still have reached FCM, and its retry then arrives
            # too: tagged with the notification, the second replaces the first on the phone
            # instead of showing twice (Android's notification tag, APNs' collapse id).
            android=messaging.AndroidConfig(
                priority="high" if push.kind in URGENT_KINDS else "normal",
                notification=messaging.AndroidNotification(tag=str(push.notification_id)),
            ),
            apns=messaging.APNSConfig(headers={"apns-collapse-id": str(push.notification_id)}),
        )


def _outcome(response: messaging.SendResponse) -> Outcome:
    if response.success:
        return Outcome.sent()
    return classify(response.exception)


def classify(error: Exception | None) -> Outcome:
    """What an FCM error means for the push and for the token."""
    text = f"fcm {type(error).__name__}: {error}"[:500]
    if isinstance(error, messaging.UnregisteredError | messaging.SenderIdMismatchError):
        # the app was uninstalled or the token belongs to another Firebase project
        return Outcome.dead_address(text)
    if isinstance(error, messaging.QuotaExceededError):
        return Outcome.retry(text, _retry_after(error))
    if isinstance(error, exceptions.InvalidArgumentError):
        if _token_at_fault(error):
            return Outcome.dead_address(text)
        return Outcome.failed(text)
    if isinstance(
        error,
        exceptions.UnavailableError
        | exceptions.InternalError
        | exceptions.DeadlineExceededError
        | exceptions.ResourceExhaustedError
        | exceptions.UnknownError
        | exceptions.UnauthenticatedError  # our credentials, not the token: fixable
        | exceptions.PermissionDeniedError
        | messaging.ThirdPartyAuthError,  # APNs/web push credentials of the project
    ):
        return Outcome.retry(text, _retry_after(error))
    if isinstance(error, exceptions.FirebaseError):
        return Outcome.failed(text)
    return Outcome.retry(text)


def _response_json(error: exceptions.FirebaseError) -> dict[str, Any]:
    response = getattr(error, "http_response", None)
    if response is None:
        return {}
    try:
        body = response.json()
    except (ValueError, AttributeError):
        return {}
    return body if isinstance(body, dict) else {}


def _token_at_fault(error: exceptions.FirebaseError) -> bool:
    """INVALID_ARGUMENT is about the token only when FCM's answer says so.

    The same status also means a bad payload (too big, reserved data key), which must not
    cost a parent their device. FCM names the token either in a ``google.rpc.BadRequest``
    field violation on ``message.token`` or in its message ("The registration token is not
    a valid FCM registration token").
    """
    problem = _response_json(error).get("error")
    if not isinstance(problem, dict):
        return False
    if "registration token" in str(problem.get("message", "")).lower():
        return True
    details = problem.get("details")
    for detail in details if isinstance(details, list) else []:
        violations = detail.get("fieldViolations") if isinstance(detail, dict) else None
        for violation in violations if isinstance(violations, list) else []:
            if isinstance(violation, dict) and violation.get("field") == "message.token":
                return True
    return False


def _retry_after(error: exceptions.FirebaseError) -> float | None:
    response = getattr(error, "http_response", None)
    headers = getattr(response, "headers", None)
    return parse_retry_after(headers.get("Retry-After") if headers is not None else None)
