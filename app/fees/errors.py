"""Error codes and messages of fees and payments."""

from app.core.i18n import register

register(
    {
        "bill.not_found": ("账单不存在。", "Bill not found."),
        "bill.nothing_due": (
            "该账单没有待缴金额。",
            "Nothing is left to pay on this bill.",
        ),
        "bill.overpayment": (
            "收款金额超过待缴金额（{due}分）。",
            "The amount is more than what is left to pay ({due} fen).",
        ),
        "payments.not_configured": (
            "学校尚未开通微信支付。",
            "WeChat Pay is not configured for this service.",
        ),
        "payments.unavailable": (
            "微信支付暂时无法访问，请稍后再试。",
            "WeChat Pay cannot be reached; please try again later.",
        ),
        "payments.no_openid": (
            "请先用微信登录小程序，再进行支付。",
            "Sign in with WeChat in the mini-program before paying.",
        ),
        "payments.bad_signature": (
            "支付通知签名无效。",
            "The payment notification's signature is not valid.",
        ),
        "payments.stale_callback": (
            "支付通知已过期。",
            "The payment notification is too old (or from the future).",
        ),
        "payments.replayed": (
            "支付通知已处理过（重放）。",
            "This payment notification was already received (a replay).",
        ),
        "payments.mismatch": (
            "支付通知与订单不符。",
            "The payment notification does not match the order.",
        ),
        "fees.month_invalid": (
            "月份格式应为 YYYY-MM。",
            "The month must be given as YYYY-MM.",
        ),
    }
)
