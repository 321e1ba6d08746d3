"""Web Push as Mastodon apps use it: subscribe a token, get notifications pushed to a push service (here a
sink on loopback), decrypt them with the subscription's keys and check the server's VAPID signature."""

import base64
import json
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.harness import backends, running_server, wait_for

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module", params=backends())
def push_server(request, tmp_path_factory):
    """A server allowed to reach loopback, where the test's push service listens."""
    with running_server(tmp_path_factory.mktemp(f"push-{request.param}"), backend=request.param,
                        federation_allow_private="1") as server:
        yield server


class Sink:
    """A push service: records each message, answers 201, or 410 for endpoints under /gone/."""

    def __init__(self):
        self.received: queue.Queue = queue.Queue()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                sink.received.put((self.path, dict(self.headers), body))
                self.send_response(410 if self.path.startswith("/gone/") else 201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def next(self, timeout: float = 20.0):
        return self.received.get(timeout=timeout)

    def quiet(self, seconds: float = 1.5) -> bool:
        """Whether nothing more arrives for a while."""
        try:
            self.received.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def sink():
    service = Sink()
    yield service
    service.httpd.shutdown()


def _b64(value: str) -> bytes:
    value = value.replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _server_key(server) -> str:
    return requests.get(server.url + "/api/v2/instance", timeout=10).json()["configuration"]["vapid"]["public_key"]


def _check_vapid(jwt: str, server, audience: str) -> None:
    """The JWT is signed with the instance's VAPID key, for this push service, and not expired (RFC 8292)."""
    header, claims, signature = jwt.split(".")
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64(_server_key(server)))
    raw = _b64(signature)
    key.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
               f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    assert json.loads(_b64(header))["alg"] == "ES256"
    claims = json.loads(_b64(claims))
    assert claims["aud"] == audience
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600


def _me(client):
    return client.account_verify_credentials()


def _subscribe(client, sink, path="/push", **events):
    private, public = client.push_subscription_generate_keys()
    subscription = client.push_subscription_set(sink.origin + path, public, **events)
    return private, subscription


def _wait_until_unsubscribed(client) -> None:
    """Until the client's push subscription is gone (the push service said it no longer exists)."""

    def gone():
        try:
            client.push_subscription()
        except MastodonNotFoundError:
            return True
        return False

    wait_for(gone)


def test_mention_is_pushed_as_mastodon_pushes_it(push_server, sink):
    alice, bob = push_server.new_user(), push_server.new_user()
    private, subscription = _subscribe(alice, sink, mention_events=True, favourite_events=False)
    assert subscription["server_key"] == _server_key(push_server) and subscription["standard"] is False
    post = alice.status_post("like this one")
    bob.status_favourite(post["id"])  # favourite alerts are off: no push
    bob.status_post(f"@{_me(alice)['acct']} are you there?")
    path, headers, body = sink.next()
    assert path == "/push"
    assert headers["Content-Encoding"] == "aesgcm" and headers["TTL"] == "172800" and headers["Urgency"] == "normal"
    scheme, jwt = headers["Authorization"].split(" ")
    assert scheme == "WebPush"
    _check_vapid(jwt, push_server, sink.origin)
    assert headers["Crypto-Key"].split("p256ecdsa=")[1] == _server_key(push_server).rstrip("=")
    push = alice.push_subscription_decrypt_push(body, private, headers["Encryption"], headers["Crypto-Key"])
    assert push["notification_type"] == "mention"
    assert push["title"] == f"You were mentioned by {_me(bob)['username']}"
    assert push["body"] == f"@{_me(alice)['acct']} are you there?"
    assert push["notification_id"] == alice.notifications(types=["mention"])[0]["id"]
    assert push["access_token"] == alice.access_token and push["preferred_locale"] == "en"
    assert push["icon"].startswith(push_server.url)
    assert sink.quiet()


