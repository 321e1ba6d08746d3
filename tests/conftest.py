"""Shared fixtures: one real Spark server per storage backend for the session."""

from __future__ import annotations

import pytest

from tests.harness import RUNNING, backends, running_server


@pytest.fixture(scope="session", params=backends())
def server(request, tmp_path_factory):
    """A running Spark server (SQLite, and PostgreSQL when SPARK_TEST_DATABASE_URL is set)."""
    with running_server(tmp_path_factory.mktemp(f"spark-{request.param}"), backend=request.param) as srv:
        yield srv


@pytest.fixture
def api(server):
    """A fresh user's Mastodon.py client on the shared server."""
    return server.new_user()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's report ends with the log tails of the servers running then: a failure seen only in
    CI can then be read from its output."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for server in RUNNING:
            report.sections.append((f"log of the server at {server.url} ({server.backend})", server.log_tail()))
