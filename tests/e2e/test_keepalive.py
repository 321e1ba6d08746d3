"""Kept-alive connections are closed now and then, the more often the more connections a process serves
(SPARK_KEEPALIVE_REQUESTS), so that the processes of `spark serve --workers N` share the load; clients
reconnect and lose nothing."""

import http.client
import socket

from tests.harness import running_server


def test_a_lone_client_keeps_its_connection(tmp_path):
    with running_server(tmp_path) as srv:  # its own server: on a shared one, other tests' clients count
        closes = _closes(srv, 300)
    assert closes <= 3  # one in 1,000 responses on average


def _get(sock: socket.socket) -> bytes:
    """One request on `sock`, and everything the server sends until it closes the connection."""
    sock.sendall(b"GET /api/v1/instance HTTP/1.1\r\nHost: x\r\n\r\n")
    received = b""
    while chunk := sock.recv(65536):  # times out, failing the test, if the server keeps it open
        received += chunk
    return received


def test_the_server_closes_the_connections_it_says_it_closes(tmp_path):
    with running_server(tmp_path, keepalive_requests="1") as srv:
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
                head = _get(sock).split(b"\r\n\r\n", 1)[0].lower()
            assert head.startswith(b"http/1.1 200") and b"connection: close" in head


def _closes(srv, requests_made: int = 50) -> int:
    """How many of `requests_made` responses on one kept-alive connection said `Connection: close`."""
    connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    closes = 0
    for _ in range(requests_made):
        connection.request("GET", "/api/v1/instance")
        response = connection.getresponse()
        assert response.status == 200
        response.read()
        closes += response.getheader("connection", "").lower() == "close"
    connection.close()
    return closes


def test_zero_never_closes_a_kept_alive_connection(tmp_path):
    with running_server(tmp_path, keepalive_requests="0") as srv:
        assert _closes(srv) == 0


def test_behind_a_trusted_proxy_the_server_leaves_closing_to_the_proxy(tmp_path):
    """README: SPARK_KEEPALIVE_REQUESTS is off when SPARK_TRUSTED_PROXIES is set; with 1 it would close every
    connection (test above)."""
    with running_server(tmp_path, keepalive_requests="1", trusted_proxies="127.0.0.1") as srv:
        assert _closes(srv) == 0


def test_several_processes_without_redis_are_warned_that_streams_stay_in_their_process(tmp_path):
    with running_server(tmp_path / "alone", serve_args=("--workers", "2")) as server:  # it answers /health
        assert "warning: without SPARK_REDIS_URL, a streaming client hears only" in server.log.read_text()
    with running_server(tmp_path / "one") as server:
        assert "SPARK_REDIS_URL" not in server.log.read_text()