def test_standard_subscription_gets_rfc8291_and_rfc8292(push_server, sink):
    alice, bob = push_server.new_user(), push_server.new_user()
    private, public = alice.push_subscription_generate_keys()
    # As a browser app sends it (Mastodon.py 2.3.3 drops its `standard` argument): base64url keys in JSON.
    subscription = requests.post(push_server.url + "/api/v1/push/subscription", timeout=10, json={
        "subscription": {"endpoint": sink.origin + "/push", "standard": True, "keys": {
            "p256dh": base64.urlsafe_b64encode(public["pubkey"]).decode().rstrip("="),
            "auth": base64.urlsafe_b64encode(public["auth"]).decode().rstrip("=")}},
        "data": {"alerts": {"follow": True}}}, headers={"Authorization": f"Bearer {alice.access_token}"}).json()
    assert subscription["standard"] is True and subscription["alerts"]["follow"] is True
    bob.account_follow(_me(alice)["id"])
    _, headers, body = sink.next()
    assert headers["Content-Encoding"] == "aes128gcm" and "Crypto-Key" not in headers
    scheme, params = headers["Authorization"].split(" ", 1)
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert scheme == "vapid" and _b64(fields["k"]) == _b64(_server_key(push_server))
    _check_vapid(fields["t"], push_server, sink.origin)
    key = ec.derive_private_key(private["privkey"], ec.SECP256R1())
    push = json.loads(http_ece.decrypt(body, private_key=key, auth_secret=private["auth"], version="aes128gcm"))
    assert push["notification_type"] == "follow"
    assert push["title"] == f"{_me(bob)['username']} is now following you"


def test_policy_followed_pushes_only_from_accounts_followed(push_server, sink):
    alice, friend, stranger = push_server.new_user(), push_server.new_user(), push_server.new_user()
    alice.account_follow(_me(friend)["id"])
    private, _ = _subscribe(alice, sink, mention_events=True, policy="followed")
    stranger.status_post(f"@{_me(alice)['acct']} hello from nowhere")
    friend.status_post(f"@{_me(alice)['acct']} hello, friend")
    _, headers, body = sink.next()
    push = alice.push_subscription_decrypt_push(body, private, headers["Encryption"], headers["Crypto-Key"])
    assert push["body"] == f"@{_me(alice)['acct']} hello, friend"
    assert sink.quiet()


def test_push_service_gone_removes_the_subscription(push_server, sink):
    alice, bob = push_server.new_user(), push_server.new_user()
    _subscribe(alice, sink, path="/gone/1", follow_events=True)
    bob.account_follow(_me(alice)["id"])
    assert sink.next()[0] == "/gone/1"
    _wait_until_unsubscribed(alice)


def test_subscription_show_update_replace_and_delete(push_server, sink):
    alice = push_server.new_user()
    with pytest.raises(MastodonNotFoundError):
        alice.push_subscription()
    _, first = _subscribe(alice, sink, mention_events=True, policy="follower")
    shown = alice.push_subscription()
    assert shown["id"] == first["id"] and shown["endpoint"] == sink.origin + "/push"
    assert shown["policy"] == "follower" and shown["alerts"]["mention"] is True
    assert shown["alerts"]["follow"] is False and "admin.report" in shown["alerts"]
    changed = alice.push_subscription_update(follow_events=True, policy="none")
    assert changed["alerts"]["follow"] is True and changed["alerts"]["mention"] is True
    assert changed["policy"] == "none"
    _, second = _subscribe(alice, sink, path="/push/again")  # one per token: replaces the first
    assert second["id"] != first["id"] and alice.push_subscription()["endpoint"].endswith("/push/again")
    assert alice.push_subscription()["alerts"]["mention"] is False
    alice.push_subscription_delete()
    with pytest.raises(MastodonNotFoundError):
        alice.push_subscription()


def test_invalid_subscriptions_are_refused(push_server, sink):
    _, token = push_server.register()
    headers = {"Authorization": f"Bearer {token}"}
    good = {"p256dh": _server_key(push_server), "auth": "AAAAAAAAAAAAAAAAAAAAAA"}  # any P-256 point will do
    cases = [({"endpoint": "ftp://push.example/1", "keys": good}, 422),
             ({"endpoint": sink.origin + "/p", "keys": {**good, "p256dh": "bm90IGEga2V5"}}, 422),
             ({"endpoint": sink.origin + "/p", "keys": {**good, "auth": "c2hvcnQ"}}, 422),
             ({"endpoint": sink.origin + "/p", "keys": good, "policy": "everyone"}, 422)]
    for subscription, status in cases:
        policy = subscription.pop("policy", "all")
        response = requests.post(push_server.url + "/api/v1/push/subscription", headers=headers, timeout=10,
                                 json={"subscription": subscription, "data": {"policy": policy}})
        assert response.status_code == status, (subscription, response.text)
        assert response.json()["error"].startswith("Validation failed")
    accepted = requests.post(push_server.url + "/api/v1/push/subscription", headers=headers, timeout=10,
                             json={"subscription": {"endpoint": sink.origin + "/p", "keys": good}})
    assert accepted.status_code == 200 and accepted.json()["policy"] == "all"


