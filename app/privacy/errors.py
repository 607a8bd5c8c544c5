"""Error codes and messages of guardians' data rights."""

from app.core.errors import Forbidden, Invalid


class PrivacyNoticeOutdated(Invalid):
    code = "privacy.notice_outdated"
    messages = (
        "隐私政策已更新，请阅读最新版本后再注册。",
        "The privacy notice has changed: read the current version, then register.",
    )


class PrivacyStaffAccount(Forbidden):
    code = "privacy.staff_account"
    messages = (
        "教职工账号由学校管理，不能自行注销，请联系学校管理员。",
        "A staff account belongs to the school: ask a school admin to deactivate it.",
    )
