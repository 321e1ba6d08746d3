"""Fan-out past the inline threshold runs as a durable job: the post answers at once, followers'
home feeds and streams fill a moment later, and a post deleted first is not resurrected."""

import json
import subprocess
import sys
import time

import pytest
import requests

from tests.e2e.test_streaming import SSE
from tests.harness import ROOT, backends, running_server, wait_for


def _me(client):
    return client.account_verify_credentials()


@pytest.mark.parametrize("backend", backends())
def test_popular_authors_posts_reach_followers_through_the_worker(tmp_path, backend):
    with running_server(tmp_path, backend=backend, fanout_inline_max=1) as server:
        author, first, second = server.new_user(), server.new_user(), server.new_user()
        for follower in (first, second):
            follower.account_follow(_me(author)["id"])
        assert _me(author)["followers_count"] == 2
        stream = SSE(server.url + "/api/v1/streaming/user", first.access_token)
        try:
            time.sleep(0.3)
            post = author.status_post("to my many followers")
            assert post["id"] in [s["id"] for s in author.timeline_home()]  # own feed: at once
            for follower in (first, second):
                assert wait_for(lambda f=follower: post["id"] in [s["id"] for s in f.timeline_home()])
            assert json.loads(stream.next("update"))["id"] == post["id"]
            boost = second.status_reblog(post["id"])  # second has 0 followers: inline
            assert boost["reblog"]["id"] == post["id"]
        finally:
            stream.close()
        gone = author.status_post("deleted at once")
        author.status_delete(gone["id"])
        time.sleep(1.5)
        assert gone["id"] not in [s["id"] for s in first.timeline_home()]
        response = requests.get(server.url + f"/api/v1/statuses/{gone['id']}",
                                headers={"Authorization": f"Bearer {first.access_token}"}, timeout=10)
        assert response.status_code == 404


def test_queued_fan_out_survives_until_a_worker_runs_it(tmp_path):
    """App processes without a worker queue the fan-out durably; a `spark worker` started later does it."""
    with running_server(tmp_path, fanout_inline_max=0, embedded_worker="false") as server:
        author, follower = server.new_user(), server.new_user()
        follower.account_follow(_me(author)["id"])
        post = author.status_post("waiting for a worker")
        time.sleep(1.5)
        assert post["id"] not in [s["id"] for s in follower.timeline_home()]
        server.stop()  # the app process dies with the job still queued
        server.start()
        assert post["id"] not in [s["id"] for s in follower.timeline_home()]
        worker = subprocess.Popen([sys.executable, "-m", "spark", "worker"], env=server.env, cwd=ROOT)
        try:
            assert wait_for(lambda: post["id"] in [s["id"] for s in follower.timeline_home()])
        finally:
            worker.terminate()
            worker.wait(10)
