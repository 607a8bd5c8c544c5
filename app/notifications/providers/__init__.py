"""Push channels, one module each, chosen per device platform; built from the settings."""

from __future__ import annotations

import logging

from app.core.settings import Settings, SettingsError
from app.notifications.providers.base import Outcome, Provider, Push, Result

log = logging.getLogger(__name__)

__all__ = ["Outcome", "Provider", "Push", "Result", "from_settings"]


def from_settings(settings: Settings) -> dict[str, Provider]:
    """The configured channels by platform; a channel left unconfigured is simply absent."""
    providers: dict[str, Provider] = {}
    if settings.fcm_credentials is not None:
        from app.notifications.providers.fcm import FcmProvider

        try:
            providers["fcm"] = FcmProvider.from_service_account(
                settings.fcm_credentials, endpoint=settings.fcm_endpoint
            )
        except (OSError, ValueError) as exc:
            raise SettingsError(f"KEHOU_FCM_CREDENTIALS: {exc}") from exc
    else:
        log.info("fcm: KEHOU_FCM_CREDENTIALS unset; FCM pushes are skipped")
    if settings.wechat_app_id and settings.wechat_app_secret:
        from app.notifications.providers.wechat import WechatProvider

        providers["wechat"] = WechatProvider(
            app_id=settings.wechat_app_id,
            app_secret=settings.wechat_app_secret,
            api_base=settings.wechat_api_base,
            templates=settings.wechat_templates,
        )
    else:
        log.info("wechat: KEHOU_WECHAT_APP_ID/SECRET unset; WeChat pushes are skipped")
    return providers
