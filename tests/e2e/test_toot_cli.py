"""The `toot` command-line client, unmodified, against a real Spark server."""

import os
import subprocess
import sys
from pathlib import Path

TOOT = str(Path(sys.executable).with_name("toot"))


def _toot(env, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([TOOT, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60)


def test_toot_logs_in_posts_and_reads_the_timeline(server, tmp_path):
    username, _ = server.register(password="toot password 123")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    login = _toot(env, "login_cli", "--instance", server.url, "--email", f"{username}@example.org",
                  stdin="toot password 123\n")
    assert login.returncode == 0, login.stdout + login.stderr
    whoami = _toot(env, "whoami")
    assert whoami.returncode == 0, whoami.stderr
    assert username in whoami.stdout
    posted = _toot(env, "post", "hello from toot #cli")
    assert posted.returncode == 0, posted.stderr
    timeline = _toot(env, "timelines", "home", "--no-pager", "--no-clear", "--json")
    assert timeline.returncode == 0, timeline.stderr
    assert "hello from toot" in timeline.stdout
    instance = _toot(env, "instance", server.url)
    assert instance.returncode == 0, instance.stderr
    assert "Spark" in instance.stdout
