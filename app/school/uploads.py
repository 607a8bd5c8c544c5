"""Receiving an uploaded file with a hard size limit, before any of it is kept.

FastAPI would parse a declared ``UploadFile`` body whole (spooling it to disk) before the
endpoint runs; reading the stream here lets a 2 GB upload be refused after its first
megabytes, with a problem the client can show.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.core.errors import DomainError
from app.school.errors import ImportFileMissing, ImportTooLarge, ImportUnsupportedType

# Multipart boundaries and part headers around the file itself.
_ENVELOPE = 64 * 1024
RAW_TYPES = (
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
)


def stream_limit(limit: int) -> int:
    """The route's ``max_body_size`` for a file of ``limit`` bytes: the hard stop on the
    stream, set past the point where ``read_upload`` refuses with the file's own 413."""
    return limit + 2 * _ENVELOPE


def _clean_filename(filename: str | None) -> str | None:
    """The name as the audit trail may keep it: no control characters, at most 255 long."""
    if filename is None:
        return None
    return "".join(c for c in filename if c.isprintable())[:255] or None


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str | None


def _too_large(limit: int) -> DomainError:
    return ImportTooLarge(limit_mb=limit // (1024 * 1024))


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The body's chunks, cut off with 413 once they pass ``limit`` and the envelope."""
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit + _ENVELOPE:
            raise _too_large(limit)
        yield chunk


async def read_upload(request: Request, limit: int) -> Upload:
    """The file of a ``multipart/form-data`` body (field ``file``), or a raw CSV/XLSX body."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _ENVELOPE:
        raise _too_large(limit)
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    stream = _limited(request, limit)
    if media_type == "multipart/form-data":
        try:
            form = await MultiPartParser(
                request.headers, stream, max_files=1, max_fields=10
            ).parse()
        except MultiPartException as exc:
            raise ImportFileMissing(field="file") from exc
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                # Any single file part will do (clients name the field differently).
                upload = next((v for v in form.values() if isinstance(v, UploadFile)), None)
            if upload is None:
                raise ImportFileMissing(field="file")
            data = await upload.read(limit + 1)
            filename = _clean_filename(upload.filename)
        finally:
            await form.close()
    elif media_type in RAW_TYPES:
        data = b"".join([chunk async for chunk in stream])
        filename = None
    else:
        raise ImportUnsupportedType()
    if len(data) > limit:
        raise _too_large(limit)
    return Upload(data=data, filename=filename)
