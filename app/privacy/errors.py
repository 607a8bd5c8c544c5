"""Error codes and messages of guardians' data rights."""

from app.core.i18n import register

register(
    {
        "privacy.notice_outdated": (
            "隐私政策已更新，请阅读最新版本后再注册。",
            "The privacy notice has changed: read the current version, then register.",
        ),
    }
)
