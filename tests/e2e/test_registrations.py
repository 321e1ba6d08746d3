"""Sign-up modes: open (default), approval, closed; and bad sign-up input."""

import requests

from tests.harness import running_server


def _app_token(url: str) -> str:
    app = requests.post(url + "/api/v1/apps", data={"client_name": "t", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                                                    "scopes": "read write"}, timeout=10).json()
    return requests.post(url + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "scope": "read write"}, timeout=10).json()["access_token"]


def _sign_up(url: str, token: str, username: str, **extra):
    data = {"username": username, "email": f"{username}@example.org", "password": "long enough password",
            "agreement": "true", **extra}
    return requests.post(url + "/api/v1/accounts", data=data, headers={"Authorization": f"Bearer {token}"},
                         timeout=30)


def test_bad_sign_ups_get_422_with_details(server):
    token = _app_token(server.url)
    assert _sign_up(server.url, token, "ok_name_1").status_code == 200
    taken = _sign_up(server.url, token, "OK_NAME_1")
    assert taken.status_code == 422
    assert taken.json()["details"]["username"][0]["error"] == "ERR_TAKEN"
    assert _sign_up(server.url, token, "bad name!").status_code == 422
    assert _sign_up(server.url, token, "shortpw", password="short").status_code == 422
    assert _sign_up(server.url, token, "noagree", agreement="false").status_code == 422
    no_token = requests.post(server.url + "/api/v1/accounts", data={"username": "x"}, timeout=10)
    assert no_token.status_code == 401


def test_closed_registrations_refuse_sign_up(tmp_path):
    with running_server(tmp_path, registrations="closed") as srv:
        response = _sign_up(srv.url, _app_token(srv.url), "nobody")
        assert response.status_code == 403
        assert requests.get(srv.url + "/api/v2/instance", timeout=10).json()["registrations"]["enabled"] is False


def test_approval_registrations_cannot_sign_in_until_approved(tmp_path):
    with running_server(tmp_path, registrations="approval") as srv:
        assert _sign_up(srv.url, _app_token(srv.url), "waiting").status_code == 200
        app = requests.post(srv.url + "/api/v1/apps", data={
            "client_name": "t", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read"}, timeout=10).json()
        login = requests.post(srv.url + "/oauth/token", data={
            "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
            "username": "waiting@example.org", "password": "long enough password", "scope": "read"}, timeout=30)
        assert login.status_code == 400
        assert login.json()["error"] == "invalid_grant"


def test_pending_account_token_is_refused_until_approved(tmp_path):
    with running_server(tmp_path, registrations="approval") as srv:
        response = _sign_up(srv.url, _app_token(srv.url), "pending")
        token = response.json()["access_token"]
        me = requests.get(srv.url + "/api/v1/accounts/verify_credentials",
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert me.status_code == 401
