"""Log set-up of ``kehou serve`` and ``kehou worker``: one JSON object a line, with the request id.

Every record made while a request is handled carries its ``request_id`` (the one returned
as ``X-Request-ID``), so an error in the log can be matched with what the client saw.
"""

from __future__ import annotations

import logging
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


_FORMATTERS: dict[str, dict[str, Any]] = {
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": "time",  # ISO 8601, UTC
    },
    "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
}


def log_config(log_format: LogFormat) -> dict[str, Any]:
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
        },
    }
