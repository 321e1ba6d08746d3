"""Outgoing federation HTTP: signed GETs and POSTs, bounded in time and size, that cannot reach our own network.

The SSRF guard lives in httpcore's network backend, under the connection pool: each new connection resolves
the host itself, refuses private addresses, then connects to the very address it checked, so a second DNS
answer cannot slip in between check and connect (DNS rebinding). Everything above it keeps the real host
name: the pool key, the Host header, TLS SNI and the certificate check. (Rewriting URLs to IP literals plus
the `sni_hostname` extension would pool connections by IP, sharing one TLS session across virtual hosts.)
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import httpcore
import httpx
import orjson

from spark.federation.signatures import SigningKey, sign_request

AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
MAX_REDIRECTS = 3
# A peer that refuses our draft-cavage signature may only speak RFC 9421: knock again, once, in that style.
# https://swicg.github.io/activitypub-http-signature/#how-to-upgrade-supported-versions
DOUBLE_KNOCK = frozenset({400, 401, 403, 404, 410})
_POST_DRAIN = 64 * 1024  # read this much of a delivery's answer so the connection can be reused


class FetchError(Exception):
    """A remote fetch or delivery failed; `status` is the HTTP status, or None for network trouble."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.status = status


class FederationHttp:
    """The one HTTP client for talking to other servers (keep-alive pool shared by all requests)."""

    def __init__(self, *, user_agent: str, allow_private: bool = False, timeout: float = 10.0,
                 max_bytes: int = 1_000_000, max_connections: int = 200,
                 allowed_networks: Iterable[str] = ()):
        # allowed_networks: private networks reachable anyway (e.g. "127.0.0.1/32" for a local test peer).
        self._timeout = timeout
        self._max_bytes = max_bytes
        guard = _AddressGuard(allow_private, [ipaddress.ip_network(net) for net in allowed_networks])
        transport = _GuardedTransport(guard, httpx.Limits(max_connections=max_connections,
                                                          max_keepalive_connections=max_connections,
                                                          keepalive_expiry=15))
        # trust_env=False: no proxies or ~/.netrc credentials from the environment (a netrc password would be
        # sent to whichever server we fetch); the CA bundle still honours SSL_CERT_FILE, see _GuardedTransport.
        self._client = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(timeout), trust_env=False,
                                         headers={"User-Agent": user_agent}, follow_redirects=False)

    async def get_json(self, url: str, *, key: SigningKey | None = None, accept: str = AP_ACCEPT) -> dict:
        """GET a JSON object, signed when `key` is given, following at most 3 redirects (each one re-checked)."""
        async with self._deadline():
            for _ in range(MAX_REDIRECTS + 1):
                target = _checked_url(url)
                headers = {"Accept": accept}
                if key is not None:  # (request-target) host date: docs.joinmastodon.org/spec/security
                    headers.update(sign_request("GET", str(target), None, key))
                async with self._client.stream("GET", target, headers=headers) as response:
                    if response.is_redirect:
                        url = _redirect_target(target, response.headers["location"])
                        continue
                    raw = await self._json_body(response)
                    break
            else:
                raise FetchError("too many redirects")
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise FetchError("invalid JSON", response.status_code) from None
        if not isinstance(document, dict):
            raise FetchError("JSON is not an object", response.status_code)
        return document

    async def post_json(self, url: str, body: bytes, *, key: SigningKey) -> int:
        """POST a signed activity; the final HTTP status (redirects are not followed)."""
        status = await self._post(url, body, key, "cavage")
        if status in DOUBLE_KNOCK:
            status = await self._post(url, body, key, "rfc9421")
        return status

    async def close(self) -> None:
        await self._client.aclose()

    async def _post(self, url: str, body: bytes, key: SigningKey, style: str) -> int:
        target = _checked_url(url)
        headers = {"Content-Type": "application/activity+json", "Accept": AP_ACCEPT}
        headers.update(sign_request("POST", str(target), body, key, style=style))
        async with self._deadline():
            async with self._client.stream("POST", target, content=body, headers=headers) as response:
                seen = 0
                async for chunk in response.aiter_raw():
                    seen += len(chunk)
                    if seen > _POST_DRAIN:
                        break
                return response.status_code

    async def _json_body(self, response: httpx.Response) -> bytes:
        if not response.is_success:
            raise FetchError(f"HTTP {response.status_code}", response.status_code)
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not (media_type.endswith("/json") or media_type.endswith("+json")):
            raise FetchError(f"not JSON ({media_type[:60] or 'no content type'})", response.status_code)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise FetchError("response too large", response.status_code)
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():  # decoded bytes: a gzip bomb is cut off too
            size += len(chunk)
            if size > self._max_bytes:
                raise FetchError("response too large", response.status_code)
            chunks.append(chunk)
        return b"".join(chunks)

    @asynccontextmanager
    async def _deadline(self) -> AsyncIterator[None]:
        """One total deadline over connect, redirects and body (httpx's own timeouts are per operation)."""
        try:
            async with asyncio.timeout(self._timeout):
                yield
        except (TimeoutError, httpx.TimeoutException):
            raise FetchError("timed out") from None
        except httpx.HTTPError as error:
            raise FetchError(f"network error: {error or type(error).__name__}") from None


def _checked_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError("invalid URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(f"refusing URL scheme {parsed.scheme[:20]!r}")
    if parsed.userinfo:
        raise FetchError("refusing credentials in URL")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise FetchError("invalid port")
    return parsed


def _redirect_target(current: httpx.URL, location: str) -> str:
    try:
        return str(current.join(location))
    except (httpx.InvalidURL, ValueError):
        raise FetchError("invalid redirect location") from None


class _AddressGuard:
    """Which resolved addresses we may connect to."""

    def __init__(self, allow_private: bool, allowed_networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]):
        self.allow_private = allow_private
        self.allowed_networks = allowed_networks

    def check(self, host: str, address: str) -> None:
        if self.allow_private:
            return
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id ("fe80::1%eth0")
        if any(ip in network for network in self.allowed_networks):
            return
        if _private(ip):
            raise FetchError(f"refusing private address {ip} for {host[:100]}")


def _private(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv6 form that carries an IPv4 address is judged by that address too (::ffff:127.0.0.1).
        if ip.ipv4_mapped is not None:
            return _private(ip.ipv4_mapped)
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and _private(embedded):
            return True
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve, check every address, connect to a checked one; TLS is then started by httpcore as usual."""

    def __init__(self, guard: _AddressGuard):
        self._guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable | None = None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except (OSError, ValueError, UnicodeError) as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        for address in addresses:  # all of them: a name with one private address is not a public server
            self._guard.check(host, address)
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                      socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for federation")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the guarded backend under its pool (HTTP/1.1 keep-alive)."""

    def __init__(self, guard: _AddressGuard, limits: httpx.Limits):
        # trust_env=True here only picks the CA bundle: SSL_CERT_FILE / SSL_CERT_DIR, else certifi.
        ssl_context = httpx.create_ssl_context(trust_env=True)
        super().__init__(verify=ssl_context, limits=limits)
        # httpx has no parameter for the network backend, so the pool it built is replaced by an equal one
        # that has ours (httpx is pinned exactly; tests/adapters/test_http.py fails if this stops working).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            http1=True, http2=False, network_backend=_GuardedBackend(guard))

