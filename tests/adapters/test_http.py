"""The federation HTTP client against real local servers: SSRF guard, limits, signatures, double knock."""

import asyncio
import datetime
import socket
import threading
import time

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from spark.adapters.http import FederationHttp, FetchError
from spark.federation.signatures import SignatureError, SigningKey, generate_key_pair, verify_request

PRIVATE, PUBLIC = generate_key_pair()
KEY = SigningKey("https://spark.example/users/alice#main-key", PRIVATE)
ACTIVITY = b'{"type": "Follow", "id": "https://spark.example/follows/1"}'
AP_JSON = "application/activity+json"


def _peer_app(hits: list[dict]) -> Starlette:
    """A remote server that records every request and checks signatures the way an inbox would."""

    async def record(request: Request) -> dict:
        body = await request.body()
        hit = {"server": request.scope["server"][0], "method": request.method, "path": request.url.path,
               "style": "rfc9421" if "signature-input" in request.headers else
               "cavage" if "signature" in request.headers else None, "body": body}
        if hit["style"]:
            try:
                verify_request(request.method, str(request.url), request.headers, body, PUBLIC)
                hit["verified"] = True
            except SignatureError as error:
                hit["verified"] = str(error)
        hits.append(hit)
        return hit

    async def actor(request):
        await record(request)
        return JSONResponse({"id": str(request.url), "type": "Person"}, media_type=AP_JSON)

    async def redirect(request):
        await record(request)
        return RedirectResponse(request.query_params["to"], status_code=int(request.query_params.get("code", 302)))

    async def inbox(request):
        hit = await record(request)
        return Response(status_code=202 if hit.get("verified") is True else 401)

    async def knock(request):  # a peer that only understands RFC 9421
        hit = await record(request)
        return Response(status_code=202 if hit["style"] == "rfc9421" and hit["verified"] is True else 401)

    async def huge(request):  # 20 MiB over about 3 seconds
        await record(request)

        async def chunks():
            for _ in range(320):
                await asyncio.sleep(0.01)
                if await request.is_disconnected():
                    return
                yield b" " * 65536
        return StreamingResponse(chunks(), media_type=AP_JSON)

    async def declared_huge(request):  # says how big it is up front: refused before reading
        await record(request)
        return Response(b" " * 1_500_000, media_type=AP_JSON)

    async def slow(request):
        await record(request)
        for _ in range(50):
            await asyncio.sleep(0.1)
            if await request.is_disconnected():
                break
        return JSONResponse({}, media_type=AP_JSON)

    async def drip(request):  # never idle long enough for a read timeout: only a total deadline stops it
        await record(request)

        async def trickle():
            yield b"{"
            for _ in range(100):
                await asyncio.sleep(0.1)
                if await request.is_disconnected():
                    return
                yield b" "
        return StreamingResponse(trickle(), media_type=AP_JSON)

    async def html(request):
        await record(request)
        return PlainTextResponse("<html></html>", media_type="text/html")

    async def array(request):
        await record(request)
        return JSONResponse([1, 2], media_type=AP_JSON)

    return Starlette(routes=[
        Route("/actor", actor), Route("/redirect", redirect, methods=["GET", "POST"]),
        Route("/inbox", inbox, methods=["POST"]), Route("/knock", knock, methods=["POST"]),
        Route("/huge", huge), Route("/declared-huge", declared_huge), Route("/slow", slow), Route("/drip", drip),
        Route("/html", html), Route("/array", array),
    ])


class Peer:
    """The app above served by uvicorn in a thread, listening on one port per loopback address."""

    def __init__(self, addresses=("127.0.0.1",), **ssl):
        self.hits: list[dict] = []
        self.sockets = []
        for address in addresses:
            sock = socket.socket()
            sock.bind((address, 0))
            self.sockets.append(sock)
        self.server = uvicorn.Server(uvicorn.Config(_peer_app(self.hits), lifespan="off", log_level="warning",
                                                    timeout_graceful_shutdown=1, **ssl))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": self.sockets}, daemon=True)

    def url(self, path: str, index: int = 0, host: str | None = None, scheme: str = "http") -> str:
        address, port = self.sockets[index].getsockname()
        return f"{scheme}://{host or address}:{port}{path}"

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "peer did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def peer():
    with Peer(addresses=("127.0.0.1", "127.0.0.2")) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_hits(request):
    if "peer" in request.fixturenames:
        request.getfixturevalue("peer").hits.clear()


