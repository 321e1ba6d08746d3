"""One Settings object, read from SPARK_* environment variables."""

from __future__ import annotations

import base64
import os
import secrets
from datetime import date
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPARK_", extra="ignore")

    domain: str = "localhost:8000"
    data_dir: Path = Path("./data")
    database_url: str | None = None
    database_pool_size: int = 10  # connections per process to PostgreSQL
    redis_url: str | None = None
    streaming_heartbeat_seconds: float = 15.0  # idle SSE streams get a comment line this often
    embedded_worker: bool = True  # spark serve also runs queued jobs; off when `spark worker`s do
    # Serving processes on this database: set by `spark serve --workers N` for its own; set it by hand when
    # several `spark serve` run without Redis, so that each knows others' changes go unheard.
    processes: int = 1
    fanout_inline_max: int = 1000  # followers; above it home feeds are filled by a background job
    celebrity_followers: int = 50_000  # above it an account's posts are merged into home feeds at read time
    home_feed_size: int = 800  # newest entries kept per home feed (older ones are trimmed)
    streaming_backlog: int = 1000  # events a listener may fall behind by before it is cut off
    streaming_max_connections: int = 20_000  # per process; past it new streams are refused with 503
    # A kept-alive HTTP connection is closed after about this many responses divided by the connections its
    # process serves (0: never), so that the processes of `spark serve --workers N` share the load evenly
    # (see spark/api/keepalive.py).
    keepalive_requests: int = 1000
    secret_key: str | None = None
    # Web Push (VAPID, RFC 8292) P-256 key pair, base64url as Mastodon's VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY
    # (so a server moving from Mastodon keeps its apps' subscriptions); generated into the data dir if unset.
    vapid_private_key: str | None = None
    vapid_public_key: str | None = None
    registrations: str = "open"  # open | approval | closed
    https: bool | None = None
    federation_allow_private: bool = False
    # TEST ONLY: "evil.test=127.0.0.1,*.fake=127.0.0.1" makes the federation client reach those names at those
    # addresses without DNS (like curl --resolve), so tests can run fake remote servers with real names.
    # The SSRF guard still judges the address (loopback needs federation_allow_private). Never set in production.
    federation_hosts: str = ""
    authorized_fetch: bool = False
    instance_title: str = "Spark"
    instance_description: str = "A Spark server: short public posts and conversations, federated."
    contact_email: str = ""
    # Who may list the servers this one moderates (GET /api/v1/instance/domain_blocks): all | users | disabled.
    # Mastodon's setting of the same name; open by default, so people can see what their server filters out.
    show_domain_blocks: str = "all"
    # From this day (MM-DD, UTC) users may generate their annual report of the current year; past years'
    # any time. Mastodon opens its "Wrapstodon" campaign on December 10.
    annual_reports_open: str = "12-10"

    # Limits (Mastodon's defaults); all are published in instance `configuration`.
    max_status_chars: int = 500
    max_media_attachments: int = 4
    max_image_bytes: int = 16 * 1024 * 1024
    max_image_pixels: int = 8_294_400  # 3840x2160, as Mastodon
    max_poll_options: int = 4
    max_poll_option_chars: int = 50
    min_poll_expiration: int = 300
    max_poll_expiration: int = 2_629_746
    max_display_name_chars: int = 30
    max_note_chars: int = 500
    max_fields: int = 4
    max_field_chars: int = 255

    # Rate limits, as Mastodon: (requests, period in seconds).
    # Addresses (or CIDR ranges, comma-separated) of reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; by default none, so a client cannot choose its own address.
    trusted_proxies: str = ""
    rate_limits_enabled: bool = True
    rate_limit_exempt_loopback: bool = True
    rate_limit_api: int = 300
    rate_limit_api_period: int = 300
    rate_limit_api_account: int = 1500  # all of one user's tokens together
    rate_limit_api_account_period: int = 300
    rate_limit_signups: int = 5
    rate_limit_signups_period: int = 1800
    rate_limit_logins: int = 25
    rate_limit_logins_period: int = 300
    rate_limit_logins_identity: int = 25  # per e-mail or username, whatever the IP
    rate_limit_logins_identity_period: int = 3600
    rate_limit_media: int = 30
    rate_limit_media_period: int = 1800
    rate_limit_deletes: int = 30
    rate_limit_deletes_period: int = 1800

    @field_validator("annual_reports_open")
    @classmethod
    def _month_day(cls, value: str) -> str:
        try:
            month, day = (int(part) for part in value.split("-"))
            date(2000, month, day)  # a leap year: 02-29 is a day
        except ValueError:
            raise ValueError("must be a day of the year as MM-DD, e.g. 12-10") from None
        return value

    @property
    def scheme(self) -> str:
        use_https = self.https
        if use_https is None:
            host = self.domain.split(":")[0]
            use_https = host not in ("localhost", "127.0.0.1", "::1", "[::1]")
        return "https" if use_https else "http"

    @cached_property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'spark.sqlite3').resolve()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @cached_property
    def effective_secret_key(self) -> str:
        """The configured secret, or one generated once into the data dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()

    @cached_property
    def vapid_keys(self) -> tuple[str, str]:
        """(private, public) VAPID keys: the configured pair, or one generated once into the data dir.
        Push services bind each subscription to the public key, so the generated one is never replaced."""
        private = self.vapid_private_key or _stored_once(self.data_dir / "vapid_private_key", _new_vapid_key)
        key = ec.derive_private_key(int.from_bytes(b64decode_any(private), "big"), ec.SECP256R1())
        public = base64.urlsafe_b64encode(key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)).decode()
        if self.vapid_public_key and b64decode_any(self.vapid_public_key) != b64decode_any(public):
            raise ValueError("SPARK_VAPID_PUBLIC_KEY is not the public key of SPARK_VAPID_PRIVATE_KEY")
        return private, public


def b64decode_any(value: str) -> bytes:
    """Base64url or standard base64, padded or not."""
    value = value.strip().replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _new_vapid_key() -> str:
    scalar = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return base64.urlsafe_b64encode(scalar.to_bytes(32, "big")).decode()


def _stored_once(path: Path, make) -> str:
    """The value in `path`, put there whole by the first process to need it: a link never replaces a
    file, so processes starting together all read the same key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        draft.touch(mode=0o600)
        draft.write_text(make())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def normalize_database_url(url: str) -> str:
    """Accept plain postgresql:// and sqlite:// URLs and pick the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def load_settings() -> Settings:
    return Settings()