def _app_tokens(server, username, scopes: list[str]):
    app = requests.post(server.url + "/api/v1/apps", data={
        "client_name": "push app", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        "scopes": "read write follow push"}, timeout=10).json()
    tokens = [requests.post(server.url + "/oauth/token", data={
        "grant_type": "password", "username": f"{username}@example.org", "password": PASSWORD,
        "client_id": app["client_id"], "client_secret": app["client_secret"], "scope": scope}, timeout=10).json()
        ["access_token"] for scope in scopes]
    return app, tokens


def test_push_scope_is_required(push_server, sink):
    username, _ = push_server.register()
    _, (token,) = _app_tokens(push_server, username, ["read write follow"])
    with pytest.raises(MastodonAPIError) as refused:
        _subscribe(push_server.client(token), sink, mention_events=True)
    assert refused.value.args[1] == 403


def test_revoking_a_token_removes_its_subscription(push_server, sink):
    username, _ = push_server.register()
    app, (phone, tablet) = _app_tokens(push_server, username, ["read push", "read push"])
    _subscribe(push_server.client(phone), sink, path="/phone", follow_events=True)
    _subscribe(push_server.client(tablet), sink, path="/tablet", follow_events=True)
    revoked = requests.post(push_server.url + "/oauth/revoke", data={
        "token": phone, "client_id": app["client_id"], "client_secret": app["client_secret"]}, timeout=10)
    assert revoked.status_code == 200
    fan = push_server.new_user()
    fan.account_follow(_me(push_server.client(tablet))["id"])
    assert sink.next()[0] == "/tablet"
    assert sink.quiet()


def test_push_service_not_found_removes_the_subscription_too(push_server):
    """README: a push service answering 404 (not only 410) ends the subscription (RFC 8030 §7.3)."""
    received: queue.Queue = queue.Queue()

    class NotFound(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            received.put(self.path)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        alice, bob = push_server.new_user(), push_server.new_user()
        _, public = alice.push_subscription_generate_keys()
        alice.push_subscription_set(f"http://127.0.0.1:{httpd.server_port}/unknown", public, follow_events=True)
        bob.account_follow(_me(alice)["id"])
        assert received.get(timeout=20) == "/unknown"
        _wait_until_unsubscribed(alice)
    finally:
        httpd.shutdown()


def test_a_generated_vapid_key_is_kept_in_the_data_dir_across_restarts(tmp_path):
    """README: without SPARK_VAPID_* the key pair is generated once into SPARK_DATA_DIR/vapid_private_key."""
    with running_server(tmp_path) as server:
        key = _server_key(server)
        assert (server.data_dir / "vapid_private_key").exists()
        server.stop()
        server.start()
        assert _server_key(server) == key


def test_a_changed_secret_key_stops_pushes_until_the_app_subscribes_again(tmp_path, sink):
    """README: the access token a push carries is sealed with SPARK_SECRET_KEY; after a change nothing is
    pushed (and nothing fails) until the app subscribes again."""
    with running_server(tmp_path, federation_allow_private="1", secret_key="first secret") as server:
        alice, bob, carol = server.new_user(), server.new_user(), server.new_user()
        _subscribe(alice, sink, path="/before", follow_events=True)
        server.stop()
        server.env["SPARK_SECRET_KEY"] = "second secret"
        server.start()
        bob.account_follow(_me(alice)["id"])
        assert sink.quiet(3)
        assert alice.push_subscription()["endpoint"] == sink.origin + "/before"
        _subscribe(alice, sink, path="/after", follow_events=True)
        carol.account_follow(_me(alice)["id"])
        assert sink.next()[0] == "/after"
