"""Error codes and messages of notifications and devices."""

from app.core.errors import Invalid, NotFound


class NotificationNotFound(NotFound):
    code = "notification.not_found"
    messages = ("通知不存在。", "Notification not found.")


class DeviceNotFound(NotFound):
    code = "device.not_found"
    messages = ("设备不存在。", "Device not found.")


class DeviceWechatOpenidMismatch(Invalid):
    code = "device.wechat_openid_mismatch"
    messages = (
        "微信推送地址必须是当前账号微信登录所绑定的 openid。",
        "A WeChat push address must be the openid this account signed in with.",
    )
