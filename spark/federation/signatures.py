"""HTTP Signatures for ActivityPub: draft-cavage-12 (what the fediverse speaks today) and RFC 9421.

Pure functions over (method, URL, headers, body), shared by the inbox edge and the delivery client.
Protocol references:
- https://docs.joinmastodon.org/spec/security/
- https://datatracker.ietf.org/doc/html/draft-cavage-http-signatures-12
- https://www.rfc-editor.org/rfc/rfc9421 (with RFC 9530 Content-Digest, RFC 8941 structured fields)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit

import http_sf
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

MAX_HEADER_BYTES = 8 * 1024  # a Signature header larger than this is an attack, not a signature
MAX_COVERED = 20
_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
_DEFAULT_PORTS = {"http": 80, "https": 443}


class SignatureError(Exception):
    """A request's signature is missing, malformed or wrong; str() is a short human reason."""


@dataclass(frozen=True)
class SigningKey:
    key_id: str  # e.g. https://host/users/alice#main-key
    private_pem: str


def generate_key_pair() -> tuple[str, str]:
    """A new RSA-2048 pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode("ascii"), public.decode("ascii")


# -- signing --------------------------------------------------------------------------------------

def sign_request(method: str, url: str, body: bytes | None, key: SigningKey, *, style: str = "cavage",
                 now: datetime | None = None) -> dict[str, str]:
    """Headers to add to the request so that the receiver can verify it came from `key`'s owner."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    method = method.upper()
    parts = urlsplit(url)
    private = _private_key(key.private_pem)
    added = {"Date": format_datetime(moment, usegmt=True)}
    if style == "cavage":
        added["Host"] = _authority(parts)
        covered = ["(request-target)", "host", "date"]
        if body is not None:
            # Exactly "SHA-256=": Threads rejects other spellings of the algorithm name.
            added["Digest"] = "SHA-256=" + _b64(hashlib.sha256(body).digest())
            covered.append("digest")
        values = {name.lower(): value for name, value in added.items()}
        values["(request-target)"] = f"{method.lower()} {_request_target(parts)}"
        signed = "\n".join(f"{name}: {values[name]}" for name in covered).encode()
        algorithm = "rsa-sha256" if isinstance(private, rsa.RSAPrivateKey) else "hs2019"
        added["Signature"] = (f'keyId="{key.key_id}",algorithm="{algorithm}",'
                              f'headers="{" ".join(covered)}",signature="{_b64(_sign(private, signed))}"')
        return added
    if style == "rfc9421":
        components = ["@method", "@target-uri"]
        if body is not None:
            added["Content-Digest"] = f"sha-256=:{_b64(hashlib.sha256(body).digest())}:"
            components.append("content-digest")
        alg = "rsa-v1_5-sha256" if isinstance(private, rsa.RSAPrivateKey) else "ed25519"
        params = {"created": int(moment.timestamp()), "keyid": key.key_id, "alg": alg}
        member = ([(name, {}) for name in components], params)
        serialised = _serialise_params(member)
        headers = {name.lower(): value for name, value in added.items()}
        base = _signature_base(member, serialised, method, url, parts, headers)
        added["Signature-Input"] = "sig1=" + serialised
        added["Signature"] = f"sig1=:{_b64(_sign(private, base))}:"
        return added
    raise ValueError(f"unknown signature style {style!r}")


# -- verifying ------------------------------------------------------------------------------------

def signature_key_id(headers: Mapping[str, str]) -> str | None:
    """The keyId a request claims to be signed with (either format), or None; does not verify."""
    h = _lower(headers)
    try:
        if "signature-input" in h:
            _, (_, params), _ = _rfc9421_member(h)
            key_id = params.get("keyid")
        else:
            key_id = _cavage_params(h).get("keyid")
    except SignatureError:
        return None
    return key_id if isinstance(key_id, str) and key_id else None


