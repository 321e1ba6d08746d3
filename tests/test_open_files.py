"""`spark serve` and `spark worker` raise their open-file limit to what the system allows: each stream and
each delivery holds a socket, and a soft limit of 1,024 (a usual default) would refuse connections long
before the 10,000 streams one process holds."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def soft_open_files(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise AssertionError("no open-files line")


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker"]])
def test_the_soft_limit_is_raised_to_the_hard_one(tmp_path, command):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 256:
        pytest.skip("the hard limit leaves nothing to raise")
    env = {**os.environ, "SPARK_DATA_DIR": str(tmp_path), "SPARK_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    process = subprocess.Popen([sys.executable, "-m", "spark", *command], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard)))
    try:
        deadline = time.time() + 20
        while time.time() < deadline and soft_open_files(process.pid) == 256:
            time.sleep(0.05)
        assert soft_open_files(process.pid) > 256
    finally:
        process.kill()
        process.wait(10)
