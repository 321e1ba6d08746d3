"""Server names as typed, made comparable with accounts.domain."""

import pytest

from spark.domain.domains import normalize_domain
from spark.domain.errors import Invalid


@pytest.mark.parametrize(("typed", "stored"), [
    ("Example.COM.", "example.com"), (" bücher.example ", "xn--bcher-kva.example"),
    ("host.example:08443", "host.example:8443"), ("127.0.0.1:3000", "127.0.0.1:3000"),
])
def test_normalized(typed, stored):
    assert normalize_domain(typed) == stored


@pytest.mark.parametrize("typed", ["", "https://example.com", "example.com/path", "me@example.com",
                                   "-bad-.example", "a..example", "example.com:port", "x" * 64 + ".example"])
def test_refused(typed):
    with pytest.raises(Invalid):
        normalize_domain(typed)
