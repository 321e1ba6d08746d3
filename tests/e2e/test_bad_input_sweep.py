"""Every route of the API, the ActivityPub documents and the OAuth and web pages, called with ids that
cannot exist (words, negative, past 64 bits), nonsense query parameters and malformed bodies, signed in
and not: each answer is a client error or a success, never a server error, and the API's errors are JSON."""

import itertools
import re
from urllib.parse import quote

import requests
from starlette.routing import Mount, Route

from spark.api import activitypub, oauth, wellknown
from spark.api.app import API_MODULES
from spark.api.web import authorize, site

IDS = ["abc", "-1", "99999999999999999999999999", "' OR 1=1--"]
QUERIES = [{}, {"limit": "abc", "max_id": "x", "since_id": "-1", "min_id": "9" * 30},
           {"q": "", "type": "nonsense", "offset": "-1", "types[]": ["zzz"], "local": "maybe"}]
BODIES = [{}, {"json": ["not", "an", "object"]},
          {"json": {"status": 5, "poll": "x", "media_ids": "y", "limit": 10**30, "a": [[[[]]]]}},
          {"data": {"status": "", "visibility": "nope", "scheduled_at": "notadate", "in_reply_to_id": "x"}},
          {"data": b"\xff\xfe\x00garbage", "headers": {"Content-Type": "application/json"}}]


def _routes():
    def flat(routes, prefix=""):
        for route in routes:
            if isinstance(route, Mount):
                yield from flat(route.routes, prefix + route.path)
            elif isinstance(route, Route):
                yield prefix + route.path, sorted((route.methods or {"GET"}) - {"HEAD"})

    for module in [*API_MODULES, activitypub, oauth, wellknown, authorize, site]:
        yield from flat(module.routes)


def test_junk_never_gets_a_server_error(server):
    _, token = server.register()
    problems, sent = [], 0
    for path, methods in _routes():
        ids = IDS if "{" in path else [None]
        for method, junk, query, body, signed_in in itertools.product(
                methods, ids, QUERIES, BODIES if {"POST", "PUT", "PATCH"} & set(methods) else [{}], (True, False)):
            if method == "GET" and body:
                continue
            url = server.url + re.sub(r"{[^}]+}", quote(junk or "", safe="").replace("\\", "\\\\"), path)
            options = dict(body)
            headers = {**({"Authorization": f"Bearer {token}"} if signed_in else {}), **options.pop("headers", {})}
            response = requests.request(method, url, params=query, headers=headers, timeout=30,
                                        allow_redirects=False, **options)
            sent += 1
            if response.status_code >= 500:
                problems.append((method, url, query, body, response.status_code))
            elif (response.status_code >= 400 and path.startswith("/api/")
                  and "json" not in response.headers.get("content-type", "")):
                problems.append((method, url, query, body, response.status_code, "not JSON"))
    assert sent > 5000
    assert problems == [], problems[:10]


def test_junk_in_the_web_app_signed_in_never_gets_a_server_error(server):
    name, token = server.register()
    post = server.client(token).status_post("hello #sweep")
    browser = requests.Session()
    browser.get(server.url + "/auth/sign_in", timeout=10)
    browser.post(server.url + "/auth/sign_in", timeout=30, data={
        "csrf_token": browser.cookies["spark_csrf"], "login": name, "password": "correct horse battery"})
    forms = [{}, {"status": "x" * 10_000, "visibility": "nope", "in_reply_to_id": "zz", "spoiler_text": "\x00"},
             {"q": "\x00", "limit": "-1", "title": "", "display_name": "a" * 5000, "note": "<script>", "locked": "maybe",
              "keyword": "", "context": "nope", "expires_in": "abc", "choices": "9", "account_id": "x"}]
    problems, sent = [], 0
    for path, methods in _routes():
        if path.startswith(("/api/", "/users/", "/oauth/token", "/.well-known")) or path == "/auth/sign_out":
            continue
        for method, junk in itertools.product(methods, [*IDS, post["id"]] if "{" in path else [None]):
            url = server.url + re.sub(r"{[^}]+}", quote(junk or "", safe="").replace("\\", "\\\\"), path)
            for form in forms if method == "POST" else [None]:
                data = {**form, "csrf_token": browser.cookies["spark_csrf"]} if form is not None else None
                response = browser.request(method, url, params={"max_id": "x", "q": ""}, data=data, timeout=30,
                                           allow_redirects=False)
                sent += 1
                if response.status_code >= 500:
                    problems.append((method, url, form, response.status_code))
    assert browser.get(server.url + "/home", allow_redirects=False, timeout=10).status_code == 200  # still signed in
    assert sent > 100
    assert problems == [], problems[:10]
