"""Every way of revoking a token takes effect at once: the token is refused (even though the server had
just cached its grant) and streams opened with it close. /oauth/revoke and web sign-out are covered in
test_streaming.py, test_oauth.py and tests/web/test_pages.py; this file covers refreshing."""

import time

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

PASSWORD = "correct horse battery"


def _app_and_token(server):
    username, _ = server.register()
    app = requests.post(server.url + "/api/v1/apps", data={
        "client_name": "refresher", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read"}, timeout=10).json()
    client = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    token = requests.post(server.url + "/oauth/token", data={
        "grant_type": "password", "username": f"{username}@example.org", "password": PASSWORD, "scope": "read",
        **client}, timeout=30).json()
    return client, token


def _status(server, access_token: str) -> int:
    return requests.get(server.url + "/api/v1/accounts/verify_credentials",
                        headers={"Authorization": f"Bearer {access_token}"}, timeout=10).status_code


def test_refreshing_revokes_the_old_token_and_closes_its_streams_at_once(server):
    client, old = _app_and_token(server)
    assert _status(server, old["access_token"]) == 200  # its grant is now in the server's cache
    url = server.url.replace("http://", "ws://") + f"/api/v1/streaming?access_token={old['access_token']}&stream=user"
    with connect(url, open_timeout=10) as ws:
        time.sleep(0.3)
        new = requests.post(server.url + "/oauth/token", data={
            "grant_type": "refresh_token", "refresh_token": old["refresh_token"], **client}, timeout=10).json()
        started = time.time()
        assert _status(server, old["access_token"]) == 401
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=5)
        assert closed.value.rcvd.code == 4003 and time.time() - started < 2
    assert _status(server, new["access_token"]) == 200
    again = requests.post(server.url + "/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": old["refresh_token"], **client}, timeout=10)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_refresh_token_sent_several_times_at_once_is_spent_once(server):
    """Rotation: one refresh token buys one new token, even when a client (or a thief) sends it in parallel.
    On PostgreSQL six of eight such requests used to succeed."""
    from concurrent.futures import ThreadPoolExecutor

    client, old = _app_and_token(server)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: requests.post(server.url + "/oauth/token", data={
            "grant_type": "refresh_token", "refresh_token": old["refresh_token"], **client}, timeout=30), range(8)))
    assert sorted(a.status_code for a in answers) == [200] + [400] * 7
    new = next(a.json() for a in answers if a.status_code == 200)
    assert _status(server, new["access_token"]) == 200 and _status(server, old["access_token"]) == 401
