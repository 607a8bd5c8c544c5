"""The message catalogue (zh-CN, en) behind every problem's ``detail``.

This module holds core's own messages (the HTTP-level codes, and the codes of core's
plumbing: idempotency, pagination, tokens) and picks the language from ``Accept-Language``.
A domain's error is a class in ``<domain>/errors.py`` that names its code and messages;
defining the class adds them here (``DomainError.__init_subclass__``), so the module that
raises an error has its messages as soon as it imports it.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["zh-CN", "en"]
DEFAULT_LANGUAGE: Language = "zh-CN"

# code -> (zh-CN, en); str.format placeholders are filled from the error's params.
MESSAGES: dict[str, tuple[str, str]] = {
    "internal.unknown_code": ("请求未能完成。", "The request could not be completed."),
    "internal.error": (
        "服务器内部错误，请稍后重试。",
        "Internal server error; please try again later.",
    ),
    "service.unavailable": (
        "服务暂时不可用，请稍后重试。",
        "The service is briefly unavailable; please retry.",
    ),
    "validation.invalid": ("请求参数有误。", "The request is invalid."),
    "request.too_large": (
        "请求内容过大（上限 {limit_kb} KB）。",
        "The request body is too large (limit {limit_kb} KB).",
    ),
    "http.not_found": ("请求的资源不存在。", "The requested resource does not exist."),
    "http.method_not_allowed": ("不支持该请求方法。", "This method is not allowed here."),
    "http.error": ("请求未能完成。", "The request could not be completed."),
    "auth.unauthenticated": ("请先登录。", "Authentication is required."),
    "auth.forbidden": ("您没有执行此操作的权限。", "You are not allowed to do this."),
    "rate_limited": (
        "尝试次数过多，请 {retry_after} 秒后再试。",
        "Too many attempts; retry in {retry_after} s.",
    ),
    "not_found": ("{object}不存在。", "{object_en} not found."),
}


def register(messages: dict[str, tuple[str, str]]) -> None:
    """Add codes to the catalogue; a code is defined once (a second definition is a bug)."""
    duplicated = set(messages) & set(MESSAGES)
    if duplicated:
        raise ValueError(f"message codes registered twice: {sorted(duplicated)}")
    MESSAGES.update(messages)


def negotiate(accept_language: str | None) -> Language:
    """The best of our two languages for an ``Accept-Language`` header (zh-CN by default)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh") or tag == "*":
            return "zh-CN"
    return DEFAULT_LANGUAGE


def translate(code: str, language: Language, params: dict[str, object] | None = None) -> str:
    zh, en = MESSAGES.get(code, MESSAGES["internal.unknown_code"])
    template = en if language == "en" else zh
    try:
        return template.format(**(params or {}))
    except (KeyError, IndexError):
        return template
