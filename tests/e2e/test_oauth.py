"""OAuth 2 as apps use it: the sign-in and consent pages, codes with PKCE, scopes and revocation."""

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import requests
from mastodon import Mastodon

PASSWORD = "correct horse battery"
REDIRECT = "https://app.example/callback"


def _app(server, redirect=REDIRECT, scopes="read write follow profile"):
    return requests.post(server.url + "/api/v1/apps", data={
        "client_name": "OAuth test app", "redirect_uris": redirect, "scopes": scopes}, timeout=10).json()


def _hidden(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def _pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _authorize(server, app, username, *, challenge=None, scope="read write", redirect=REDIRECT, approve=True):
    """Drive the pages like a browser; returns (session, final response)."""
    browser = requests.Session()
    query = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": redirect, "scope": scope,
             "state": "xyz"}
    if challenge:
        query.update(code_challenge=challenge, code_challenge_method="S256")
    page = browser.get(server.url + "/oauth/authorize", params=query, timeout=10)
    assert page.status_code == 200 and "Sign in" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    form = _hidden(page.text)
    consent = browser.post(server.url + "/oauth/authorize", data={**form, "login": username, "password": PASSWORD},
                           timeout=30)
    assert consent.status_code == 200 and "Authorize" in consent.text, consent.text
    form = _hidden(consent.text)
    form["step"] = "approve" if approve else "deny"
    done = browser.post(server.url + "/oauth/authorize", data=form, allow_redirects=False, timeout=10)
    return browser, done


def _code(response) -> str:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def _exchange(server, app, code, verifier=None, redirect=REDIRECT, secret=True):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
            "client_id": app["client_id"]}
    if secret:
        data["client_secret"] = app["client_secret"]
    if verifier:
        data["code_verifier"] = verifier
    return requests.post(server.url + "/oauth/token", data=data, timeout=10)


def test_authorization_code_with_pkce_is_single_use(server):
    username, _ = server.register()
    app = _app(server)
    verifier, challenge = _pkce()
    _, done = _authorize(server, app, username, challenge=challenge)
    code = _code(done)
    token = _exchange(server, app, code, verifier, secret=False)  # a public client with PKCE
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "read write"
    me = server.client(token.json()["access_token"]).account_verify_credentials()
    assert me["username"] == username
    assert _exchange(server, app, code, verifier).status_code == 400  # used once already
    _, done = _authorize(server, app, username, challenge=challenge)
    code = _code(done)
    assert _exchange(server, app, code, "wrong-verifier" * 4).status_code == 400
    assert _exchange(server, app, code, verifier).status_code == 400  # a failed attempt spends the code


def test_code_is_bound_to_client_and_exact_redirect_uri(server):
    username, _ = server.register()
    app, other = _app(server), _app(server)
    _, done = _authorize(server, app, username)
    code = _code(done)
    assert _exchange(server, other, code).status_code in (400, 401)
    assert _exchange(server, app, code).status_code == 200
    _, done = _authorize(server, app, username)
    assert _exchange(server, app, _code(done), redirect=REDIRECT + "/extra").status_code == 400
    bad = requests.get(server.url + "/oauth/authorize", params={
        "response_type": "code", "client_id": app["client_id"], "redirect_uri": "https://evil.example/cb"},
        timeout=10, allow_redirects=False)
    assert bad.status_code == 400 and "evil.example" not in bad.headers.get("location", "")


def test_wrong_password_denial_and_csrf(server):
    username, _ = server.register()
    app = _app(server)
    browser = requests.Session()
    page = browser.get(server.url + "/oauth/authorize", params={
        "response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT}, timeout=10)
    form = _hidden(page.text)
    wrong = browser.post(server.url + "/oauth/authorize", data={**form, "login": username, "password": "nope"},
                         timeout=30)
    assert wrong.status_code == 401 and "Invalid email or password" in wrong.text
    forged = requests.post(server.url + "/oauth/authorize", data={**form, "login": username, "password": PASSWORD},
                           timeout=30)  # no CSRF cookie: a cross-site post
    assert forged.status_code == 403
    _, denied = _authorize(server, app, username, approve=False)
    assert denied.status_code == 302 and "error=access_denied" in denied.headers["location"]
    too_wide = requests.get(server.url + "/oauth/authorize", params={
        "response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "admin:write"},
        timeout=10, allow_redirects=False)
    assert too_wide.status_code == 302 and "error=invalid_scope" in too_wide.headers["location"]


def test_out_of_band_code_with_mastodon_py(server):
    username, _ = server.register()
    client_id, client_secret = Mastodon.create_app("oob app", api_base_url=server.url,
                                                   scopes=["read", "write"])
    app = {"client_id": client_id, "client_secret": client_secret}
    _, page = _authorize(server, app, username, redirect="urn:ietf:wg:oauth:2.0:oob")
    code = re.search(r'<code class="oob">([^<]+)</code>', page.text).group(1)
    client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server.url)
    client.log_in(code=code, scopes=["read", "write"], allow_http=True)  # loopback test server speaks http
    assert client.account_verify_credentials()["username"] == username


def test_scopes_are_enforced_and_revocation_is_immediate(server):
    username, _ = server.register()
    app = _app(server)
    token = requests.post(server.url + "/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "username": f"{username}@example.org", "password": PASSWORD, "scope": "read"}, timeout=30).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert requests.get(server.url + "/api/v1/timelines/home", headers=headers, timeout=10).status_code == 200
    post = requests.post(server.url + "/api/v1/statuses", data={"status": "hi"}, headers=headers, timeout=10)
    assert post.status_code == 403 and "error" in post.json()
    refreshed = requests.post(server.url + "/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app["client_id"],
        "client_secret": app["client_secret"]}, timeout=10)
    assert refreshed.status_code == 200
    revoked = requests.post(server.url + "/oauth/revoke", data={
        "token": token["access_token"], "client_id": app["client_id"], "client_secret": app["client_secret"]},
        timeout=10)
    assert revoked.status_code == 200
    assert requests.get(server.url + "/api/v1/timelines/home", headers=headers, timeout=10).status_code == 401
    app_only = requests.post(server.url + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "scope": "read"}, timeout=10).json()
    home = requests.get(server.url + "/api/v1/timelines/home",
                        headers={"Authorization": f"Bearer {app_only['access_token']}"}, timeout=10)
    assert home.status_code in (401, 403)


def test_userinfo_and_metadata(server):
    username, token = server.register()
    meta = requests.get(server.url + "/.well-known/oauth-authorization-server", timeout=10).json()
    assert meta["authorization_endpoint"].endswith("/oauth/authorize") and "S256" in meta["code_challenge_methods_supported"]
    app = _app(server, scopes="read profile")
    _, done = _authorize(server, app, username, scope="profile")
    profile_token = _exchange(server, app, _code(done)).json()["access_token"]
    info = requests.get(server.url + "/oauth/userinfo", headers={"Authorization": f"Bearer {profile_token}"},
                        timeout=10).json()
    assert info["preferred_username"] == username
    landing = requests.get(server.url + "/", timeout=10)
    assert landing.status_code == 200 and "Spark" in landing.text
