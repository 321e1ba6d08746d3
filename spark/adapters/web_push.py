"""Web Push messages (RFC 8030): a payload encrypted for one subscription, with the VAPID headers that
name this server to the push service. Sent through FederationHttp, like any request to another host."""

from __future__ import annotations

import time
from dataclasses import dataclass

from py_vapid import Vapid01, Vapid02
from pywebpush import WebPusher
from yarl import URL

# As Mastodon (app/workers/web/push_notification_worker.rb): a push service keeps an undelivered message
# two days, and it does not need to wake a sleeping phone at once.
TTL = 48 * 3600
URGENCY = "normal"
JWT_LIFETIME = 12 * 3600  # RFC 8292 §2: at most 24 hours


@dataclass(frozen=True)
class Subscriber:
    endpoint: str
    p256dh: str  # base64url
    auth: str  # base64url
    standard: bool


def audience(endpoint: str) -> str:
    """The push service's origin: the JWT `aud` (RFC 8292 §2)."""
    return str(URL(endpoint).origin())


def message(to: Subscriber, payload: bytes, *, vapid_private_key: str, subject: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one push. A `standard` subscriber gets RFC 8291 aes128gcm with RFC 8292
    `vapid` authorization; others the drafts Mastodon sends by default, which most apps still expect:
    aesgcm with the salt and keys in Encryption/Crypto-Key headers, and `WebPush` authorization."""
    encoding = "aes128gcm" if to.standard else "aesgcm"
    encrypted = WebPusher({"endpoint": to.endpoint, "keys": {"p256dh": to.p256dh, "auth": to.auth}}).encode(
        payload, encoding)
    claims = {"aud": audience(to.endpoint), "exp": int(time.time()) + JWT_LIFETIME, "sub": subject}
    signer = Vapid02 if to.standard else Vapid01
    # no-strict: `sub` may be the server's URL, which is plain http on a test or private server.
    vapid = signer(Vapid01.from_raw(vapid_private_key.encode()).private_key, conf={"no-strict": True})
    headers = {"Content-Type": "application/octet-stream", "Content-Encoding": encoding, "TTL": str(TTL),
               "Urgency": URGENCY}
    if to.standard:
        headers.update(vapid.sign(claims))
    else:
        headers.update(vapid.sign(claims, crypto_key="dh=" + encrypted["crypto_key"].decode()))
        headers["Encryption"] = "salt=" + encrypted["salt"].decode()
    return encrypted["body"], headers
