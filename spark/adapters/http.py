"""Outgoing federation HTTP: signed GETs and POSTs, bounded in time and size, that cannot reach our own network.

Built on aiohttp: with 64 deliveries in flight it sustained 1,770 requests/s against a loopback inbox where
httpx managed 178/s (httpcore's pool does work per pooled connection on every request); see the note of the
federation issue. The SSRF guard is the connector's resolver: every name is resolved by us, all its addresses
are checked, and aiohttp connects to exactly those addresses (no second DNS answer between check and connect),
while the Host header, TLS SNI and the certificate check keep the real name. IP-literal hosts never reach a
resolver, so `_checked_url` checks them itself.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import ssl
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp
import orjson
from aiohttp.abc import AbstractResolver
from yarl import URL

from spark.federation.signatures import SigningKey, sign_request

AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
MAX_REDIRECTS = 3
# A peer that refuses our draft-cavage signature may only speak RFC 9421: knock again, once, in that style.
# https://swicg.github.io/activitypub-http-signature/#how-to-upgrade-supported-versions
DOUBLE_KNOCK = frozenset({400, 401, 403, 404, 410})
_POST_DRAIN = 64 * 1024  # read this much of a delivery's answer so the connection can be reused
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A remote fetch or delivery failed; `status` is the HTTP status, or None for network trouble."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.status = status


class FederationHttp:
    """The one HTTP client for talking to other servers (keep-alive pool shared by all requests)."""

    def __init__(self, *, user_agent: str, allow_private: bool = False, timeout: float = 10.0,
                 max_bytes: int = 1_000_000, max_connections: int = 1_500,
                 allowed_networks: Iterable[str] = (), host_map: dict[str, str] | None = None):
        # allowed_networks: private networks reachable anyway (e.g. "127.0.0.1/32" for a local test peer).
        # host_map (tests only, SPARK_FEDERATION_HOSTS): names resolved to these addresses without DNS.
        # max_connections: above a worker's deliveries in flight, those waiting on slow servers included
        # (services/jobs.py: DELIVERY_LANE + MAX_DETACHED), with room for fetches.
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._max_connections = max_connections
        self._user_agent = user_agent
        self._guard = _AddressGuard(allow_private, [ipaddress.ip_network(net) for net in allowed_networks])
        self._host_map = {k.lower().rstrip("."): v for k, v in (host_map or {}).items()}
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        """The session, made inside the running loop on first use (aiohttp binds it to that loop)."""
        if self._session is None or self._session.closed:
            # The CA bundle honours SSL_CERT_FILE / SSL_CERT_DIR (a test network with its own authority).
            context = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or None,
                                                 capath=os.environ.get("SSL_CERT_DIR") or None)
            connector = aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=0, ssl=context,
                                             resolver=_GuardedResolver(self._guard, self._host_map),
                                             keepalive_timeout=15, ttl_dns_cache=60)
            # trust_env=False: no proxies or ~/.netrc credentials from the environment.
            self._session = aiohttp.ClientSession(connector=connector, trust_env=False, auto_decompress=True,
                                                  headers={"User-Agent": self._user_agent},
                                                  timeout=aiohttp.ClientTimeout(total=self._timeout))
        return self._session

    async def get_json(self, url: str, *, key: SigningKey | None = None, accept: str = AP_ACCEPT,
                       activitypub: bool = False) -> dict:
        """GET a JSON object, signed when `key` is given, following at most 3 redirects (each one re-checked).
        `activitypub`: the answer must be an ActivityStreams document from the host that was asked — its
        Content-Type an AS2 one and redirects kept on that host (an open redirect or an uploaded .json file
        would otherwise let anyone publish "objects" on a host they do not control; Akkoma 2024.03,
        https://docs.joinmastodon.org/spec/security/)."""
        origin = self._checked_url(url).host
        try:
            async with asyncio.timeout(self._timeout):  # one deadline over redirects and body
                for _ in range(MAX_REDIRECTS + 1):
                    target = self._checked_url(url)
                    headers = {"Accept": accept}
                    if key is not None:  # (request-target) host date: docs.joinmastodon.org/spec/security
                        headers.update(sign_request("GET", str(target), None, key))
                    async with self._client().get(target, headers=headers, allow_redirects=False) as response:
                        if response.status in (301, 302, 303, 307, 308) and "location" in response.headers:
                            url = _redirect_target(target, response.headers["location"])
                            if activitypub and self._checked_url(url).host != origin:
                                raise FetchError("redirected to another host", response.status)
                            continue
                        if activitypub and not _activity_type(response.headers.get("content-type", "")):
                            raise FetchError("not an ActivityStreams document", response.status)
                        raw = await self._json_body(response)
                        status = response.status
                        break
                else:
                    raise FetchError("too many redirects")
        except TimeoutError:
            raise FetchError("timed out") from None
        except aiohttp.ClientError as error:
            raise FetchError(f"network error: {error or type(error).__name__}") from None
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise FetchError("invalid JSON", status) from None
        if not isinstance(document, dict):
            raise FetchError("JSON is not an object", status)
        return document

    async def post_json(self, url: str, body: bytes, *, key: SigningKey) -> int:
        """POST a signed activity; the final HTTP status (redirects are not followed)."""
        return (await self.deliver(url, body, key=key))[0]

    async def deliver(self, url: str, body: bytes, *, key: SigningKey) -> tuple[int, float | None]:
        """POST a signed activity: (final HTTP status, seconds the server asked us to wait, if it did)."""
        status, retry_after = await self._post(url, body, key, "cavage")
        if status in DOUBLE_KNOCK:
            status, retry_after = await self._post(url, body, key, "rfc9421")
        return status, retry_after

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, url: str, body: bytes, key: SigningKey, style: str) -> tuple[int, float | None]:
        target = self._checked_url(url)
        headers = {"Content-Type": "application/activity+json", "Accept": AP_ACCEPT}
        headers.update(sign_request("POST", str(target), body, key, style=style))
        return await self._send(target, body, headers)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, float | None]:
        """POST a body as it is (a Web Push message too): (final HTTP status, seconds the server asked us to
        wait, if it did); redirects are not followed."""
        return await self._send(self._checked_url(url), body, headers)

    async def _send(self, target: URL, body: bytes, headers: dict[str, str]) -> tuple[int, float | None]:
        try:
            async with asyncio.timeout(self._timeout):
                async with self._client().post(target, data=body, headers=headers, allow_redirects=False) as response:
                    seen = 0
                    async for chunk in response.content.iter_chunked(_CHUNK):
                        seen += len(chunk)
                        if seen > _POST_DRAIN:
                            break
                    return response.status, _retry_after(response.headers.get("retry-after"))
        except TimeoutError:
            raise FetchError("timed out") from None
        except aiohttp.ClientError as error:
            raise FetchError(f"network error: {error or type(error).__name__}") from None

    async def _json_body(self, response: aiohttp.ClientResponse) -> bytes:
        if not 200 <= response.status < 300:
            raise FetchError(f"HTTP {response.status}", response.status)
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not (media_type.endswith("/json") or media_type.endswith("+json")):
            raise FetchError(f"not JSON ({media_type[:60] or 'no content type'})", response.status)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise FetchError("response too large", response.status)
        chunks, size = [], 0
        async for chunk in response.content.iter_chunked(_CHUNK):  # decoded bytes: a gzip bomb is cut off too
            size += len(chunk)
            if size > self._max_bytes:
                raise FetchError("response too large", response.status)
            chunks.append(chunk)
        return b"".join(chunks)

    def _checked_url(self, url: str) -> URL:
        try:
            parsed = URL(url)
        except (TypeError, ValueError):
            raise FetchError("invalid URL") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise FetchError(f"refusing URL scheme {parsed.scheme[:20]!r}")
        if parsed.user is not None or parsed.password is not None:
            raise FetchError("refusing credentials in URL")
        try:
            port = parsed.port
        except ValueError:
            raise FetchError("invalid port") from None
        if port is not None and not 0 < port < 65536:
            raise FetchError("invalid port")
        host = parsed.host.strip("[]")
        try:
            literal = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            literal = None
        if literal is not None:
            self._guard.check(host, str(literal))
        return parsed


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delay-seconds or an HTTP date, RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


