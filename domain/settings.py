"""Settings, read once from `KHORTOR_*` environment variables (documented in README.md)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from datetime import timedelta

from domain.vault import Vault, vault_for

DEV_SECRET_NOTICE = "development-only-secret-set-KHORTOR_SECRET_KEY-in-production"
MIN_SECRET_LENGTH = 32
# Every secret key written in this repository (the development default, the examples, the
# tests' and benchmarks' keys): anyone can read them, so production refuses them.
# tests/domain/test_settings.py scans the repository and fails when one is missing here.
PUBLISHED_SECRETS = frozenset({
    DEV_SECRET_NOTICE,
    "s" * 40,
    "test-secret-" + "k" * 40,
    "test-secret-test-secret-test-secret",
    "worker-test-secret-worker-test-secret",
    "production-secret-for-tests-0123456789abcdef",
    "production-secret-for-fuzzing-0123456789abcdef",
    "load-test-secret-load-test-secret-load-test",
    "bench-" + "x" * 40,
    "bench-requests-" + "x" * 40,
})

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./khortor.db"
    # Dashboards and exports read here when set: a PostgreSQL streaming replica (issue 15).
    read_database_url: str | None = None
    # PostgreSQL connections each process keeps open, and how many more it may open for a
    # burst (closed again after it). A new connection costs a server process and prepares
    # every statement anew, so the kept ones should cover the usual concurrency.
    db_pool_size: int = 10
    db_max_overflow: int = 5
    # How long `khortor serve` keeps an idle HTTP connection open: longer than the idle timeout
    # of the client that reuses it (a proxy's upstream pool: nginx 60 s; aiohttp 15 s), so that
    # the client closes first; when the server closes first, a request sent on the connection
    # as it closes is lost (uvicorn's 5 s lost 1-2 per load run, issue 11).
    keep_alive_seconds: int = 75
    secret_key: str = DEV_SECRET_NOTICE
    env: str = "development"
    token_lifetime: timedelta = timedelta(hours=12)
    max_body_bytes: int = 256 * 1024
    redis_url: str | None = None
    # Workers (issue 3): a key prefix in Redis, sweep and relay periods, e-mail over SMTP.
    redis_prefix: str = "khortor:"
    sweep_seconds: float = 60.0
    relay_seconds: float = 2.0
    outbox_retry_seconds: float = 300.0
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "khortor@localhost"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # Personal data at rest (domain/vault.py): "id:base64key,..." (first seals) and
    # the HMAC lookup key; empty (development and tests only) means fixed development keys.
    data_keys: str = ""
    lookup_key: str = ""
    # Personal data of closed cases is anonymised this long after closing (PDPA retention).
    retention_days: int = 3653
    # Lookups of cases by a citizen's national ID, per user per hour.
    lookup_quota_per_hour: int = 30
    # For tests and demos only: seconds added to the system clock of this process.
    clock_offset_seconds: float = 0.0
    # Reverse proxies whose X-Forwarded-For names the client (api/users/client_address.py).
    trusted_proxies: tuple[Network, ...] = ()
    # "only": run nothing but the web client's registered documents (api/documents.py).
    trusted_documents_only: bool = False
    # Observability (issue 6): `/metrics` bearer token, log level and format (json|console).
    metrics_token: str | None = None
    log_level: str = "INFO"
    log_json: bool = True
    # Attachments (issue 14): sealed blobs and unfinished uploads under this directory, or
    # the blobs in an S3-compatible store when a bucket is set (domain/attachments/storage.py).
    attachments_dir: str = "./attachments"
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachment_max_files: int = 30
    attachment_max_case_bytes: int = 100 * 1024 * 1024
    upload_hours: float = 24.0
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "ap-southeast-7"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_prefix: str = ""
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
        if mode == "production":
            check_production_secret(secret)
        data_keys = env.get("KHORTOR_DATA_KEYS", "").strip()
        lookup_key = env.get("KHORTOR_LOOKUP_KEY", "").strip()
        if mode == "production" and not (data_keys and lookup_key):
            raise ValueError("KHORTOR_DATA_KEYS and KHORTOR_LOOKUP_KEY must be set when "
                             "KHORTOR_ENV=production (`khortor new-key` makes a key)")
        vault_for(data_keys, lookup_key)  # refuse unusable keys at start, not at the first case
        hours = float(env.get("KHORTOR_TOKEN_HOURS", "12"))
        return cls(
            database_url=normalise_database_url(
                env.get("KHORTOR_DATABASE_URL", cls.database_url)
            ),
            read_database_url=normalise_database_url(env["KHORTOR_READ_DATABASE_URL"].strip())
            if env.get("KHORTOR_READ_DATABASE_URL", "").strip() else None,
            db_pool_size=_count(env, "KHORTOR_DB_POOL_SIZE", cls.db_pool_size, least=1),
            db_max_overflow=_count(env, "KHORTOR_DB_MAX_OVERFLOW", cls.db_max_overflow, least=0),
            keep_alive_seconds=_count(env, "KHORTOR_KEEP_ALIVE_SECONDS", cls.keep_alive_seconds, least=1),
            secret_key=secret,
            env=mode,
            token_lifetime=timedelta(hours=hours),
            max_body_bytes=int(env.get("KHORTOR_MAX_BODY_BYTES", str(cls.max_body_bytes))),
            redis_url=env.get("KHORTOR_REDIS_URL") or None,
            redis_prefix=env.get("KHORTOR_REDIS_PREFIX", cls.redis_prefix),
            sweep_seconds=float(env.get("KHORTOR_SWEEP_SECONDS", str(cls.sweep_seconds))),
            relay_seconds=float(env.get("KHORTOR_RELAY_SECONDS", str(cls.relay_seconds))),
            outbox_retry_seconds=float(env.get("KHORTOR_OUTBOX_RETRY_SECONDS",
                                               str(cls.outbox_retry_seconds))),
            smtp_host=env.get("KHORTOR_SMTP_HOST") or None,
            smtp_port=int(env.get("KHORTOR_SMTP_PORT", str(cls.smtp_port))),
            smtp_from=env.get("KHORTOR_SMTP_FROM", cls.smtp_from),
            smtp_user=env.get("KHORTOR_SMTP_USER") or None,
            smtp_password=env.get("KHORTOR_SMTP_PASSWORD") or None,
            smtp_starttls=env.get("KHORTOR_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
            clock_offset_seconds=float(env.get("KHORTOR_CLOCK_OFFSET_SECONDS", "0")),
            metrics_token=env.get("KHORTOR_METRICS_TOKEN") or None,
            log_level=env.get("KHORTOR_LOG_LEVEL", cls.log_level).upper(),
            log_json=env.get("KHORTOR_LOG_FORMAT", "json").lower() != "console",
            data_keys=data_keys,
            lookup_key=lookup_key,
            retention_days=int(env.get("KHORTOR_RETENTION_DAYS", str(cls.retention_days))),
            lookup_quota_per_hour=int(env.get("KHORTOR_LOOKUP_QUOTA_PER_HOUR",
                                              str(cls.lookup_quota_per_hour))),
            trusted_proxies=parse_networks(env.get("KHORTOR_TRUSTED_PROXIES", "")),
            trusted_documents_only=_trusted_documents_only(env.get("KHORTOR_TRUSTED_DOCUMENTS", "any")),
            attachments_dir=env.get("KHORTOR_ATTACHMENTS_DIR", cls.attachments_dir),
            attachment_max_bytes=int(env.get("KHORTOR_ATTACHMENT_MAX_BYTES", str(cls.attachment_max_bytes))),
            attachment_max_files=int(env.get("KHORTOR_ATTACHMENT_MAX_FILES", str(cls.attachment_max_files))),
            attachment_max_case_bytes=int(env.get("KHORTOR_ATTACHMENT_MAX_CASE_BYTES",
                                                  str(cls.attachment_max_case_bytes))),
            upload_hours=float(env.get("KHORTOR_UPLOAD_HOURS", str(cls.upload_hours))),
            s3_bucket=env.get("KHORTOR_S3_BUCKET") or None,
            s3_endpoint_url=env.get("KHORTOR_S3_ENDPOINT_URL") or None,
            s3_region=env.get("KHORTOR_S3_REGION", cls.s3_region),
            s3_access_key=env.get("KHORTOR_S3_ACCESS_KEY_ID") or None,
            s3_secret_key=env.get("KHORTOR_S3_SECRET_ACCESS_KEY") or None,
            s3_prefix=env.get("KHORTOR_S3_PREFIX", ""),
        )

    @property
    def pool(self) -> dict[str, int]:
        """The database connection pool's sizes, for `open_database`."""
        return {"pool_size": self.db_pool_size, "max_overflow": self.db_max_overflow}

    @property
    def vault(self) -> Vault:
        """Seals and opens personal data (built once per key configuration)."""
        return vault_for(self.data_keys, self.lookup_key)


