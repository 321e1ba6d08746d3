"""ActivityPub routes: actors, posts and collections as JSON-LD, and the inboxes.

The same URLs as the web pages where people share them (`/@name`, `/@name/ID`) answer with JSON-LD
when asked for it (`wants_activity_json`); `/users/...` ids send browsers to those pages."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from spark.api.auth import runtime
from spark.api.responses import JSONResponse, error_response
from spark.federation import authorized_fetch, documents, inbox, urls
from spark.federation.outbox import quote_stamp_uri
from spark.services import published, quotes

AP_TYPE = "application/activity+json"
LD_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
PAGE = 20


class ActivityResponse(JSONResponse):
    media_type = AP_TYPE + "; charset=utf-8"


def wants_activity_json(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    return "application/activity+json" in accept or "application/ld+json" in accept


def _ap(document: dict, status: int = 200) -> Response:
    return ActivityResponse(document, status_code=status,
                            headers={"Vary": "Accept", "Cache-Control": "max-age=60, public"})


def _not_found() -> Response:
    return error_response(404, "Record not found")


async def actor_response(request: Request, username: str) -> Response:
    rt = runtime(request)
    account = await published.local_account(rt, username)
    if account is None:
        return _not_found()
    return _ap(await documents.actor_document(rt, account))


async def note_response(request: Request, username: str, status_id: int, *, activity: bool = False) -> Response:
    rt = runtime(request)
    try:
        await authorized_fetch.check(rt, url=url_as_sent(request), headers=request.headers)
    except inbox.Refused as refused:
        return error_response(refused.status, str(refused))
    account = await published.local_account(rt, username)
    view = await published.public_post(rt, account.id, status_id) if account else None
    if view is None:
        return _not_found()
    document = (await _post_documents(rt, account, [view]))[0]
    if activity and document["type"] != "Announce":
        document = documents.create(document)
    return _ap({"@context": documents.CONTEXT, **document})


async def _post_documents(rt, account, views) -> list[dict]:
    """Each of an account's posts as its Note (a repost as its Announce), without @context; the
    posts they repost, reply to or quote are looked up together."""
    references = await published.reference_uris(
        rt, [i for v in views for i in (v.row.reblog_of_id, v.row.in_reply_to_id, v.row.quote_of_id)])
    out = []
    for view in views:
        if view.row.reblog_of_id:
            to, cc = documents.announce_addressing(rt, account, view.reblog.account, view.row.visibility)
            announce = documents.activity("Announce", urls.status(rt, account.username, view.row.id) + "/activity",
                                          urls.actor(rt, account.username), references.get(view.row.reblog_of_id),
                                          to=to, cc=cc)
            announce.pop("@context")
            out.append(announce)
        else:
            out.append(documents.note_document(rt, view, parent_uri=references.get(view.row.in_reply_to_id),
                                               quote_uri=references.get(view.row.quote_of_id), context=False))
    return out


def url_as_sent(request: Request) -> str:
    """The URL as the sender addressed it: our public scheme, the Host it sent, the raw path and query
    (Starlette's request.url decodes %-escapes, which a signature covers as sent)."""
    rt = runtime(request)
    url = f"{rt.settings.scheme}://{request.headers.get('host', rt.settings.domain)}"
    raw_path = request.scope.get("raw_path")
    url += (raw_path if raw_path is not None else request.url.path.encode()).decode("latin-1")
    if request.scope.get("query_string"):
        url += "?" + request.scope["query_string"].decode("latin-1")
    return url


def signed_fetch(handler):
    """Serve `handler` only to signed fetches when authorized fetch is on."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        try:
            await authorized_fetch.check(runtime(request), url=url_as_sent(request), headers=request.headers)
        except inbox.Refused as refused:
            return error_response(refused.status, str(refused))
        return await handler(request)

    return guarded


def _browser_or(request: Request, page: str):
    return None if wants_activity_json(request) else RedirectResponse(page, status_code=302)


async def actor(request: Request) -> Response:
    username = request.path_params["username"]
    return _browser_or(request, f"/@{username}") or await actor_response(request, username)


async def status(request: Request) -> Response:
    username, status_id = request.path_params["username"], request.path_params["status_id"]
    return _browser_or(request, f"/@{username}/{status_id}") or await note_response(request, username, status_id)


async def status_activity(request: Request) -> Response:
    return await note_response(request, request.path_params["username"], request.path_params["status_id"],
                               activity=True)


async def quote_authorization(request: Request) -> Response:
    """The QuoteAuthorization stamp of an accepted remote quote (FEP-044f): third parties check it here."""
    rt = runtime(request)
    username = request.path_params["username"]
    found = await quotes.authorization(rt, username, request.path_params["status_id"], request.path_params["quote_id"])
    if found is None:
        return _not_found()
    author, quoted, quote = found
    return _ap({"@context": [*documents.CONTEXT, {"QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
                                                  "gts": "https://gotosocial.org/ns#",
                                                  "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
                                                  "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"}}],
                "id": quote_stamp_uri(rt, author, quoted.id, quote.id),
                "type": "QuoteAuthorization", "attributedTo": urls.actor(rt, author.username),
                "interactingObject": quote.uri, "interactionTarget": urls.status(rt, author.username, quoted.id)})


async def instance_actor(request: Request) -> Response:
    return _ap(await documents.instance_actor_document(runtime(request)))


def _collection(collection_id: str, total: int, first: dict | str | None, *, ordered: bool = True) -> dict:
    out = {"@context": documents.CONTEXT, "id": collection_id,
           "type": "OrderedCollection" if ordered else "Collection", "totalItems": total}
    if first is not None:
        out["first"] = first
    return out


@signed_fetch
async def outbox(request: Request) -> Response:
    rt = runtime(request)
    username = request.path_params["username"]
    account = await published.local_account(rt, username)
    if account is None:
        return _not_found()
    base = urls.actor(rt, username) + "/outbox"
    if request.query_params.get("page") != "true":
        total, _ = await published.outbox_page(rt, account.id, max_id=None, limit=0)
        return _ap(_collection(base, total, base + "?page=true") | {"last": base + "?page=true&min_id=0"})
    try:
        max_id = int(request.query_params["max_id"]) if "max_id" in request.query_params else None
    except ValueError:
        return error_response(400, "max_id must be an integer")
    _, views = await published.outbox_page(rt, account.id, max_id=max_id, limit=PAGE)
    items = [d if d["type"] == "Announce" else documents.create(d) for d in await _post_documents(rt, account, views)]
    for item in items:
        item.pop("@context", None)  # the page's context covers them
    page = {"@context": documents.CONTEXT, "id": f"{base}?page=true" + (f"&max_id={max_id}" if max_id else ""),
            "type": "OrderedCollectionPage", "partOf": base, "orderedItems": items}
    if len(views) == PAGE:
        page["next"] = f"{base}?page=true&max_id={views[-1].row.id}"
    return _ap(page)


@signed_fetch
async def followers(request: Request) -> Response:
    return await _relations(request, "followers")


@signed_fetch
async def following(request: Request) -> Response:
    return await _relations(request, "following")


async def _relations(request: Request, which: str) -> Response:
    rt = runtime(request)
    username = request.path_params["username"]
    account = await published.local_account(rt, username)
    if account is None:
        return _not_found()
    base = urls.actor(rt, username) + "/" + which
    try:
        page = max(1, min(int(request.query_params.get("page", "0") or 0), 10_000))
    except ValueError:
        return error_response(400, "page must be an integer")
    total, items = await published.relation_page(rt, account.id, which, page=page)
    if "page" not in request.query_params:
        return _ap(_collection(base, total, None if account.hide_collections else base + "?page=1"))
    if account.hide_collections:
        return error_response(403, "This account hides its network")
    out = {"@context": documents.CONTEXT, "id": f"{base}?page={page}", "type": "OrderedCollectionPage",
           "totalItems": total, "partOf": base, "orderedItems": items}
    if page * published.RELATION_PAGE < total:
        out["next"] = f"{base}?page={page + 1}"
    return _ap(out)


@signed_fetch
async def featured(request: Request) -> Response:
    rt = runtime(request)
    username = request.path_params["username"]
    account = await published.local_account(rt, username)
    if account is None:
        return _not_found()
    notes = await _post_documents(rt, account, await published.pinned(rt, account.id))
    return _ap(_collection(urls.actor(rt, username) + "/collections/featured", len(notes), None)
               | {"orderedItems": notes})


async def receive(request: Request) -> Response:
    """POST to any inbox: verified and queued, then 202 (the work happens in a job)."""
    rt = runtime(request)
    if "username" in request.path_params and await published.local_account(rt, request.path_params["username"]) \
            is None:
        return _not_found()
    if int(request.headers.get("content-length") or 0) > inbox.MAX_BODY:
        return error_response(413, "activity too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > inbox.MAX_BODY:
            return error_response(413, "activity too large")
    # The URL as the sender addressed it: our public scheme, the Host it sent, the path and query.
    try:
        await inbox.receive(rt, method="POST", url=url_as_sent(request), headers=request.headers, body=bytes(body))
    except inbox.Refused as refused:
        return error_response(refused.status, str(refused))
    return Response(status_code=202)


routes = [
    Route("/actor", instance_actor),
    Route("/actor/inbox", receive, methods=["POST"]),
    Route("/inbox", receive, methods=["POST"]),
    Route("/users/{username}", actor),
    Route("/users/{username}/inbox", receive, methods=["POST"]),
    Route("/users/{username}/outbox", outbox),
    Route("/users/{username}/followers", followers),
    Route("/users/{username}/following", following),
    Route("/users/{username}/collections/featured", featured),
    Route("/users/{username}/statuses/{status_id:id}", status),
    Route("/users/{username}/statuses/{status_id:id}/activity", status_activity),
    Route("/users/{username}/statuses/{status_id:id}/quotes/{quote_id:id}", quote_authorization),
]