def _activity_type(content_type: str) -> bool:
    """application/activity+json or application/ld+json (AS2 §2.1; the profile is not required, as Mastodon)."""
    return content_type.partition(";")[0].strip().lower() in ("application/activity+json", "application/ld+json")


def _redirect_target(current: URL, location: str) -> str:
    try:
        return str(current.join(URL(location)))
    except (TypeError, ValueError):
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


class _GuardedResolver(AbstractResolver):
    """Resolve, check every address (a name with one private address is not a public server), answer."""

    def __init__(self, guard: _AddressGuard, host_map: dict[str, str]):
        self._guard = guard
        self._host_map = host_map

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict]:
        mapped = self._mapped(host)  # the test-only name table, answering as DNS would
        if mapped:
            addresses = [(socket.AF_INET6 if ":" in mapped else socket.AF_INET, mapped)]
        else:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                                     family=family)
            except (OSError, UnicodeError) as error:
                raise OSError(f"cannot resolve {host}: {error}") from None
            addresses = list(dict.fromkeys((info[0], info[4][0]) for info in infos))
        for _, address in addresses:
            self._guard.check(host, address)
        return [{"hostname": host, "host": address, "port": port, "family": fam, "proto": 0,
                 "flags": socket.AI_NUMERICHOST} for fam, address in addresses]

    def _mapped(self, host: str) -> str | None:
        """The address the test-only table gives `host` ("*.fake" covers every name under .fake), or None."""
        if not self._host_map:
            return None
        name = host.lower().rstrip(".")
        if name in self._host_map:
            return self._host_map[name]
        return next((address for pattern, address in self._host_map.items()
                     if pattern.startswith("*.") and name.endswith(pattern[1:])), None)

    async def close(self) -> None:
        return None
