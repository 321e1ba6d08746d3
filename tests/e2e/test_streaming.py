"""The streaming API over real sockets: Server-Sent Events, WebSocket, Mastodon.py's stream_user,
and (with Redis) a post made through one process reaching a listener on another."""

import io
import json
import os
import queue
import threading
import time

import pytest
import requests
from mastodon import StreamListener
from PIL import Image
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.harness import running_server


def _me(client):
    return client.account_verify_credentials()


class SSE:
    """Reads one SSE stream in a thread; `next(event)` waits for the next event of that kind."""

    def __init__(self, url: str, token: str | None = None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.response = requests.get(url, headers=headers, stream=True, timeout=30)
        self.events: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        event = None
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event:
                    self.events.put((event, line[6:]))
                    event = None
        except (requests.RequestException, AttributeError):  # closed by the test while reading
            pass
        self.events.put(("closed", ""))

    def next(self, kind: str, timeout: float = 10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                event, data = self.events.get(timeout=max(deadline - time.time(), 0.01))
            except queue.Empty:
                break
            if event == kind:
                return data
        raise AssertionError(f"no {kind} event within {timeout} s")

    def quiet(self, seconds: float = 1.5) -> list:
        time.sleep(seconds)
        seen = []
        while not self.events.empty():
            seen.append(self.events.get())
        return seen

    def close(self):
        self.response.close()


def _ws_url(server, **query):
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return server.url.replace("http://", "ws://") + "/api/v1/streaming" + (f"?{params}" if params else "")


def _ws_next(ws, event: str, timeout: float = 10) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        message = json.loads(ws.recv(timeout=max(deadline - time.time(), 0.01)))
        if message.get("event") == event:
            return message
    raise AssertionError(f"no {event} within {timeout} s")


def test_user_stream_gets_posts_notifications_and_deletes(server):
    reader, author = server.new_user(), server.new_user()
    reader.account_follow(_me(author)["id"])
    stream = SSE(server.url + "/api/v1/streaming/user", reader.access_token)
    try:
        time.sleep(0.3)
        post = author.status_post("hello, live")
        assert json.loads(stream.next("update"))["id"] == post["id"]
        author.status_post(f"@{_me(reader)['username']} look")
        notification = json.loads(stream.next("notification"))
        assert notification["type"] == "mention" and notification["account"]["id"] == _me(author)["id"]
        author.status_delete(post["id"])
        assert stream.next("delete") == post["id"]
    finally:
        stream.close()


def test_private_posts_and_blocked_authors_stay_off_streams(server):
    author, stranger, blocker = server.new_user(), server.new_user(), server.new_user()
    blocker.account_follow(_me(author)["id"])
    public = SSE(server.url + "/api/v1/streaming/public/local")
    strangers = SSE(server.url + "/api/v1/streaming/user", stranger.access_token)
    blockers = SSE(server.url + "/api/v1/streaming/user", blocker.access_token)
    try:
        time.sleep(0.3)
        author.status_post("followers only", visibility="private")
        assert [e for e in public.quiet() + strangers.quiet() if e[0] == "update"] == []
        assert json.loads(blockers.next("update"))["visibility"] == "private"
        blocker.account_block(_me(author)["id"])
        author.status_post("after the block")
        assert [e for e in blockers.quiet() if e[0] == "update"] == []
    finally:
        for stream in (public, strangers, blockers):
            stream.close()


def test_mutes_and_filters_made_while_streaming_apply_at_once(server):
    author, reader, other = server.new_user(), server.new_user(), server.new_user()
    readers = SSE(server.url + "/api/v1/streaming/public/local", reader.access_token)
    others = SSE(server.url + "/api/v1/streaming/public/local", other.access_token)
    try:
        time.sleep(0.3)
        reader.create_filter_v2("spoilers", context=["public"], filter_action="warn",
                                keywords_attributes=[{"keyword": "finale"}])
        reader.create_filter_v2("noise", context=["public"], filter_action="hide",
                                keywords_attributes=[{"keyword": "spam"}])
        warned = author.status_post("the finale was great")
        shown = json.loads(readers.next("update"))
        assert shown["id"] == warned["id"] and shown["filtered"][0]["filter"]["title"] == "spoilers"
        assert "filtered" not in json.loads(others.next("update"))
        author.status_post("buy spam now")
        assert "spam" in json.loads(others.next("update"))["content"]
        reader.account_mute(_me(author)["id"])
        time.sleep(0.3)
        author.status_post("muted words")
        assert "muted" in json.loads(others.next("update"))["content"]
        assert [e for e in readers.quiet(1) if e[0] == "update"] == []
    finally:
        readers.close()
        others.close()


def test_bad_streams_and_tokens_get_clear_errors(server, api):
    assert requests.get(server.url + "/api/v1/streaming/health", timeout=10).text == "OK"
    unknown = requests.get(server.url + "/api/v1/streaming/nonsense", timeout=10)
    assert unknown.status_code == 400 and unknown.json()["error"] == "Unknown stream type"
    assert requests.get(server.url + "/api/v1/streaming/user", timeout=10).status_code == 401
    bad = requests.get(server.url + "/api/v1/streaming/user", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert bad.status_code == 401 and "error" in bad.json()
    assert requests.get(server.url + "/api/v1/streaming/hashtag", timeout=10).status_code == 400
    other_list = server.new_user().list_create("theirs")
    response = requests.get(server.url + f"/api/v1/streaming/list?list={other_list['id']}",
                            headers={"Authorization": f"Bearer {api.access_token}"}, timeout=10)
    assert response.status_code == 404
    with pytest.raises(InvalidStatus) as refused:
        connect(_ws_url(server, access_token="nope"), open_timeout=10)
    assert refused.value.response.status_code == 401


def test_websocket_carries_several_streams(server):
    reader, author = server.new_user(), server.new_user()
    reader.account_follow(_me(author)["id"])
    with connect(_ws_url(server, access_token=reader.access_token, stream="user"), open_timeout=10) as ws:
        ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "Sparkling"}))
        ws.send(json.dumps({"type": "subscribe", "stream": "hashtag"}))
        assert json.loads(ws.recv(timeout=10)) == {"error": "No tag for stream provided", "status": 400}
        ws.send("not json")
        assert json.loads(ws.recv(timeout=10))["status"] == 400
        time.sleep(0.3)
        post = author.status_post("so #sparkling")
        seen = {tuple(_ws_next(ws, "update")["stream"]) for _ in range(2)}
        assert seen == {("user",), ("hashtag", "sparkling")}
        ws.send(json.dumps({"type": "unsubscribe", "stream": "user"}))
        time.sleep(0.3)
        author.status_update(post["id"], status="so #sparkling, edited")
        message = _ws_next(ws, "status.update")
        assert message["stream"] == ["hashtag", "sparkling"] and "edited" in json.loads(message["payload"])["content"]