def verify_request(method: str, url: str, headers: Mapping[str, str], body: bytes, public_pem: str, *,
                   now: datetime | None = None, max_skew: timedelta = timedelta(hours=12),
                   max_future: timedelta | None = None) -> None:
    """Raise SignatureError unless a cavage or RFC 9421 signature over this request verifies with public_pem.
    Its date may be `max_skew` old and `max_future` (default: `max_skew`) ahead of `now`."""
    h = _lower(headers)
    window = (max_skew, max_skew if max_future is None else max_future)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    body = body or b""
    # Bodies must be bound to the signature, or a captured signature could carry any activity.
    needs_digest = method.upper() not in ("GET", "HEAD") or bool(body)
    if "signature-input" in h:
        covered, signed, signature, alg = _rfc9421_check(method.upper(), url, h, moment, window)
        style = "rfc9421"
    else:
        covered, signed, signature, alg = _cavage_check(method, url, h, moment, window)
        style = "cavage"
    _check_digests(h, covered, body, needs_digest)
    _verify(_public_key(public_pem), style, alg, signature, signed)


def _cavage_check(method: str, url: str, h: dict[str, str], now: datetime,
                  window: tuple[timedelta, timedelta]) -> tuple[list[str], bytes, bytes, str | None]:
    params = _cavage_params(h)
    if not params.get("keyid") or not params.get("signature"):
        raise SignatureError("signature header lacks keyId or signature")
    covered = params.get("headers", "date").lower().split()  # the draft's default is "date" alone
    if len(covered) > MAX_COVERED or len(set(covered)) != len(covered):
        raise SignatureError("too many or repeated signed headers")
    # Mastodon's minimum plus ours: the target and host pin the request to this server and path, the
    # date (or created) bounds replays: docs.joinmastodon.org/spec/security/#http-verify
    if "(request-target)" not in covered:
        raise SignatureError("(request-target) not signed")
    if "host" not in covered:
        raise SignatureError("host not signed")
    if "date" not in covered and "(created)" not in covered:
        raise SignatureError("date not signed")
    lines = []
    for name in covered:
        if name == "(request-target)":
            value = f"{method.lower()} {_request_target(urlsplit(url))}"
        elif name in ("(created)", "(expires)"):
            value = params.get(name[1:-1], "")
            if _seconds(value) is None:
                raise SignatureError(f"{name} signed without a numeric value")
        elif name in h:
            value = h[name].strip()
        else:
            raise SignatureError(f"signed header {name} missing")
        lines.append(f"{name}: {value}")
    if "date" in covered:
        _check_time(_http_date(h["date"]), now, window)
    else:
        _check_time(_epoch(_seconds(params["created"])), now, window)
    expires = _seconds(params.get("expires", ""))
    if expires is not None and _epoch(expires) < now:
        raise SignatureError("signature expired")
    algorithm = params.get("algorithm")
    return covered, "\n".join(lines).encode(), _unb64(params["signature"]), algorithm and algorithm.lower()


def _cavage_params(h: dict[str, str]) -> dict[str, str]:
    raw = h.get("signature")
    if raw is None and h.get("authorization", "").startswith("Signature "):
        raw = h["authorization"][len("Signature "):]  # the draft's Authorization form, still seen in the wild
    if raw is None:
        raise SignatureError("no signature")
    if len(raw) > MAX_HEADER_BYTES:
        raise SignatureError("signature header too large")
    params: dict[str, str] = {}
    pos = 0
    while pos < len(raw):
        found = _CAVAGE_PARAM.match(raw, pos)
        if found is None:
            raise SignatureError("malformed signature header")
        name = found.group(1).lower()
        if name in params:
            raise SignatureError(f"repeated signature parameter {name}")
        params[name] = found.group(2) if found.group(2) is not None else found.group(3)
        pos = found.end()
    if not params:
        raise SignatureError("empty signature header")
    return params


# name="quoted, may hold commas" or name=token (created/expires are unquoted numbers), comma separated
_CAVAGE_PARAM = re.compile(r'[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(?:"([^"]*)"|([^\s",]*))[ \t]*(?:,|\Z)')


def _rfc9421_member(h: dict[str, str]) -> tuple[str, tuple[list, dict], object]:
    """The first signature label present in both Signature-Input and Signature (RFC 9421 §4)."""
    inputs = _sf_dictionary(h["signature-input"], "Signature-Input")
    signatures = _sf_dictionary(h.get("signature", ""), "Signature")
    for label, member in inputs.items():
        if label in signatures:
            return label, member, signatures[label][0]
    raise SignatureError("no matching signature label")


