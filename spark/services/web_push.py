"""Web Push: apps subscribe an access token (one subscription each, as Mastodon) and every new notification
is pushed, by a job queued with it, to the recipient's subscriptions that want it.
https://docs.joinmastodon.org/methods/push/
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, or_, select, update
from yarl import URL

from spark.adapters import jobs_sql
from spark.adapters import web_push as push_message
from spark.adapters.db import schema as t
from spark.adapters.db.functions import upsert
from spark.adapters.http import FetchError
from spark.config import b64decode_any
from spark.domain.errors import Invalid, NotFound
from spark.domain.html import plain
from spark.domain.ids import new_id
from spark.federation.delivery import GiveUp, TryLater
from spark.runtime import Runtime
from spark.services import follows  # a module: follows → notifications → web_push import one another

ALERTS = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update", "quote",
          "quoted_update", "admin.sign_up", "admin.report")
POLICIES = ("all", "followed", "follower", "none")
JOB = "web_push"
# Mastodon's English notification_mailer subjects, which it uses as push titles.
TITLES = {
    "mention": "You were mentioned by {name}",
    "status": "{name} just posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} is now following you",
    "follow_request": "Pending follower: {name}",
    "favourite": "{name} favorited your post",
    "poll": "A poll by {name} has ended",
    "update": "{name} edited a post",
    "quote": "{name} quoted your post",
    "quoted_update": "{name} edited a post you have quoted",
    "admin.sign_up": "{name} signed up",
    "admin.report": "{name} submitted a report",
}
BODY_CHARS = 140  # as Mastodon's Web::NotificationSerializer
MISSING_AVATAR = "/static/avatar-missing.png"


@dataclass(frozen=True)
class NewSubscription:
    endpoint: str | None
    p256dh: str | None
    auth: str | None
    standard: bool


@dataclass(frozen=True)
class Subscription:
    id: int
    endpoint: str
    standard: bool
    alerts: dict[str, bool]
    policy: str


def _subscription(row) -> Subscription:
    return Subscription(row.id, row.endpoint, bool(row.standard), {k: bool(row.alerts.get(k)) for k in ALERTS},
                        row.policy)


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _checked(new: NewSubscription) -> tuple[str, str]:
    """The keys in canonical base64url, once the endpoint and keys are known to be usable (422 otherwise,
    as Mastodon 4.3+)."""
    try:
        url = URL(new.endpoint or "")
    except ValueError:
        url = URL()
    if url.scheme not in ("http", "https") or not url.host:
        raise Invalid("Validation failed: Endpoint is not a valid URL")
    try:
        p256dh, auth = b64decode_any(new.p256dh or ""), b64decode_any(new.auth or "")  # base64url or standard
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError:  # binascii.Error too
        raise Invalid("Validation failed: Key p256dh is not a valid P-256 public key") from None
    if len(auth) != 16:  # RFC 8291 §3.2
        raise Invalid("Validation failed: Key auth must be 16 bytes")
    return _encode(p256dh), _encode(auth)


def _policy(policy: str | None) -> str | None:
    if policy is not None and policy not in POLICIES:
        raise Invalid(f"Validation failed: Policy must be one of {', '.join(POLICIES)}")
    return policy


def _sealing_key(rt: Runtime) -> AESGCM:
    return AESGCM(hashlib.sha256(b"spark web push token\0" + rt.settings.effective_secret_key.encode()).digest())


def _seal(rt: Runtime, token: str) -> str:
    nonce = os.urandom(12)
    return _encode(nonce + _sealing_key(rt).encrypt(nonce, token.encode(), None))


def _unseal(rt: Runtime, sealed: str) -> str | None:
    raw = b64decode_any(sealed)
    try:
        return _sealing_key(rt).decrypt(raw[:12], raw[12:], None).decode()
    except InvalidTag:  # the secret key changed: the app must subscribe again
        return None


async def subscribe(rt: Runtime, *, user_id: int, token_id: int, bearer: str, new: NewSubscription,
                    alerts: dict[str, bool], policy: str | None) -> Subscription:
    """Subscribe the token, replacing its earlier subscription."""
    p256dh, auth = _checked(new)
    values = dict(id=new_id(), user_id=user_id, token_id=token_id, endpoint=new.endpoint, key_p256dh=p256dh,
                  key_auth=auth, standard=new.standard, alerts={k: alerts.get(k, False) for k in ALERTS},
                  policy=_policy(policy) or "all", sealed_token=_seal(rt, bearer), created_at=datetime.now(UTC))
    async with rt.db.write() as conn:
        # A token's new subscription replaces its earlier one (subscribed twice at once: the last one stays).
        await conn.execute(upsert(conn, t.web_push_subscriptions, ["token_id"], values,
                                  {k: v for k, v in values.items() if k != "token_id"}))
        return _subscription(await _row(conn, token_id))


async def _row(conn, token_id: int):
    row = (await conn.execute(select(t.web_push_subscriptions).where(
        t.web_push_subscriptions.c.token_id == token_id))).first()
    if row is None:
        raise NotFound()
    return row


async def current(rt: Runtime, token_id: int) -> Subscription:
    async with rt.db.read() as conn:
        return _subscription(await _row(conn, token_id))


async def change(rt: Runtime, token_id: int, alerts: dict[str, bool], policy: str | None) -> Subscription:
    """Change which notifications are pushed: the alerts given and the policy, if given; the rest stays."""
    async with rt.db.write() as conn:
        row = await _row(conn, token_id)
        await conn.execute(update(t.web_push_subscriptions).where(t.web_push_subscriptions.c.id == row.id).values(
            alerts={**row.alerts, **alerts}, policy=_policy(policy) or row.policy))
        return _subscription(await _row(conn, token_id))


async def unsubscribe(rt: Runtime, token_id: int) -> None:
    async with rt.db.write() as conn:
        await forget_tokens(conn, [token_id])


async def forget_tokens(conn, token_ids: list[int]) -> None:
    """Drop the subscriptions of revoked tokens, inside the revoking transaction."""
    await conn.execute(delete(t.web_push_subscriptions).where(t.web_push_subscriptions.c.token_id.in_(token_ids)))


async def queue(conn, *, recipient_id: int, notification_id: int, type: str) -> None:
    """Queue a push of a new notification, in its transaction, to each subscription that wants its type
    (the job checks everything again when it runs)."""
    rows = (await conn.execute(select(t.web_push_subscriptions.c.id, t.web_push_subscriptions.c.alerts,
                                      t.web_push_subscriptions.c.policy)
                               .where(t.web_push_subscriptions.c.user_id == recipient_id))).all()
    await jobs_sql.enqueue_many(conn, JOB, [{"subscription_id": row.id, "notification_id": notification_id}
                                            for row in rows if row.alerts.get(type) and row.policy != "none"])


async def _policy_allows(conn, policy: str, recipient_id: int, sender_id: int) -> bool:
    """Mastodon's policies: `followed` accounts the recipient follows, `follower` accounts following them."""
    if policy in ("all", "none"):
        return policy == "all"
    follower, followed = (recipient_id, sender_id) if policy == "followed" else (sender_id, recipient_id)
    return await follows.is_following(conn, follower, followed)


