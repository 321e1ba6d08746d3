"""Settings an operator sets, doing what they say: Web Push keys carried over from Mastodon, the list of
moderated servers switched off, and home feeds cached in Redis."""

import base64
import os
import time

import pytest
import redis
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.e2e.test_web_push import Sink
from tests.harness import backends, running_server, wait_for

REDIS_URL = os.environ.get("SPARK_TEST_REDIS_URL")
TWO_WEEKS = 14 * 24 * 3600


def _b64(value: str) -> bytes:
    value = value.replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _mastodon_vapid_pair() -> tuple[str, str]:
    """(VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY) as Mastodon's `rake mastodon:webpush:generate_vapid_key` writes them."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(private).decode(), base64.urlsafe_b64encode(public).decode()


def _signed_by(jwt: str, public_key: str) -> bool:
    header, claims, signature = jwt.split(".")
    raw = _b64(signature)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64(public_key))
    key.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
               f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    return True


def test_configured_vapid_keys_are_published_and_sign_pushes(tmp_path):
    private, public = _mastodon_vapid_pair()
    sink = Sink()
    try:
        with running_server(tmp_path, vapid_private_key=private, vapid_public_key=public,
                            federation_allow_private="1") as server:
            instance = requests.get(server.url + "/api/v2/instance", timeout=10).json()
            assert instance["configuration"]["vapid"]["public_key"] == public
            app = requests.post(server.url + "/api/v1/apps", data={
                "client_name": "push app", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read push"},
                timeout=10).json()
            assert app["vapid_key"] == public

            alice, bob = server.new_user(), server.new_user()
            _, keys = alice.push_subscription_generate_keys()
            subscription = alice.push_subscription_set(sink.origin + "/push", keys, follow_events=True)
            assert subscription["server_key"] == public
            bob.account_follow(alice.account_verify_credentials()["id"])
            _, headers, _ = sink.next()
            assert _signed_by(headers["Authorization"].split(" ")[1], public)
            assert headers["Crypto-Key"].split("p256ecdsa=")[1] == public.rstrip("=")
            assert not (server.data_dir / "vapid_private_key").exists()  # nothing generated in their place
    finally:
        sink.httpd.shutdown()


def test_a_vapid_public_key_not_of_the_private_key_stops_the_server_starting(tmp_path):
    private, _ = _mastodon_vapid_pair()
    _, other = _mastodon_vapid_pair()
    with pytest.raises(RuntimeError, match="SPARK_VAPID_PUBLIC_KEY is not the public key of SPARK_VAPID_PRIVATE_KEY"):
        with running_server(tmp_path, vapid_private_key=private, vapid_public_key=other):
            pass


def test_moderated_servers_are_not_listed_when_disabled(tmp_path):
    """Mastodon answers 404 to everyone when show_domain_blocks is "disabled"."""
    with running_server(tmp_path, show_domain_blocks="disabled") as server:
        server.spark("domains", "block", "evil.example")
        url = server.url + "/api/v1/instance/domain_blocks"
        assert requests.get(url, timeout=10).status_code == 404
        user = server.new_user()
        assert requests.get(url, headers={"Authorization": f"Bearer {user.access_token}"},
                            timeout=10).status_code == 404


@pytest.mark.skipif(not REDIS_URL, reason="needs SPARK_TEST_REDIS_URL")
@pytest.mark.parametrize("backend", backends())
def test_cached_home_feeds_expire_unread_and_are_rebuilt_from_the_database(tmp_path, backend):
    cache = redis.from_url(REDIS_URL)
    with running_server(tmp_path, backend=backend, redis_url=REDIS_URL) as server:
        author, reader = server.new_user(), server.new_user()
        key = f"spark:feed:{reader.account_verify_credentials()['id']}"
        reader.account_follow(author.account_verify_credentials()["id"])
        posts = [author.status_post(f"post {n}")["id"] for n in range(3)]

        def home() -> list[str]:
            return [status["id"] for status in reader.timeline_home()]

        assert home() == posts[::-1]  # the first read caches the feed, to expire if nobody reads it
        assert TWO_WEEKS - 60 < cache.ttl(key) <= TWO_WEEKS
        assert TWO_WEEKS - 60 < cache.ttl(key + ":whole") <= TWO_WEEKS
        cache.expire(key, 30)
        assert home() == posts[::-1]
        assert cache.ttl(key) > TWO_WEEKS - 60  # each read keeps it two weeks more

        cache.pexpire(key, 1)  # Redis lost the feed ...
        wait_for(lambda: not cache.exists(key))
        posts.append(author.status_post("while the cached feed was gone")["id"])  # ... and misses this post
        time.sleep(0.3)
        assert not cache.exists(key)  # a missing feed takes no entries: it is rebuilt when read
        assert home() == posts[::-1]
        assert [m.decode() for m in cache.zrange(key, 0, -1, desc=True)] == [f"{int(p):020d}" for p in posts[::-1]]
        assert TWO_WEEKS - 60 < cache.ttl(key) <= TWO_WEEKS
