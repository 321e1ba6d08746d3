"""Remote HTML is sanitized before anyone sees it (RELIABILITY.md item 10): scripts, event handlers,
javascript: links, SVG and broken markup in a remote post, its content warning, poll and author
profile never reach Mastodon API output as markup; Markdown content is shown as text."""

from __future__ import annotations

import json
import re

import pytest

from tests.federation.support import local_follower, settle, spark_with_origin
from tests.harness import backends

ATTACKS = ('<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">click</a>'
           '<svg onload="alert(4)"><circle r="1"/></svg><iframe src="http://evil.test/"></iframe>'
           '<p style="background:url(javascript:alert(5))" onclick="alert(6)">unclosed <b><i>tags'
           '<span>closed by</p><a href="data:text/html,&lt;script&gt;alert(7)&lt;/script&gt;">data</a>')
EXECUTABLE = re.compile(r"<script|<svg|<iframe|<img|<style|javascript:|data:text|\bon[a-z]+\s*=|style=", re.I)


@pytest.fixture(scope="module", params=backends())
def world(request, tmp_path_factory):
    with spark_with_origin(tmp_path_factory.mktemp("remote-html"), request.param) as (spark, origin):
        evil = origin.actor(
            "evil.test", "a", name='<b onmouseover="alert(8)">Evil</b><script>alert(9)</script> Name',
            summary=ATTACKS, attachment=[
                {"type": "PropertyValue", "name": '<img src=x onerror="alert(10)">Site', "value": ATTACKS},
                {"type": "PropertyValue", "name": "Plain", "value": '<a href="https://ok.test/" rel="me">ok</a>'}],
            tag=[{"type": "Emoji", "name": ':x" onerror="alert(11):',
                  "icon": {"type": "Image", "url": "javascript:alert(12)"}}])
        client, _ = local_follower(spark, origin, evil, username="lain")
        yield spark, origin, client, evil


def test_remote_post_cw_poll_and_profile_have_no_executable_markup(world):
    spark, origin, client, evil = world
    note = evil.note("unused", type="Question", content=ATTACKS + "<p>visible text</p>",
                     summary='<script>alert(13)</script>Careful <b onclick="x()">now</b>', sensitive=True,
                     oneOf=[{"type": "Note", "name": '<img src=x onerror="alert(14)">yes'},
                            {"type": "Note", "name": "<script>alert(15)</script>no"}],
                     endTime="2099-01-01T00:00:00Z",
                     tag=[{"type": "Emoji", "name": ':blob<script>:', "icon": {"url": "javascript:alert(16)"}}])
    assert origin.post(spark.url + "/inbox", evil.create(note), evil).status_code == 202
    settle(spark)
    found = client.search_v2(note["id"], resolve=True, result_type="statuses")["statuses"]
    assert found, "the post was not stored"
    status = client.status(found[0]["id"])
    output = json.dumps(status, default=str) + json.dumps(client.account(status["account"]["id"]), default=str)
    assert not EXECUTABLE.findall(output), EXECUTABLE.findall(output)
    assert "visible text" in status["content"] and "click" in status["content"]
    assert status["spoiler_text"] == "Careful now"
    assert [o["title"] for o in status["poll"]["options"]] == ["yes", "no"]
    account = status["account"]
    assert account["display_name"] == "Evil Name"
    assert [f["name"] for f in account["fields"]] == ["Site", "Plain"]
    assert 'href="https://ok.test/"' in account["fields"][1]["value"]


def test_markdown_content_is_text_not_html(world):
    spark, origin, client, evil = world
    video = evil.note("unused", type="Video", name="A video", mediaType="text/markdown",
                      content='**Bold** and <b>raw html</b> and <a href="javascript:alert(1)">link</a>\r\nnext line',
                      url=[{"type": "Link", "mediaType": "text/html", "href": evil.url("/videos/watch/1")}])
    assert origin.post(spark.url + "/inbox", evil.create(video), evil).status_code == 202
    settle(spark)
    found = client.search_v2(video["id"], resolve=True, result_type="statuses")["statuses"]
    assert found, "the video was not stored"
    content = found[0]["content"]
    assert "A video" in content and evil.url("/videos/watch/1") in content
    assert "<b>raw html</b>" not in content and "&lt;b&gt;raw html&lt;/b&gt;" in content
    assert '<a href="javascript:' not in content and "&lt;a href=" in content  # shown as the text it is
