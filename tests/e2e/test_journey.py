"""The whole user journey (scripts/mastodon_py_journey.py) with unmodified Mastodon.py."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "mastodon_py_journey.py"


def test_mastodon_py_journey(server):
    done = subprocess.run([sys.executable, str(SCRIPT), server.url], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "journey complete" in done.stdout
