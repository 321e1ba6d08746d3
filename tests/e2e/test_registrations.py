"""Sign-up modes: open (default), approval, closed; bad sign-up input; confirmation e-mails (none)."""

import pytest
import requests
from mastodon import MastodonAPIError

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


def test_confirmation_mail_is_refused_honestly(server):
    """Sign-ups are confirmed at once (no mailer): Mastodon's 403; an unconfirmed user hears that no mail
    can be sent (503), after the address is checked (422)."""
    api = server.new_user()
    with pytest.raises(MastodonAPIError) as refused:
        api.email_resend_confirmation()
    assert refused.value.args[1] == 403
    assert "awaiting confirmation" in refused.value.args[-1]
    me = api.account_verify_credentials()
    server.sql(f"UPDATE users SET confirmed = false WHERE id = {me['id']}")
    url = server.url + "/api/v1/emails/confirmations"
    headers = {"Authorization": f"Bearer {api.access_token}"}
    taken = server.new_user().account_verify_credentials()["username"] + "@example.org"
    for email in ("not an address", taken):
        response = requests.post(url, json={"email": email}, headers=headers, timeout=10)
        assert response.status_code == 422 and "Email" in response.json()["error"]
    for body in ({}, {"email": "new-address@example.org"}):
        response = requests.post(url, json=body, headers=headers, timeout=10)
        assert response.status_code == 503 and "no mailer" in response.json()["error"]
    assert requests.post(url, timeout=10).status_code == 401
