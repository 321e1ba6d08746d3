"""OAuth 2 endpoints: /oauth/token, /oauth/revoke, /.well-known/oauth-authorization-server."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, rate_limits, runtime
from spark.api.presenters import account_json
from spark.api.responses import JSONResponse, json_response
from spark.domain import scopes as scope_rules
from spark.domain.errors import SparkError
from spark.services import accounts as account_service
from spark.services import apps as app_service
from spark.services import oauth
from spark.services import tokens as token_service


def _oauth_error(exc: SparkError) -> JSONResponse:
    code = getattr(exc, "code", None) or ("invalid_client" if exc.status == 401 else "invalid_request")
    return JSONResponse({"error": code, "error_description": exc.message}, status_code=exc.status)


def _client_credentials(request, p) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        import base64
        from urllib.parse import unquote

        try:
            decoded = base64.b64decode(header[6:]).decode()
            client_id, _, secret = decoded.partition(":")
            return unquote(client_id), unquote(secret)
        except ValueError:
            return None, None
    return p.str("client_id"), p.str("client_secret")


async def token(request):
    rt = runtime(request)
    try:
        p = await params.parse(request)
        grant_type = p.str("grant_type")
        client_id, client_secret = _client_credentials(request, p)
        public_pkce = grant_type == "authorization_code" and not client_secret and p.str("code_verifier")
        app = await app_service.authenticate_client(rt, client_id, client_secret, secret_required=not public_pkce)
        if grant_type == "authorization_code":
            issued = await oauth.exchange_code(rt, app=app, code=p.str("code"), redirect_uri=p.str("redirect_uri"),
                                               code_verifier=p.str("code_verifier"))
        elif grant_type == "password":
            headers = rate_limits(request, [("logins", None),
                                            ("logins_identity", f"login:{(p.str('username') or '').strip().lower()}")])
            issued = await oauth.password_grant(rt, app=app, username=p.str("username"),
                                                password=p.str("password"), scope=p.str("scope"))
        elif grant_type == "client_credentials":
            issued = await oauth.client_credentials_grant(rt, app=app, scope=p.str("scope"))
        elif grant_type == "refresh_token":
            issued = await oauth.refresh_grant(rt, app=app, refresh_token=p.str("refresh_token"))
        else:
            raise oauth.OAuthError("unsupported_grant_type", "The authorization grant type is not supported.")
    except SparkError as exc:
        if exc.status == 429:
            raise
        return _oauth_error(exc)
    body = {"access_token": issued.access_token, "token_type": "Bearer", "scope": " ".join(sorted(issued.scopes)),
            "created_at": int(issued.created_at.timestamp())}
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    return json_response(body, headers=locals().get("headers"))


async def revoke(request):
    rt = runtime(request)
    try:
        p = await params.parse(request)
        client_id, client_secret = _client_credentials(request, p)
        app = await app_service.authenticate_client(rt, client_id, client_secret)
    except SparkError as exc:
        return _oauth_error(exc)
    if p.str("token"):
        await token_service.revoke(rt, token=p.str("token"), app_id=app.id)
    return json_response({})


async def authorization_server_metadata(request):
    rt = runtime(request)
    return json_response({
        "issuer": rt.url("/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": rt.url("/oauth/authorize"),
        "token_endpoint": rt.url("/oauth/token"),
        "revocation_endpoint": rt.url("/oauth/revoke"),
        "userinfo_endpoint": rt.url("/oauth/userinfo"),
        "app_registration_endpoint": rt.url("/api/v1/apps"),
        "scopes_supported": sorted(scope_rules.ALL),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "password", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
    })


@endpoint("profile")
async def userinfo(request, grant):
    """OpenID Connect-style facts about the token's user (Mastodon 4.4+)."""
    rt = runtime(request)
    account = await account_service.get_account(rt, grant.user_id)
    body = account_json(rt, account)
    return json_response({"iss": rt.url("/"), "sub": body["uri"], "name": body["display_name"],
                          "preferred_username": body["username"], "profile": body["url"],
                          "picture": body["avatar"]})


routes = [
    Route("/oauth/userinfo", userinfo, methods=["GET", "POST"]),
    Route("/oauth/token", token, methods=["POST"]),
    Route("/oauth/revoke", revoke, methods=["POST"]),
    Route("/.well-known/oauth-authorization-server", authorization_server_metadata),
]
