"""Configuration: every setting is an environment variable prefixed ``COMMONHOLD_``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "commonhold-development-secret-change-me"  # noqa: S105 - refused in production


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMONHOLD_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path(".commonhold")
    host: str = "127.0.0.1"
    port: int = 8000
    # Where people reach the server (links in mail); defaults to http://{host}:{port}.
    public_url: str = ""

    # Unset: an embedded PostgreSQL is started under data_dir/postgres.
    # Set: the owner (migration) role's URL; the application connects as app_database_url.
    database_url: str | None = None
    app_database_url: str | None = None
    app_db_role: str = "commonhold_app"
    db_pool_size: int = 10

    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_days: int = 30
    email_token_ttl_minutes: int = 60 * 24
    password_reset_ttl_minutes: int = 60
    invitation_ttl_days: int = 7

    mailer: Literal["log", "smtp"] = "log"
    mail_from: str = "Commonhold <no-reply@commonhold.local>"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False

    # Web Push: the contact push services may use (RFC 8292 "sub"). Endpoints must be https,
    # except in tests, whose push service listens on loopback.
    vapid_subject: str = "mailto:admin@commonhold.local"

    # Set: every domain event is also published to this RabbitMQ topic exchange.
    amqp_url: str | None = None
    amqp_exchange: str = "commonhold.events"

    # How long clients may stay offline and still catch up from their cursor.
    sync_retention_days: int = 90
    # Board activity older than this is deleted, weekly.
    boards_activity_retention_days: int = 365

    redis_url: str | None = None
    api_rate_limit: str = "100/minute"
    login_rate_limit: str = "10/minute"
    max_body_bytes: int = 1024 * 1024
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    log_json: bool = True

    # File storage. Without s3_bucket, files are kept on this machine under files_dir (unset:
    # data_dir/files) and served by this server through signed, expiring URLs under
    # files_url_prefix. With it, an S3-compatible store (AWS S3, Cloudflare R2, MinIO) keeps
    # them and clients upload to and download from it directly, through presigned URLs.
    files_dir: Path | None = None
    files_url_prefix: str = "/files"
    # The largest upload whatever the plan (plans set their own: home.file_mb, workspace.file_mb).
    files_max_upload_bytes: int = 100 * 1024 * 1024
    files_upload_url_ttl_seconds: int = 15 * 60
    files_download_url_ttl_seconds: int = 15 * 60
    # Images with more pixels are refused before being decoded (decompression bombs).
    image_max_pixels: int = 50_000_000
    # Files whose owner (an attachment, an item) was deleted are kept this long, then erased.
    files_retention_days: int = 30
    s3_bucket: str | None = None
    # Unset: AWS. R2: https://<account>.r2.cloudflarestorage.com; MinIO: its address.
    s3_endpoint_url: str | None = None
    # R2 takes "auto"; unset: boto3's own default (AWS_DEFAULT_REGION, ~/.aws/config).
    s3_region: str | None = None
    # Unset: boto3's own credential chain (environment, instance or pod role).
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"

    # Billing through Stripe. Without stripe_secret_key billing is off: plans are set with
    # `commonhold set-plan`, and the billing endpoints answer 404 billing_not_configured.
    stripe_secret_key: SecretStr | None = None
    # The webhook endpoint's signing secret (whsec_...): every delivery must be signed with it.
    stripe_webhook_secret: SecretStr | None = None
    # Deliveries signed longer ago than this are refused (replays of captured requests).
    stripe_webhook_tolerance_seconds: int = 300
    # Stripe's API address; any server speaking the same API may stand in for it.
    stripe_api_base: str = "https://api.stripe.com"
    # The Stripe prices (price_...) of the paid tiers: checkout sells them, events map back.
    stripe_price_basic: str | None = None
    stripe_price_premium: str | None = None
    # Where Stripe sends people after checkout and from the portal. Unset: public_url.
    stripe_success_url: str | None = None
    stripe_cancel_url: str | None = None
    stripe_portal_return_url: str | None = None

    @model_validator(mode="after")
    def _default_public_url(self) -> Settings:
        if not self.public_url:
            host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
            self.public_url = f"http://{host}:{self.port}"
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key.get_secret_value() == DEFAULT_SECRET_KEY:
                raise ValueError("COMMONHOLD_SECRET_KEY must be set in production")
            if len(self.secret_key.get_secret_value()) < 32:
                raise ValueError("COMMONHOLD_SECRET_KEY must be at least 32 characters")
            if self.database_url is None:
                raise ValueError("COMMONHOLD_DATABASE_URL must be set in production")
        return self

    @property
    def embedded_database(self) -> bool:
        return self.database_url is None


@lru_cache
def get_settings() -> Settings:
    return Settings()