def test_revoked_token_closes_its_stream_at_once(server):
    username, _ = server.register()
    app = requests.post(server.url + "/api/v1/apps", data={
        "client_name": "revoker", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read"}, timeout=10).json()
    client = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    token = requests.post(server.url + "/oauth/token", data={
        "grant_type": "password", "username": f"{username}@example.org", "password": "correct horse battery",
        "scope": "read", **client}, timeout=30).json()["access_token"]
    with connect(_ws_url(server, access_token=token, stream="user"), open_timeout=10) as ws:
        time.sleep(0.3)
        assert requests.post(server.url + "/oauth/revoke", data={"token": token, **client}, timeout=10).ok
        started = time.time()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=5)
        assert closed.value.rcvd.code == 4003 and time.time() - started < 2
    assert requests.get(server.url + "/api/v1/streaming/user", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).status_code == 401


def test_mastodon_py_stream_user(server):
    reader, author = server.new_user(), server.new_user()
    reader.account_follow(_me(author)["id"])
    received = queue.Queue()

    class Listener(StreamListener):
        def on_update(self, status):
            received.put(status)

    handle = reader.stream_user(Listener(), run_async=True, reconnect_async=False)
    try:
        time.sleep(0.5)
        post = author.status_post("for mastodon.py")
        assert received.get(timeout=10)["id"] == post["id"]
    finally:
        handle.close()


@pytest.mark.skipif(not os.environ.get("SPARK_TEST_REDIS_URL") or not os.environ.get("SPARK_TEST_DATABASE_URL"),
                    reason="needs PostgreSQL and Redis (set by .ci/run)")
def test_post_through_one_process_reaches_a_listener_on_another(tmp_path):
    with running_server(tmp_path, backend="postgres", redis_url=os.environ["SPARK_TEST_REDIS_URL"]) as first:
        reader, author = first.new_user(), first.new_user()
        reader.account_follow(_me(author)["id"])
        with first.sibling() as second:
            stream = SSE(second.url + "/api/v1/streaming/user", reader.access_token)
            try:
                time.sleep(0.5)
                post = author.status_post("across processes")
                assert json.loads(stream.next("update"))["id"] == post["id"]
            finally:
                stream.close()


def test_streams_past_the_cap_are_refused_cleanly(tmp_path):
    with running_server(tmp_path, streaming_max_connections=2) as server:
        held = [SSE(server.url + "/api/v1/streaming/public"), SSE(server.url + "/api/v1/streaming/public")]
        try:
            time.sleep(0.3)
            refused = requests.get(server.url + "/api/v1/streaming/public", timeout=10)
            assert refused.status_code == 503 and "try again" in refused.json()["error"]
            with pytest.raises(InvalidStatus) as denied:
                connect(_ws_url(server), open_timeout=10)
            assert denied.value.response.status_code == 503
            assert requests.get(server.url + "/api/v1/timelines/public", timeout=10).status_code == 200
        finally:
            for stream in held:
                stream.close()
        time.sleep(2)  # the heartbeat notices the closed clients and frees their places
        after = SSE(server.url + "/api/v1/streaming/public")
        try:
            user = server.new_user()
            post = user.status_post("room again")
            assert json.loads(after.next("update"))["id"] == post["id"]
        finally:
            after.close()


def test_posting_works_and_loses_nothing_while_redis_is_down(tmp_path):
    from tests.harness import free_port

    dead_redis = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with running_server(tmp_path, redis_url=dead_redis) as server:
        reader, author = server.new_user(), server.new_user()
        reader.account_follow(_me(author)["id"])
        post = author.status_post("posted while redis is away")
        assert post["id"] in [s["id"] for s in reader.timeline_home()]
        assert author.status(post["id"])["content"].startswith("<p>posted while")


def test_queued_jobs_still_run_while_redis_is_down(tmp_path):
    from tests.harness import free_port

    with running_server(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0", fanout_inline_max=0) as server:
        reader, author = server.new_user(), server.new_user()
        reader.account_follow(_me(author)["id"])
        post = author.status_post("fan-out by polling")
        deadline = time.time() + 10
        while post["id"] not in [s["id"] for s in reader.timeline_home()]:
            assert time.time() < deadline, "the queued fan-out never ran"
            time.sleep(0.2)


def test_streams_say_so_while_redis_is_down(tmp_path):
    from tests.harness import free_port

    with running_server(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0") as server:
        response = requests.get(server.url + "/api/v1/streaming/public", timeout=10)
        assert response.status_code == 503 and "unavailable" in response.json()["error"]
        with connect(_ws_url(server, stream="public"), open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10))["status"] == 503


def test_websocket_token_in_the_subprotocol_header(server):
    reader, author = server.new_user(), server.new_user()
    with connect(_ws_url(server, stream="public:local"), subprotocols=[reader.access_token],
                 open_timeout=10) as ws:
        time.sleep(0.3)
        post = author.status_post("protocol token")
        message = _ws_next(ws, "update")
        assert message["stream"] == ["public:local"] and json.loads(message["payload"])["id"] == post["id"]
        assert "favourited" in json.loads(message["payload"])  # rendered for a signed-in listener


def test_each_stream_carries_only_its_own_events(server):
    author, reader = server.new_user(), server.new_user()
    author_id = _me(author)["id"]
    reader.account_follow(author_id)
    listed = reader.list_create("friends")
    reader.list_accounts_add(listed["id"], [author_id])
    streams = {name: SSE(server.url + f"/api/v1/streaming/{path}", reader.access_token) for name, path in [
        ("notifications", "user/notification"), ("list", f"list?list={listed['id']}"),
        ("media", "public/local/media"), ("tag", "hashtag/local?tag=Streams"), ("user", "user")]}
    try:
        time.sleep(0.3)
        plain = author.status_post("#streams without a picture")
        image = io.BytesIO()
        Image.new("RGB", (64, 64), (200, 30, 30)).save(image, "PNG")
        media = author.media_post(image.getvalue(), mime_type="image/png", description="red")
        pictured = author.status_post("with a picture", media_ids=[media["id"]])
        author.status_favourite(reader.status_post("like me")["id"])
        reader.create_filter_v2("quiet", context=["home"], filter_action="warn",
                                keywords_attributes=[{"keyword": "nothing"}])

        assert json.loads(streams["list"].next("update"))["id"] == plain["id"]
        assert json.loads(streams["tag"].next("update"))["id"] == plain["id"]
        assert json.loads(streams["media"].next("update"))["id"] == pictured["id"]  # the plain one was skipped
        notification = json.loads(streams["notifications"].next("notification"))
        assert notification["type"] == "favourite"
        streams["user"].next("filters_changed")
        assert {e for e, _ in streams["notifications"].quiet(0.5)} <= {"notification"}
        assert [e for e in streams["tag"].quiet(0.5) if e[0] == "update"] == []  # the pictured post has no tag
    finally:
        for stream in streams.values():
            stream.close()