def _run(make_client, scenario):
    async def main():
        client = make_client()
        try:
            return await scenario(client)
        finally:
            await client.close()
    return asyncio.run(main())


def _client(**options):
    return lambda: FederationHttp(user_agent="Spark/test (+https://spark.example)", **options)


def _fetch_error(make_client, scenario) -> FetchError:
    with pytest.raises(FetchError) as caught:
        _run(make_client, scenario)
    return caught.value


# -- the SSRF guard -------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_private_addresses_are_refused_before_any_connection(host):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    with listener:
        error = _fetch_error(_client(), lambda http: http.get_json(f"http://{host}:{port}/actor"))
        assert "refusing private address" in str(error) and error.status is None
        error = _fetch_error(_client(), lambda http: http.post_json(f"http://{host}:{port}/inbox", ACTIVITY, key=KEY))
        assert "refusing private address" in str(error)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody ever knocked


def test_private_addresses_are_reachable_when_allowed(peer):
    document = _run(_client(allow_private=True), lambda http: http.get_json(peer.url("/actor")))
    assert document == {"id": peer.url("/actor"), "type": "Person"}
    document = _run(_client(allowed_networks=["127.0.0.1/32"]), lambda http: http.get_json(peer.url("/actor")))
    assert document["type"] == "Person"


def test_a_redirect_to_a_private_address_is_refused(peer):
    private_target = peer.url("/actor", index=1)  # 127.0.0.2: loopback, and not in the allowed network
    error = _fetch_error(_client(allowed_networks=["127.0.0.1/32"]),
                         lambda http: http.get_json(peer.url(f"/redirect?to={private_target}")))
    assert "refusing private address 127.0.0.2" in str(error)
    assert [hit["server"] for hit in peer.hits] == ["127.0.0.1"]
    peer.hits.clear()
    document = _run(_client(allowed_networks=["127.0.0.0/8"]),
                    lambda http: http.get_json(peer.url(f"/redirect?to={private_target}")))
    assert document["id"] == private_target
    assert [hit["server"] for hit in peer.hits] == ["127.0.0.1", "127.0.0.2"]


def test_redirects_are_rechecked_and_bounded(peer):
    error = _fetch_error(_client(allow_private=True),
                         lambda http: http.get_json(peer.url("/redirect?to=file:///etc/passwd")))
    assert "scheme" in str(error)
    for location in ["http://[::1", "http://exa mple.com/", "http://127.0.0.1:99999/"]:
        url = peer.url(f"/redirect?to={location}")
        _fetch_error(_client(allow_private=True), lambda http, url=url: http.get_json(url))
    hop = peer.url("/actor")
    for _ in range(3):
        hop = peer.url("/redirect?to=") + hop.replace("&", "%26").replace("?", "%3F").replace("=", "%3D")
    assert _run(_client(allow_private=True), lambda http: http.get_json(hop))["type"] == "Person"
    peer.hits.clear()
    hop = peer.url("/redirect?to=") + hop.replace("&", "%26").replace("?", "%3F").replace("=", "%3D")
    error = _fetch_error(_client(allow_private=True), lambda http: http.get_json(hop))
    assert str(error) == "too many redirects" and len(peer.hits) == 4


@pytest.mark.parametrize("url", ["ftp://example.com/actor", "file:///etc/passwd", "gopher://example.com/",
                                 "javascript:alert(1)", "http://user:secret@example.com/", "not a url", "http://"])
def test_only_plain_http_and_https_urls_are_fetched(url):
    error = _fetch_error(_client(allow_private=True), lambda http: http.get_json(url))
    assert error.status is None


# -- limits ---------------------------------------------------------------------------------------

def test_a_server_that_never_answers_times_out(peer):
    started = time.monotonic()
    error = _fetch_error(_client(allow_private=True, timeout=0.5), lambda http: http.get_json(peer.url("/slow")))
    assert str(error) == "timed out" and error.status is None
    assert time.monotonic() - started < 2


def test_a_server_that_drips_its_body_is_cut_off_by_the_total_deadline(peer):
    started = time.monotonic()
    error = _fetch_error(_client(allow_private=True, timeout=1.0), lambda http: http.get_json(peer.url("/drip")))
    assert str(error) == "timed out"
    assert time.monotonic() - started < 3


