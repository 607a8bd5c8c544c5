"""Process configuration from the environment (prefix ``KEHOU_``), as the contract lists it."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_FILE = "jwt-secret"


class SettingsError(RuntimeError):
    """The configuration cannot run the service (raised at start, never at request time)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEHOU_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str | None = None
    data_dir: Path = Path(".kehou")
    jwt_secret: str | None = None
    wechat_app_id: str | None = None
    wechat_app_secret: str | None = None
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_templates: dict[str, str] = {}
    fcm_credentials: Path | None = None
    fcm_endpoint: str | None = None
    # WeChat Pay API v3, merchant side (app.fees.wechatpay); unset mchid: payments answer 503.
    wechatpay_mchid: str | None = None
    wechatpay_appid: str | None = None  # default: wechat_app_id
    wechatpay_api_v3_key: str | None = None
    wechatpay_private_key: Path | None = None
    wechatpay_cert_serial_no: str | None = None
    wechatpay_public_key: Path | None = None
    wechatpay_public_key_id: str | None = None
    wechatpay_api_base: str = "https://api.mch.weixin.qq.com"
    wechatpay_notify_url: str | None = None
    # Readiness requires a live worker (late-pickup alerts and every push depend on one).
    # Unset: expected everywhere but under KEHOU_ENV=test (see README, "Running several").
    expect_worker: bool | None = None
    # A worker beats every 10 s; readiness fails once the newest beat is older than this.
    worker_stale_seconds: float = 60.0
    log_format: Literal["json", "plain"] = "json"
    access_log: bool = True  # one log line per request (metrics count requests either way)
    # How long the records of an ended term are kept (``kehou purge``), in years.
    retention_years: int = Field(default=3, ge=1)

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith("postgresql+asyncpg://"):
            raise ValueError("KEHOU_DATABASE_URL must be a postgresql+asyncpg:// URL")
        return value

    @model_validator(mode="after")
    def _production_needs_real_config(self) -> Settings:
        if self.env == "production":
            if not self.jwt_secret or len(self.jwt_secret) < 32:
                raise ValueError(
                    "KEHOU_JWT_SECRET of at least 32 characters is required in production"
                )
            if not self.database_url:
                raise ValueError("KEHOU_DATABASE_URL is required in production")
        return self

    @property
    def worker_expected(self) -> bool:
        return self.expect_worker if self.expect_worker is not None else self.env != "test"

    @property
    def wechat_configured(self) -> bool:
        return bool(self.wechat_app_id and self.wechat_app_secret)

    @property
    def wechatpay_configured(self) -> bool:
        """Every merchant setting a payment needs is present (the app id may come from login's)."""
        return all(
            (
                self.wechatpay_mchid,
                self.wechatpay_appid or self.wechat_app_id,
                self.wechatpay_api_v3_key,
                self.wechatpay_private_key,
                self.wechatpay_cert_serial_no,
                self.wechatpay_public_key,
                self.wechatpay_public_key_id,
                self.wechatpay_notify_url,
            )
        )

    def signing_secret(self) -> str:
        """The JWT key: the configured one, else a dev key made once and kept in the data dir."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / DEV_SECRET_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        secret = path.read_text().strip()
        self.jwt_secret = secret
        return secret


_current: Settings | None = None


def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    global _current
    if _current is None:
        try:
            _current = Settings()
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise SettingsError(str(exc)) from exc
    return _current


def use_settings(settings: Settings | None) -> None:
    """Install settings explicitly (tests, CLI); ``None`` re-reads the environment next time."""
    global _current
    _current = settings
