"""Accounts: register, verify_credentials, get (one or several), lookup, identity proofs (none)."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, rate_limit, runtime
from spark.api.presenters import account_json
from spark.api.responses import json_response
from spark.domain import scopes as scope_rules
from spark.domain.errors import Forbidden, Invalid
from spark.services import accounts as account_service
from spark.services import tokens as token_service

MAX_ACCOUNTS = 40


@endpoint("write:accounts", user=False)
async def register(request, grant):
    rt = runtime(request)
    headers = rate_limit(request, "signups")
    if rt.settings.registrations == "closed":
        raise Forbidden("Registrations are closed on this server")
    p = await params.parse(request)
    if not p.bool("agreement", default=False):
        raise Invalid("Validation failed: Agreement must be accepted",
                      details={"agreement": [{"error": "ERR_ACCEPTED", "description": "must be accepted"}]})
    approval = rt.settings.registrations == "approval"
    account_id = await account_service.create_local_account(
        rt, username=p.str("username", max_length=30), email=p.str("email", max_length=320),
        password=p.str("password", max_length=1000), locale=p.str("locale", "en", max_length=16) or "en",
        reason=p.str("reason", max_length=1000), approved=not approval)
    scopes = grant.scopes if grant.scopes else scope_rules.parse("read")
    issued = await token_service.issue(rt, user_id=account_id, app_id=grant.app_id, scopes=scopes)
    return json_response({"access_token": issued.access_token, "token_type": "Bearer",
                          "scope": " ".join(sorted(scopes)), "created_at": int(issued.created_at.timestamp()),
                          "refresh_token": issued.refresh_token}, headers=headers)


@endpoint("read:accounts")
async def verify_credentials(request, grant):
    rt = runtime(request)
    row = await account_service.get_account(rt, grant.user_id)
    user = await account_service.get_user(rt, grant.user_id)
    return json_response(account_json(rt, row, source=True, user=user))


@endpoint("read:accounts", public=True)
async def get_account(request, _grant):
    rt = runtime(request)
    row = await account_service.get_account(rt, params.path_id(request))
    return json_response(account_json(rt, row))


@endpoint("read:accounts", public=True)
async def get_accounts(request, _grant):
    """GET /api/v1/accounts?id[]=…: up to 40 accounts; suspended ones come as GET /api/v1/accounts/:id shows them."""
    rt = runtime(request)
    p = await params.parse(request)
    ids = list(dict.fromkeys(i for i in p.ids("id", max_items=1000) if 0 <= i < 2**63))
    if len(ids) > MAX_ACCOUNTS:
        raise Invalid(f"Validation failed: at most {MAX_ACCOUNTS} ids")
    return json_response([account_json(rt, row) for row in await account_service.get_accounts(rt, ids)])


@endpoint("read:accounts", public=True)
async def lookup(request, _grant):
    rt = runtime(request)
    p = await params.parse(request)
    row = await account_service.find_by_acct(rt, p.str("acct", "", max_length=400))
    return json_response(account_json(rt, row))


@endpoint()
async def identity_proofs(request, _grant):
    """Deprecated: Mastodon 3.5 dropped identity proofs and answers an empty list for any account it knows."""
    await account_service.get_account(runtime(request), params.path_id(request))
    return json_response([])


routes = [
    Route("/api/v1/accounts", register, methods=["POST"]),
    Route("/api/v1/accounts", get_accounts),
    Route("/api/v1/accounts/verify_credentials", verify_credentials),
    Route("/api/v1/accounts/lookup", lookup),
    Route("/api/v1/accounts/{id}", get_account),
    Route("/api/v1/accounts/{id}/identity_proofs", identity_proofs),
]