def _truncate(text: str) -> str:
    return text if len(text) <= BODY_CHARS else text[:BODY_CHARS - 3] + "..."


async def _payload(rt: Runtime, conn, sub, note) -> bytes | None:
    """The message Mastodon pushes (Web::NotificationSerializer); None when its parts are gone."""
    token = _unseal(rt, sub.sealed_token)
    sender = (await conn.execute(select(t.accounts).where(t.accounts.c.id == note.from_account_id))).first()
    status = None
    if note.status_id is not None:
        status = (await conn.execute(select(t.statuses).where(t.statuses.c.id == note.status_id))).first()
    if token is None or sender is None or (note.status_id is not None and status is None):
        return None
    locale = await conn.scalar(select(t.users.c.locale).where(t.users.c.id == note.account_id))
    if status is not None:
        body = status.spoiler_text or status.text or plain(status.content)
    else:
        body = plain(sender.note)
    name = sender.display_name or sender.username
    return orjson.dumps({
        "access_token": token,
        "preferred_locale": locale or "en",
        "notification_id": str(note.id),  # a string: snowflakes do not fit a JavaScript number
        "notification_type": note.type,
        "icon": rt.media.url(sender.avatar_key) or sender.avatar_remote_url or rt.url(MISSING_AVATAR),
        "title": TITLES[note.type].format(name=name),
        "body": _truncate(body),
    })


async def push_job(rt: Runtime, job: dict) -> None:
    """Push one notification to one subscription, if both are still there and it is still wanted. The push
    service's 404 or 410 means the subscription has expired (RFC 8030 §7.3): it is deleted."""
    subs = t.web_push_subscriptions
    async with rt.db.read() as conn:
        sub = (await conn.execute(select(subs).join(t.tokens, t.tokens.c.id == subs.c.token_id).where(
            subs.c.id == job["subscription_id"], t.tokens.c.revoked_at.is_(None),
            or_(t.tokens.c.expires_at.is_(None), t.tokens.c.expires_at > datetime.now(UTC))))).first()
        note = (await conn.execute(select(t.notifications).where(
            t.notifications.c.id == job["notification_id"]))).first()
        if sub is None or note is None or not sub.alerts.get(note.type):
            return
        if not await _policy_allows(conn, sub.policy, note.account_id, note.from_account_id):
            return
        payload = await _payload(rt, conn, sub, note)
    if payload is None:
        return
    settings = rt.settings
    subject = f"mailto:{settings.contact_email}" if settings.contact_email else settings.base_url
    body, headers = push_message.message(
        push_message.Subscriber(sub.endpoint, sub.key_p256dh, sub.key_auth, bool(sub.standard)), payload,
        vapid_private_key=settings.vapid_keys[0], subject=subject)
    try:
        status, retry_after = await rt.http.post(sub.endpoint, body, headers)
    except FetchError as error:
        raise TryLater(f"push service unreachable: {error}") from None
    if status in (404, 410):
        async with rt.db.write() as conn:
            await conn.execute(delete(subs).where(subs.c.id == sub.id))
    elif status in (408, 429) or status >= 500:
        raise TryLater(f"push service answered {status}", retry_after)
    elif not 200 <= status < 300:
        raise GiveUp(f"push service refused the message: HTTP {status}")
