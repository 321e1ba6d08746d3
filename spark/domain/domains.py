"""Server names as people type them, made comparable with accounts.domain (lower-case host[:port])."""

from __future__ import annotations

import re

from spark.domain.errors import Invalid

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_domain(value: str) -> str:
    """`Example.COM.`, `bücher.example` or `host:8443` → `example.com`, `xn--bcher-kva.example`, `host:8443`.

    Mastodon takes a bare domain (docs.joinmastodon.org/methods/domain_blocks): a URL, a path or an
    address with a user part is refused rather than guessed at.
    """
    text = value.strip().lower()
    host, _, port = text.partition(":") if text.count(":") == 1 else (text, "", "")
    host = host.rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise Invalid("Validation failed: Domain is not a valid domain name") from None
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels) or (port and not port.isdigit()):
        raise Invalid("Validation failed: Domain is not a valid domain name")
    return f"{host}:{int(port)}" if port else host