def test_huge_bodies_are_aborted_early(peer):
    started = time.monotonic()
    error = _fetch_error(_client(allow_private=True, max_bytes=100_000),
                         lambda http: http.get_json(peer.url("/huge")))
    assert str(error) == "response too large" and error.status == 200
    assert time.monotonic() - started < 1.5  # gave up after a few chunks, long before the end
    error = _fetch_error(_client(allow_private=True), lambda http: http.get_json(peer.url("/declared-huge")))
    assert str(error) == "response too large"


def test_non_json_and_non_object_answers_are_refused(peer):
    error = _fetch_error(_client(allow_private=True), lambda http: http.get_json(peer.url("/html")))
    assert str(error).startswith("not JSON") and error.status == 200
    error = _fetch_error(_client(allow_private=True), lambda http: http.get_json(peer.url("/array")))
    assert str(error) == "JSON is not an object"
    error = _fetch_error(_client(allow_private=True), lambda http: http.get_json(peer.url("/missing")))
    assert error.status == 404


# -- signatures -----------------------------------------------------------------------------------

def test_a_signed_get_verifies_on_the_other_side(peer):
    _run(_client(allow_private=True), lambda http: http.get_json(peer.url("/actor?page=1"), key=KEY))
    assert [(hit["style"], hit["verified"]) for hit in peer.hits] == [("cavage", True)]


def test_a_delivery_is_signed_and_verifies_on_the_other_side(peer):
    status = _run(_client(allow_private=True), lambda http: http.post_json(peer.url("/inbox"), ACTIVITY, key=KEY))
    assert status == 202
    [hit] = peer.hits
    assert (hit["style"], hit["verified"], hit["body"]) == ("cavage", True, ACTIVITY)


def test_double_knock_retries_once_with_rfc9421(peer):
    status = _run(_client(allow_private=True), lambda http: http.post_json(peer.url("/knock"), ACTIVITY, key=KEY))
    assert status == 202
    assert [(hit["style"], hit["verified"]) for hit in peer.hits] == [("cavage", True), ("rfc9421", True)]


def test_deliveries_do_not_follow_redirects(peer):
    url = peer.url("/redirect?code=307&to=" + peer.url("/inbox"))
    status = _run(_client(allow_private=True), lambda http: http.post_json(url, ACTIVITY, key=KEY))
    assert status == 307 and len(peer.hits) == 1


def test_many_requests_share_the_keep_alive_pool(peer):
    async def scenario(http):
        return await asyncio.gather(*(http.get_json(peer.url("/actor")) for _ in range(20)))
    assert len(_run(_client(allow_private=True, max_connections=4), scenario)) == 20


# -- TLS ------------------------------------------------------------------------------------------

def _certificate_authority(tmp_path):
    """A throwaway CA and a certificate for "localhost" signed by it."""
    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject, issuer, public_key, signing_key, *, ca, names=()):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(list(names)), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Spark test CA")])
    ca = certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    server = certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]), ca_name,
                         server_key.public_key(), ca_key, ca=False,
                         names=[x509.DNSName("localhost")])  # no IP: only SNI "localhost" passes
    paths = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
    return paths


def test_https_checks_the_certificate_against_the_host_name_and_honours_ssl_cert_file(tmp_path, monkeypatch):
    paths = _certificate_authority(tmp_path)
    with Peer(ssl_certfile=str(paths["cert"]), ssl_keyfile=str(paths["key"])) as tls_peer:
        url = tls_peer.url("/actor", host="localhost", scheme="https")
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        error = _fetch_error(_client(allow_private=True), lambda http: http.get_json(url))
        assert "CERTIFICATE_VERIFY_FAILED" in str(error)
        monkeypatch.setenv("SSL_CERT_FILE", str(paths["ca"]))
        document = _run(_client(allow_private=True), lambda http: http.get_json(url, key=KEY))
        assert document["id"] == url
        assert [(hit["style"], hit["verified"]) for hit in tls_peer.hits] == [("cavage", True)]
        status = _run(_client(allow_private=True), lambda http: http.post_json(
            tls_peer.url("/inbox", host="localhost", scheme="https"), ACTIVITY, key=KEY))
        assert status == 202