def _rfc9421_check(method: str, url: str, h: dict[str, str], now: datetime,
                   window: tuple[timedelta, timedelta]) -> tuple[list[str], bytes, bytes, str | None]:
    _, member, signature = _rfc9421_member(h)
    items, params = member
    if not isinstance(items, list) or not isinstance(signature, bytes):
        raise SignatureError("malformed signature member")
    if len(items) > MAX_COVERED:
        raise SignatureError("too many signed components")
    covered = [name for name, _ in items]
    if not all(isinstance(name, str) for name in covered) or len(set(covered)) != len(covered):
        raise SignatureError("malformed or repeated signed components")
    # The method and the full target must be covered, or the signature could be replayed elsewhere.
    if "@method" not in covered:
        raise SignatureError("@method not signed")
    if "@target-uri" not in covered and not ("@authority" in covered and "@path" in covered):
        raise SignatureError("@target-uri not signed")
    created, expires, alg = params.get("created"), params.get("expires"), params.get("alg")
    if type(created) is int:
        _check_time(_epoch(created), now, window)
    elif "date" in covered:
        _check_time(_http_date(h["date"]) if "date" in h else None, now, window)
    else:
        raise SignatureError("signature has no created time")
    if expires is not None and (type(expires) is not int or _epoch(expires) < now):
        raise SignatureError("signature expired")
    if alg is not None and not isinstance(alg, str):
        raise SignatureError("malformed alg")
    base = _signature_base(member, _serialise_params(member), method, url, urlsplit(url), h)
    return covered, base, signature, alg


# Derived components (RFC 9421 §2.2) from (method, url, split url); @query-param and @status are not needed.
_DERIVED = {
    "@method": lambda method, url, parts: method,
    "@target-uri": lambda method, url, parts: url,
    "@authority": lambda method, url, parts: _authority(parts),
    "@scheme": lambda method, url, parts: parts.scheme.lower(),
    "@path": lambda method, url, parts: parts.path or "/",
    "@query": lambda method, url, parts: "?" + parts.query,
    "@request-target": lambda method, url, parts: _request_target(parts),
}


def _signature_base(member: tuple[list, dict], serialised: str, method: str, url: str, parts: SplitResult,
                    h: Mapping[str, str]) -> bytes:
    """The exact bytes an RFC 9421 signature covers (§2.5), for the components Spark understands."""
    lines = []
    for name, component_params in member[0]:
        if component_params:
            raise SignatureError("unsupported component parameter")  # ;sf ;key ;bs ;req
        if name in _DERIVED:
            value = _DERIVED[name](method, url, parts)
        elif name.startswith("@") or name != name.lower():
            raise SignatureError(f"unsupported component {name[:40]}")
        elif name in h:
            value = h[name].strip()
        else:
            raise SignatureError(f"signed header {name[:40]} missing")
        lines.append(f'"{name}": {value}')
    lines.append(f'"@signature-params": {serialised}')
    return "\n".join(lines).encode()


def _serialise_params(member: tuple[list, dict]) -> str:
    try:
        return http_sf.ser({"s": member})[2:]
    except Exception as error:  # parsed input that does not serialise back is malformed
        raise SignatureError("malformed Signature-Input") from error


def _sf_dictionary(raw: str, name: str) -> dict:
    if len(raw) > MAX_HEADER_BYTES:
        raise SignatureError(f"{name} too large")
    try:
        parsed = http_sf.parse(raw.encode("latin-1"), tltype="dictionary")
    except Exception as error:  # a third-party parser: any failure at all means a malformed header
        raise SignatureError(f"malformed {name}") from error
    if not isinstance(parsed, dict):
        raise SignatureError(f"malformed {name}")
    return parsed


def _check_digests(h: dict[str, str], covered: list[str], body: bytes, needs_digest: bool) -> None:
    """Every digest sent must match the body; one of them must be signed when there is a body."""
    if "digest" in h:
        _match_digests(_legacy_digests(h["digest"]), body)
    if "content-digest" in h:
        parsed = _sf_dictionary(h["content-digest"], "Content-Digest")
        _match_digests({alg: value for alg, (value, _) in parsed.items() if isinstance(value, bytes)}, body)
    if not needs_digest:
        return
    if "digest" not in h and "content-digest" not in h:
        raise SignatureError("missing digest")
    if not ("digest" in h and "digest" in covered) and not ("content-digest" in h and "content-digest" in covered):
        raise SignatureError("digest not signed")


def _legacy_digests(raw: str) -> dict[str, bytes]:
    """RFC 3230 Digest: "SHA-256=<base64>" (algorithm names are case-insensitive)."""
    if len(raw) > MAX_HEADER_BYTES:
        raise SignatureError("digest header too large")
    found = {}
    for part in raw.split(","):
        alg, _, value = part.strip().partition("=")
        try:
            found[alg.lower()] = base64.b64decode(value.strip(), validate=True)
        except ValueError:
            raise SignatureError("malformed digest") from None
    return found


