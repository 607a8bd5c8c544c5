"""Error codes and messages of fees and payments."""

from app.core.errors import Conflict, Invalid, NotFound, Unauthorized, Unavailable


class BillNotFound(NotFound):
    code = "bill.not_found"
    messages = ("账单不存在。", "Bill not found.")


class BillNothingDue(Conflict):
    code = "bill.nothing_due"
    messages = (
        "该账单没有待缴金额。",
        "Nothing is left to pay on this bill.",
    )


class BillOverpayment(Invalid):
    code = "bill.overpayment"
    messages = (
        "收款金额超过待缴金额（{due}分）。",
        "The amount is more than what is left to pay ({due} fen).",
    )


class PaymentsNotConfigured(Unavailable):
    code = "payments.not_configured"
    messages = (
        "学校尚未开通微信支付。",
        "WeChat Pay is not configured for this service.",
    )


class PaymentsUnavailable(Unavailable):
    code = "payments.unavailable"
    messages = (
        "微信支付暂时无法访问，请稍后再试。",
        "WeChat Pay cannot be reached; please try again later.",
    )


class PaymentsNoOpenid(Conflict):
    code = "payments.no_openid"
    messages = (
        "请先用微信登录小程序，再进行支付。",
        "Sign in with WeChat in the mini-program before paying.",
    )


class PaymentsBadSignature(Unauthorized):
    code = "payments.bad_signature"
    messages = (
        "支付通知签名无效。",
        "The payment notification's signature is not valid.",
    )


class PaymentsStaleCallback(Unauthorized):
    code = "payments.stale_callback"
    messages = (
        "支付通知已过期。",
        "The payment notification is too old (or from the future).",
    )


class PaymentsReplayed(Unauthorized):
    code = "payments.replayed"
    messages = (
        "支付通知已处理过（重放）。",
        "This payment notification was already received (a replay).",
    )


class PaymentsMismatch(Unauthorized):
    code = "payments.mismatch"
    messages = (
        "支付通知与订单不符。",
        "The payment notification does not match the order.",
    )


class FeesMonthInvalid(Invalid):
    code = "fees.month_invalid"
    messages = (
        "月份格式应为 YYYY-MM。",
        "The month must be given as YYYY-MM.",
    )
