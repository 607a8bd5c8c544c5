"""Error codes and messages of notifications and devices."""

from app.core.i18n import register

register(
    {
        "notification.not_found": ("通知不存在。", "Notification not found."),
        "device.not_found": ("设备不存在。", "Device not found."),
        "device.wechat_openid_mismatch": (
            "微信推送地址必须是当前账号微信登录所绑定的 openid。",
            "A WeChat push address must be the openid this account signed in with.",
        ),
    }
)