def _match_digests(digests: Mapping[str, bytes], body: bytes) -> None:
    known = [(alg, value) for alg, value in digests.items() if alg in _DIGESTS]
    if not known:
        raise SignatureError("unsupported digest algorithm")
    for alg, value in known:
        if not hmac.compare_digest(_DIGESTS[alg](body).digest(), value):
            raise SignatureError("digest mismatch")


def _rsa_v1_5(key: rsa.RSAPublicKey, signature: bytes, signed: bytes) -> None:
    key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())


def _rsa_pss(key: rsa.RSAPublicKey, signature: bytes, signed: bytes) -> None:
    key.verify(signature, signed, padding.PSS(padding.MGF1(hashes.SHA512()), 64), hashes.SHA512())


# hs2019 means "the algorithm the key implies"; with RSA keys the fediverse uses PKCS#1 v1.5 SHA-256.
# RFC 9421 lets alg be left out (§3.2.1): then an RSA key may mean either of its two RSA algorithms.
_RSA_VERIFIERS = {
    ("cavage", None): (_rsa_v1_5,), ("cavage", "rsa-sha256"): (_rsa_v1_5,), ("cavage", "hs2019"): (_rsa_v1_5,),
    ("rfc9421", "rsa-v1_5-sha256"): (_rsa_v1_5,), ("rfc9421", "rsa-pss-sha512"): (_rsa_pss,),
    ("rfc9421", None): (_rsa_v1_5, _rsa_pss),
}


def _verify(key: object, style: str, alg: str | None, signature: bytes, signed: bytes) -> None:
    if isinstance(key, rsa.RSAPublicKey):
        for verifier in _RSA_VERIFIERS.get((style, alg), ()):
            try:
                return verifier(key, signature, signed)
            except InvalidSignature:
                continue
        if (style, alg) not in _RSA_VERIFIERS:
            raise SignatureError(f"unsupported algorithm {str(alg)[:40]} for an RSA key")
    elif isinstance(key, ed25519.Ed25519PublicKey):
        if alg not in (None, "hs2019", "ed25519"):
            raise SignatureError(f"unsupported algorithm {str(alg)[:40]} for an Ed25519 key")
        try:
            return key.verify(signature, signed)
        except InvalidSignature:
            pass
    else:
        raise SignatureError("unsupported key type")
    raise SignatureError("signature does not verify")


def _sign(private: object, data: bytes) -> bytes:
    if isinstance(private, rsa.RSAPrivateKey):
        return private.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return private.sign(data)
    raise ValueError("signing keys must be RSA or Ed25519")


# Parsing PEM costs far more than verifying a signature, and the same few keys sign most traffic.
@lru_cache(maxsize=4096)
def _public_key(pem: str) -> object:
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnsupportedAlgorithm, UnicodeEncodeError):
        raise SignatureError("unusable public key") from None
    if isinstance(key, rsa.RSAPublicKey) and not 1024 <= key.key_size <= 8192:
        raise SignatureError("unusable public key size")
    return key


@lru_cache(maxsize=256)
def _private_key(pem: str) -> object:
    return serialization.load_pem_private_key(pem.encode("ascii"), password=None)


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-cased names; repeated fields joined with ", " as both drafts specify."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        name = name.lower()
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def _check_time(at: datetime | None, now: datetime, window: tuple[timedelta, timedelta]) -> None:
    # Mastodon refuses signatures more than 12 hours off either way: docs.joinmastodon.org/spec/security
    if at is None:
        raise SignatureError("missing date")
    past, future = window
    if at < now - past:
        raise SignatureError("date too old")
    if at > now + future:
        raise SignatureError("date too far in the future")


def _http_date(raw: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise SignatureError("malformed date") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _seconds(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[0-9]{1,15}", text) else None


def _epoch(seconds: int | None) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise SignatureError("malformed timestamp") from None


def _authority(parts: SplitResult) -> str:
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        raise SignatureError("malformed port") from None
    return host if port in (None, _DEFAULT_PORTS.get(parts.scheme.lower())) else f"{host}:{port}"


def _request_target(parts: SplitResult) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise SignatureError("malformed signature value") from None
