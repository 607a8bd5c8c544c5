"""Log set-up of ``kehou serve`` and ``kehou worker``: one JSON object a line, with the request id.

Every record made while a request is handled carries its ``request_id`` (the one returned
as ``X-Request-ID``), so an error in the log can be matched with what the client saw.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

from app.core.context import current_request_id

LogFormat = Literal["json", "plain"]


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (``None`` outside a request) to each record.

    And drops uvicorn's ``color_message`` (its message again, with terminal colour codes).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        record.__dict__.pop("color_message", None)
        return True


# What every LogRecord has; anything else on a record was passed as ``extra`` and is logged.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, then
    the record's extras (an access line's method, route, status, duration_ms, ...).

    Written out rather than python-json-logger's: an access line costs each request its
    formatting, and this one takes a third of the time.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


_FORMATTERS: dict[str, dict[str, Any]] = {
    "json": {"()": JsonFormatter},
    "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
}


def log_config(log_format: LogFormat, *, access_log: bool = True) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the command and for uvicorn's server processes.

    httpx logs each request's full URL at INFO, and WeChat's URLs carry the app secret or
    an access token: it speaks from WARNING only. pgserver narrates initdb at INFO.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"main": _FORMATTERS[log_format]},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "filters": ["request_id"],
            }
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "httpx": {"level": "WARNING"},
            "alembic.runtime.plugins": {"level": "WARNING"},
            "pgserver": {"level": "WARNING"},
            # one line per request (core/context.py): about 60 µs of a request's CPU
            "kehou.access": {"level": "INFO" if access_log else "WARNING"},
        },
    }
