"""What the web app's forms do: post, like/repost/bookmark, delete, follow, block, mute, vote.

Each works as a plain form post (answered with a redirect back) and, sent by the page script,
answers with the fragment to swap in, so the page changes in place.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from spark.api import params
from spark.api.auth import rate_limit, runtime
from spark.api.mastodon.media import read_upload
from spark.api.presenters import status_json
from spark.api.web.pages import back, checked_form, csrf_token, fragment, is_fetch, page, render
from spark.domain.errors import Invalid, NotFound, SparkError
from spark.domain.posts import Draft, PollDraft
from spark.domain.visibility import Visibility
from spark.services import blocks, compose, follows, interactions, polls, posting, relationships
from spark.services import statuses as status_service

TOGGLES = {
    "favourite": lambda rt, user, sid, on: (interactions.favourite if on else interactions.unfavourite)(rt, user, sid),
    "reblog": lambda rt, user, sid, on: (interactions.reblog(rt, user, sid, Visibility.PUBLIC) if on
                                         else interactions.unreblog(rt, user, sid)),
    "bookmark": lambda rt, user, sid, on: interactions.bookmark(rt, user, sid, on=on),
}
ACCOUNT_ACTIONS = {
    "follow": follows.follow, "unfollow": follows.unfollow, "block": blocks.block, "unblock": blocks.unblock,
    "mute": blocks.mute, "unmute": blocks.unmute,
    "authorize": lambda rt, user, target: follows.answer_request(rt, user, target, accept=True),
    "reject": lambda rt, user, target: follows.answer_request(rt, user, target, accept=False),
}


def _id(request, name: str = "id") -> int | None:
    return params.Params(dict(request.path_params)).id(name)


def _done(request, form, anchor: str = "") -> Response:
    return RedirectResponse(back(form) + anchor, status_code=303)


def _draft(form) -> tuple[Draft, dict]:
    """The post a compose form describes, and what was typed (to show again if it is refused)."""
    typed = {k: str(form.get(k) or "")[:20_000] for k in ("status", "spoiler_text", "visibility", "description",
                                                          "poll_expires_in", "in_reply_to_id",
                                                          "quoted_status_id")}
    typed["sensitive"] = bool(form.get("sensitive"))
    typed["poll_multiple"] = bool(form.get("poll_multiple"))
    typed["poll_options"] = [str(o)[:200] for o in form.getlist("poll_option")][:10]
    typed["back"] = back(form)
    options = [o.strip() for o in typed["poll_options"] if o.strip()]
    try:
        expires = int(typed["poll_expires_in"] or 86400)
    except ValueError:
        expires = 86400
    p = params.Params({"in_reply_to_id": typed["in_reply_to_id"], "quoted_status_id": typed["quoted_status_id"]})
    draft = Draft(text=typed["status"], spoiler_text=typed["spoiler_text"], sensitive=typed["sensitive"],
                  visibility=Visibility.parse(typed["visibility"] or None, Visibility.PUBLIC),
                  in_reply_to_id=p.id("in_reply_to_id"), quoted_status_id=p.id("quoted_status_id"),
                  poll=PollDraft(options=options, expires_in=expires, multiple=typed["poll_multiple"]) if options else None)
    return draft, typed


@page(signed_in=True)
async def publish(request, viewer):
    rt = runtime(request)
    form = await checked_form(request)
    draft, typed = _draft(form)
    upload = form.get("file")
    try:
        images = []
        if getattr(upload, "filename", "") and upload.size:
            rate_limit(request, "media", f"account:{viewer.user_id}")
            images.append((await read_upload(rt, upload), typed["description"]))
        status_id = await compose.publish_with_images(rt, viewer.user_id, draft, images)
    except SparkError as error:
        message = error.message.removeprefix("Validation failed: ")
        if upload is not None and getattr(upload, "filename", ""):
            message += " Choose the image again before posting."
        if is_fetch(request):
            return Response(message, status_code=error.status, media_type="text/plain; charset=utf-8")
        context = {}
        for name, status_id in (("reply_to", draft.in_reply_to_id), ("quoting", draft.quoted_status_id)):
            try:
                view = await status_service.get_view(rt, status_id, viewer.user_id) if status_id else None
            except NotFound:
                view = None
            context[name] = status_json(rt, view, viewer.user_id) if view else None
        return await render(request, "compose.html", error.status, draft=typed, error=message, **context)
    if is_fetch(request):
        view = await status_service.get_view(rt, status_id, viewer.user_id)
        return fragment("card.html", s=status_json(rt, view, viewer.user_id), me={"id": str(viewer.user_id)},
                        csrf=csrf_token(request), here=back(form))
    if draft.quoted_status_id:
        return RedirectResponse("/home", status_code=303)
    if draft.in_reply_to_id:
        return _done(request, form, f"#s-{status_id}")
    return _done(request, form)


@page(signed_in=True)
async def toggle(request, viewer):
    rt = runtime(request)
    action = request.path_params["action"]
    form = await checked_form(request)
    status_id = _id(request)
    if action not in TOGGLES:
        raise NotFound()
    await TOGGLES[action](rt, viewer.user_id, status_id, form.get("on") != "0")
    if is_fetch(request):
        view = await status_service.get_view(rt, status_id, viewer.user_id)
        return fragment("actions.html", s=status_json(rt, view, viewer.user_id), me={"id": str(viewer.user_id)},
                        csrf=csrf_token(request), here=back(form))
    return _done(request, form, f"#s-{status_id}")


@page(signed_in=True)
async def delete(request, viewer):
    rt = runtime(request)
    form = await checked_form(request)
    status_id = _id(request)
    rate_limit(request, "deletes", f"account:{viewer.user_id}")
    await posting.delete_status(rt, viewer.user_id, status_id)
    if is_fetch(request):
        return Response("", status_code=204)
    target = back(form)
    return RedirectResponse("/home" if target.rstrip("/").endswith(f"/{status_id}") else target, status_code=303)


@page(signed_in=True)
async def account_action(request, viewer):
    rt = runtime(request)
    action = request.path_params["action"]
    form = await checked_form(request)
    target_id = _id(request)
    if action not in ACCOUNT_ACTIONS:
        raise NotFound()
    if target_id == viewer.user_id:
        raise Invalid("You cannot do that to your own account.")
    await ACCOUNT_ACTIONS[action](rt, viewer.user_id, target_id)
    if is_fetch(request):
        found = await relationships.relationships(rt, viewer.user_id, [target_id])
        return fragment("follow.html", account={"id": str(target_id), "acct": str(form.get("acct") or "")},
                        rel=found[0] if found else None, csrf=csrf_token(request), here=back(form))
    return _done(request, form)


@page(signed_in=True)
async def vote(request, viewer):
    form = await checked_form(request)
    try:
        choices = [int(c) for c in form.getlist("choice")]
    except ValueError:
        raise Invalid("Choose one of the poll's options.") from None
    await polls.vote(runtime(request), viewer.user_id, _id(request), choices)
    return _done(request, form)


routes = [
    Route("/web/statuses", publish, methods=["POST"]),
    Route("/web/statuses/{id:id}/delete", delete, methods=["POST"]),
    Route("/web/statuses/{id:id}/{action}", toggle, methods=["POST"]),
    Route("/web/accounts/{id:id}/{action}", account_action, methods=["POST"]),
    Route("/web/polls/{id:id}/vote", vote, methods=["POST"]),
]
