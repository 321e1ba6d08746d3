"""Rate limits (RELIABILITY 13): the (N+1)th request is 429 with X-RateLimit-*; new IPs or tokens do not reset
per-account limits. Loopback is exempt by default, so these servers switch the exemption off."""

import io

import pytest
import requests
from PIL import Image
from requests.adapters import HTTPAdapter

from tests.harness import running_server


class FromAddress(HTTPAdapter):
    """Send from another loopback address (127.0.0.x): a different client IP, for real."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def _assert_limited(response, limit: int):
    assert response.status_code == 429, response.text
    assert response.json()["error"]
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Reset"].endswith("Z")


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("limited"), rate_limit_exempt_loopback="false",
                        rate_limit_api="8", rate_limit_api_account="12", rate_limit_signups="3",
                        rate_limit_logins="4", rate_limit_logins_identity="6", rate_limit_media="2",
                        rate_limit_deletes="2") as srv:
        yield srv


def srv_register_from(srv, address: str):
    """A user registered from `address`: (username, token, app)."""
    session = _from(address)
    app = session.post(srv.url + "/api/v1/apps", data={"client_name": "t", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                                                       "scopes": "read write"}, timeout=10).json()
    app_token = session.post(srv.url + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "scope": "read write"}, timeout=10).json()["access_token"]
    username = "rl" + address.replace(".", "")
    created = session.post(srv.url + "/api/v1/accounts", data={
        "username": username, "email": f"{username}@example.org", "password": "correct horse battery",
        "agreement": "true"}, headers={"Authorization": f"Bearer {app_token}"}, timeout=30)
    assert created.status_code == 200, created.text
    return username, created.json()["access_token"], app


def test_api_per_token_and_per_account(limited):
    username, token, app = srv_register_from(limited, "127.0.0.11")
    headers = {"Authorization": f"Bearer {token}"}
    session = _from("127.0.0.11")
    for i in range(8):
        ok = session.get(limited.url + "/api/v1/timelines/home", headers=headers, timeout=10)
        assert ok.status_code == 200 and ok.headers["X-RateLimit-Remaining"] == str(7 - i)
    _assert_limited(session.get(limited.url + "/api/v1/timelines/home", headers=headers, timeout=10), 8)
    # A second token of the same account, used from another IP, only has the account's remainder left.
    second = _from("127.0.0.12").post(limited.url + "/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "username": f"{username}@example.org", "password": "correct horse battery", "scope": "read"},
        timeout=30).json()["access_token"]
    other = _from("127.0.0.13")
    codes = [other.get(limited.url + "/api/v1/timelines/home", headers={"Authorization": f"Bearer {second}"},
                       timeout=10).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]  # 12 per account: 8 + 1 refused + 3 more


def test_unauthenticated_api_per_ip(limited):
    session = _from("127.0.0.21")
    for _ in range(8):
        assert session.get(limited.url + "/api/v1/timelines/public", timeout=10).status_code == 200
    _assert_limited(session.get(limited.url + "/api/v1/timelines/public", timeout=10), 8)
    assert _from("127.0.0.22").get(limited.url + "/api/v1/timelines/public", timeout=10).status_code == 200


def test_sign_ups_per_ip(limited):
    session = _from("127.0.0.31")
    app = session.post(limited.url + "/api/v1/apps", data={"client_name": "t", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                                                           "scopes": "read write"}, timeout=10).json()
    responses = []
    for i in range(4):
        app_token = session.post(limited.url + "/oauth/token", data={
            "grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"],
            "scope": "write"}, timeout=10).json()["access_token"]
        responses.append(session.post(limited.url + "/api/v1/accounts", data={
            "username": f"signup{i}", "email": f"signup{i}@example.org", "password": "correct horse battery",
            "agreement": "true"}, headers={"Authorization": f"Bearer {app_token}"}, timeout=30))
    assert [r.status_code for r in responses[:3]] == [200, 200, 200]
    _assert_limited(responses[3], 3)


def test_logins_per_ip_and_per_identity(limited):
    username, _, app = srv_register_from(limited, "127.0.0.41")

    def attempt(address: str, password: str = "wrong password"):
        return _from(address).post(limited.url + "/oauth/token", data={
            "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
            "username": f"{username}@example.org", "password": password, "scope": "read"}, timeout=30)

    assert [attempt("127.0.0.42").status_code for _ in range(4)] == [400, 400, 400, 400]
    _assert_limited(attempt("127.0.0.42"), 4)
    # Rotating IPs does not reset the per-account count (6 per identity).
    assert attempt("127.0.0.43").status_code == 400
    _assert_limited(attempt("127.0.0.44", "correct horse battery"), 6)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_media_and_deletes_per_account(tmp_path):
    with running_server(tmp_path, rate_limit_exempt_loopback="false", rate_limit_media="2",
                        rate_limit_deletes="2") as srv:
        _media_and_deletes(srv)


def _media_and_deletes(limited):
    _, token, _ = srv_register_from(limited, "127.0.0.51")
    headers = {"Authorization": f"Bearer {token}"}
    uploads = [_from(f"127.0.0.{52 + i}").post(limited.url + "/api/v2/media", files={"file": ("a.png", _png())},
                                               headers=headers, timeout=30) for i in range(3)]
    assert [u.status_code for u in uploads[:2]] == [200, 200]
    _assert_limited(uploads[2], 2)
    posts = [requests.post(limited.url + "/api/v1/statuses", data={"status": f"p{i}"}, headers=headers,
                           timeout=10).json()["id"] for i in range(3)]
    deletes = [_from(f"127.0.0.{60 + i}").delete(f"{limited.url}/api/v1/statuses/{p}", headers=headers, timeout=10)
               for i, p in enumerate(posts)]
    assert [d.status_code for d in deletes[:2]] == [200, 200]
    _assert_limited(deletes[2], 2)
    assert requests.get(f"{limited.url}/api/v1/statuses/{posts[2]}", headers=headers, timeout=10).status_code == 200


def test_loopback_is_exempt_by_default(server):
    for _ in range(3):
        response = requests.get(server.url + "/api/v1/timelines/public", timeout=10)
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers


@pytest.mark.parametrize("trusted, proxy_address, stranger_address", [
    ("127.0.0.61", "127.0.0.61", "127.0.0.62"),
    ("127.0.0.64/30", "127.0.0.66", "127.0.0.68"),  # a range: .64 to .67
])
def test_client_addresses_come_from_trusted_proxies_only(tmp_path, trusted, proxy_address, stranger_address):
    """Behind a reverse proxy every request comes from the proxy: with SPARK_TRUSTED_PROXIES (addresses or
    CIDR ranges) the X-Forwarded-For it sets names the client; from anyone else the header is ignored."""
    with running_server(tmp_path, rate_limit_exempt_loopback="false", rate_limit_api="2",
                        trusted_proxies=trusted) as srv:
        proxy, stranger = _from(proxy_address), _from(stranger_address)

        def get(session, client):
            return session.get(srv.url + "/api/v1/timelines/public", headers={"X-Forwarded-For": client},
                               timeout=10).status_code

        assert [get(proxy, "203.0.113.1") for _ in range(3)] == [200, 200, 429]
        assert get(proxy, "203.0.113.2") == 200  # another client behind the same proxy
        assert [get(stranger, f"203.0.113.{n}") for n in range(10, 13)] == [200, 200, 429]  # header ignored