def check_production_secret(secret: str) -> None:
    """Refuse a key that is short or written anywhere in this repository."""
    if secret.strip() in PUBLISHED_SECRETS:
        raise ValueError("KHORTOR_SECRET_KEY is a key published with Khortor's code (the "
                         "development default, an example or a test key): anyone could sign "
                         "sign-in tokens with it. Make a new one with `khortor new-key`.")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"KHORTOR_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters "
                         "in production (`khortor new-key` makes one)")


def parse_networks(text: str) -> tuple[Network, ...]:
    """`10.0.0.5, 10.1.0.0/16, fd00::/8`: addresses and networks (CIDR), comma-separated."""
    networks: list[Network] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"KHORTOR_TRUSTED_PROXIES: {item!r} is not an IP address or "
                             "network (e.g. 10.0.0.5 or 10.0.0.0/24)") from None
    return tuple(networks)


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings and pick the async driver we ship."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


def _trusted_documents_only(value: str) -> bool:
    if value not in ("any", "only"):
        raise ValueError("KHORTOR_TRUSTED_DOCUMENTS must be 'any' or 'only'")
    return value == "only"


def _count(env: dict[str, str], name: str, default: int, *, least: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < least:
        raise ValueError(f"{name} must be a whole number, at least {least} (got {text!r})")
    return int(text)
