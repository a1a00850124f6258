"""Settings, read once from `KHORTOR_*` environment variables (documented in README.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

DEV_SECRET_NOTICE = "development-only-secret-set-KHORTOR_SECRET_KEY-in-production"


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./khortor.db"
    secret_key: str = DEV_SECRET_NOTICE
    env: str = "development"
    token_lifetime: timedelta = timedelta(hours=12)
    max_body_bytes: int = 256 * 1024
    redis_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        mode = env.get("KHORTOR_ENV", "development")
        if mode not in ("production", "development"):
            raise ValueError("KHORTOR_ENV must be 'production' or 'development'")
        secret = env.get("KHORTOR_SECRET_KEY")
        if not secret:
            if mode == "production":
                raise ValueError("KHORTOR_SECRET_KEY must be set when KHORTOR_ENV=production")
            secret = DEV_SECRET_NOTICE
        if mode == "production" and len(secret) < 32:
            raise ValueError("KHORTOR_SECRET_KEY must be at least 32 characters in production")
        hours = float(env.get("KHORTOR_TOKEN_HOURS", "12"))
        return cls(
            database_url=normalise_database_url(
                env.get("KHORTOR_DATABASE_URL", cls.database_url)
            ),
            secret_key=secret,
            env=mode,
            token_lifetime=timedelta(hours=hours),
            max_body_bytes=int(env.get("KHORTOR_MAX_BODY_BYTES", str(cls.max_body_bytes))),
            redis_url=env.get("KHORTOR_REDIS_URL") or None,
        )


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings and pick the async driver we ship."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


def random_secret() -> str:
    return secrets.token_urlsafe(48)
