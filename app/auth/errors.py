"""Error codes and messages of identity and access, and ``Refused`` (a refusal that is kept)."""

from __future__ import annotations

from app.core.errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    TooManyRequests,
    Unauthorized,
    Unavailable,
)


class Refused(DomainError):
    """Answers as ``error`` does, but what the request wrote before it is committed.

    A failed login or binding attempt must be counted, and a replayed refresh token must
    revoke its family, even though the caller gets an error: the auth endpoints' session
    (``RecordingSessionDep``) commits on this exception instead of rolling back.
    """

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.code, status=error.status, headers=error.headers, **error.params)


class AuthInvalidCredentials(Unauthorized):
    code = "auth.invalid_credentials"
    messages = (
        "用户名或密码错误。",
        "The username or password is incorrect.",
    )


class AuthTooManyAttempts(TooManyRequests):
    code = "auth.too_many_attempts"
    messages = (
        "尝试次数过多，请 {retry_after} 秒后再试。",
        "Too many failed attempts; try again in {retry_after} s.",
    )


class AuthRefreshInvalid(Unauthorized):
    code = "auth.refresh_invalid"
    messages = (
        "登录已失效，请重新登录。",
        "The refresh token is invalid, expired or already used; please log in again.",
    )


class AuthAccountDisabled(Unauthorized):
    code = "auth.account_disabled"
    messages = (
        "该账号已停用，请联系学校。",
        "This account is disabled; please contact the school.",
    )


class AuthWechatCodeInvalid(Unauthorized):
    code = "auth.wechat_code_invalid"
    messages = (
        "微信登录凭证无效或已使用，请重新进入小程序。",
        "WeChat rejected the login code (invalid or already used); get a new one.",
    )


class WechatNotConfigured(Unavailable):
    code = "wechat.not_configured"
    messages = (
        "本服务未开通微信登录。",
        "WeChat login is not configured on this server.",
    )


class WechatUnavailable(Unavailable):
    code = "wechat.unavailable"
    messages = (
        "暂时无法连接微信服务，请稍后重试。",
        "The WeChat service cannot be reached; please try again later.",
    )


class AuthPasswordWeak(Invalid):
    code = "auth.password_weak"
    messages = (
        "密码至少 8 位，须包含字母、数字、符号中的至少两类，且不能与用户名相同。",
        "Use at least 8 characters mixing two of letters, digits and symbols, "
        "different from the username.",
    )


class AuthPasswordIncorrect(Invalid):
    code = "auth.password_incorrect"
    messages = ("当前密码不正确。", "The current password is incorrect.")


class AuthUsernameInvalid(Invalid):
    code = "auth.username_invalid"
    messages = (
        "用户名须为 3 到 64 位字母、数字或 _ . @ + -。",
        "A username is 3 to 64 letters, digits or _ . @ + -.",
    )


class AuthUsernameTaken(Conflict):
    code = "auth.username_taken"
    messages = ("该用户名已被使用。", "This username is already taken.")


class AuthPhoneTaken(Conflict):
    code = "auth.phone_taken"
    messages = (
        "该手机号已注册，请直接登录。",
        "This phone number is already registered; please log in.",
    )


class BindingInvalid(NotFound):
    code = "binding.invalid"
    messages = (
        "绑定码无效或已过期，请向班主任索取新的绑定码。",
        "The binding code is invalid or expired; ask the homeroom teacher for a new one.",
    )


class BindingAlreadyLinked(Conflict):
    code = "binding.already_linked"
    messages = (
        "您已绑定该学生。",
        "This child is already linked to your account.",
    )


class StaffNotFound(NotFound):
    code = "staff.not_found"
    messages = ("教职工不存在。", "Staff member not found.")


class StaffLastAdmin(Conflict):
    code = "staff.last_admin"
    messages = (
        "不能移除学校的最后一位管理员。",
        "This is the school's last active administrator; appoint another one first.",
    )
