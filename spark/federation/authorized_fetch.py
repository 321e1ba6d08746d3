"""Authorized fetch (Mastodon's "secure mode", SPARK_AUTHORIZED_FETCH=1): posts and collections are
served only to signed GETs from servers that are not suspended here, so a blocked server cannot read
them anonymously. Actor documents stay public: keys must be fetchable without a signature, or two
servers in secure mode could never verify each other (swicg/activitypub-http-signature#11)."""

from __future__ import annotations

from collections.abc import Mapping

from spark.federation import deref, urls
from spark.federation.inbox import FUTURE_SKEW, Refused, domain_severity
from spark.federation.signatures import SignatureError, signature_key_id, verify_request
from spark.runtime import Runtime


async def check(rt: Runtime, *, url: str, headers: Mapping[str, str]) -> None:
    """Raise Refused(401/403) unless this GET is signed by a server allowed to read here."""
    if not rt.settings.authorized_fetch:
        return
    key_id = signature_key_id(headers)
    if key_id is None:
        raise Refused(401, "this server requires signed fetches (authorized fetch)")
    if urls.is_local(rt, key_id):
        return  # our own instance actor (a process of this server fetching itself)
    if await domain_severity(rt, urls.host_of(key_id)) == "suspend":
        raise Refused(403, "domain is suspended here")
    try:
        signer = await deref.actor_by_key_id(rt, key_id)
        verify_request("GET", url, headers, b"", signer.public_key_pem or "", max_future=FUTURE_SKEW)
    except (deref.NotFound, SignatureError):
        try:
            signer = await deref.actor_by_key_id(rt, key_id, refresh=True)
            verify_request("GET", url, headers, b"", signer.public_key_pem or "", max_future=FUTURE_SKEW)
        except (deref.NotFound, SignatureError) as error:
            raise Refused(401, f"signature does not verify: {error}") from None
