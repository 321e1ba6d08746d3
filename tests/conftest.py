"""Shared fixtures: one real Spark server per storage backend for the session."""

from __future__ import annotations

import pytest

from tests.harness import backends, running_server


@pytest.fixture(scope="session", params=backends())
def server(request, tmp_path_factory):
    """A running Spark server (SQLite, and PostgreSQL when SPARK_TEST_DATABASE_URL is set)."""
    with running_server(tmp_path_factory.mktemp(f"spark-{request.param}"), backend=request.param) as srv:
        yield srv


@pytest.fixture
def api(server):
    """A fresh user's Mastodon.py client on the shared server."""
    return server.new_user()
