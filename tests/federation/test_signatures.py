"""HTTP Signatures: both styles round-trip, published test vectors verify, and every forgery is refused."""

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers

from spark.federation.signatures import (
    SignatureError,
    SigningKey,
    generate_key_pair,
    sign_request,
    signature_key_id,
    verify_request,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
INBOX = "https://remote.example/users/bob/inbox"
BODY = b'{"type": "Follow", "actor": "https://spark.example/users/alice"}'
PRIVATE, PUBLIC = generate_key_pair()
OTHER_PRIVATE, OTHER_PUBLIC = generate_key_pair()
KEY = SigningKey("https://spark.example/users/alice#main-key", PRIVATE)


def _signed_post(style="cavage", url=INBOX, body=BODY, now=NOW):
    headers = {"Content-Type": "application/activity+json"}
    headers.update(sign_request("POST", url, body, KEY, style=style, now=now))
    return headers


def _hand_signed(lines, algorithm="rsa-sha256", private_pem=PRIVATE):
    """A cavage Signature header over exactly these (name, value) lines: how a hostile peer would sign."""
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    signed = "\n".join(f"{name}: {value}" for name, value in lines).encode()
    signature = base64.b64encode(private.sign(signed, padding.PKCS1v15(), hashes.SHA256())).decode()
    names = " ".join(name for name, _ in lines)
    return f'keyId="{KEY.key_id}",algorithm="{algorithm}",headers="{names}",signature="{signature}"'


def _reason(method, url, headers, body, public=PUBLIC, **kw) -> str:
    with pytest.raises(SignatureError) as caught:
        verify_request(method, url, headers, body, public, now=kw.pop("now", NOW), **kw)
    return str(caught.value)


# -- round trips ----------------------------------------------------------------------------------

@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
def test_signed_post_and_get_verify_in_both_styles(style):
    verify_request("POST", INBOX, _signed_post(style), BODY, PUBLIC, now=NOW)
    url = "https://remote.example/users/bob?page=2"
    verify_request("GET", url, sign_request("GET", url, None, KEY, style=style, now=NOW), b"", PUBLIC, now=NOW)


def test_cavage_headers_have_the_shape_peers_expect():
    headers = _signed_post("cavage")
    assert headers["Digest"] == "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert headers["Host"] == "remote.example"
    assert headers["Date"] == "Fri, 02 Jan 2026 03:04:05 GMT"
    assert 'algorithm="rsa-sha256"' in headers["Signature"]
    assert 'headers="(request-target) host date digest"' in headers["Signature"]
    get = sign_request("GET", INBOX, None, KEY, now=NOW)
    assert 'headers="(request-target) host date"' in get["Signature"] and "Digest" not in get


def test_rfc9421_headers_have_the_shape_peers_expect():
    headers = _signed_post("rfc9421")
    digest = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert headers["Content-Digest"] == f"sha-256=:{digest}:"
    assert headers["Signature-Input"] == (
        f'sig1=("@method" "@target-uri" "content-digest");created={int(NOW.timestamp())};'
        f'keyid="{KEY.key_id}";alg="rsa-v1_5-sha256"')
    assert headers["Signature"].startswith("sig1=:") and headers["Signature"].endswith(":")


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
def test_ed25519_keys_sign_and_verify(style):
    private = ed25519.Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = private.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    headers = sign_request("POST", INBOX, BODY, SigningKey("https://e/k", pem), style=style, now=NOW)
    verify_request("POST", INBOX, headers, BODY, public, now=NOW)
    _reason("POST", INBOX, headers, BODY, OTHER_PUBLIC)  # an RSA key cannot vouch for it


def test_header_names_are_case_insensitive_whatever_the_mapping():
    signed = _signed_post()
    for headers in ({k.lower(): v for k, v in signed.items()}, {k.upper(): v for k, v in signed.items()},
                    Headers(raw=[(k.lower().encode(), v.encode()) for k, v in signed.items()])):
        verify_request("POST", INBOX, headers, BODY, PUBLIC, now=NOW)
        assert signature_key_id(headers) == KEY.key_id


def test_key_id_is_read_from_either_format_and_none_when_absent_or_garbled():
    assert signature_key_id(_signed_post("cavage")) == KEY.key_id
    assert signature_key_id(_signed_post("rfc9421")) == KEY.key_id
    assert signature_key_id({"Date": "x"}) is None
    assert signature_key_id({"Signature": '"unterminated'}) is None
    assert signature_key_id({"Signature-Input": "((", "Signature": "x"}) is None


def test_the_authorization_header_form_is_accepted():
    headers = _signed_post()
    headers["Authorization"] = "Signature " + headers.pop("Signature")
    verify_request("POST", INBOX, headers, BODY, PUBLIC, now=NOW)


def test_hs2019_is_accepted_as_rsa_sha256():
    headers = _signed_post()
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')
    verify_request("POST", INBOX, headers, BODY, PUBLIC, now=NOW)


def test_hs2019_with_created_instead_of_date():
    created = int(NOW.timestamp())
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    lines = [("(request-target)", "post /users/bob/inbox"), ("(created)", str(created)),
             ("host", "remote.example"), ("digest", digest)]
    signature = _hand_signed(lines, "hs2019").replace("headers=", f"created={created},headers=")
    headers = {"Host": "remote.example", "Digest": digest, "Signature": signature}
    verify_request("POST", INBOX, headers, BODY, PUBLIC, now=NOW)
    assert _reason("POST", INBOX, headers, BODY, now=NOW + timedelta(hours=13)) == "date too old"


# -- published test vectors -----------------------------------------------------------------------

DRAFT_CAVAGE_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
"""

RFC9421_RSA_PSS_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
"""


def test_draft_cavage_appendix_c3_all_headers_vector_verifies():
    # https://datatracker.ietf.org/doc/html/draft-cavage-http-signatures-12#appendix-C.3
    headers = {
        "Host": "example.com", "Date": "Sun, 05 Jan 2014 21:31:40 GMT", "Content-Type": "application/json",
        "Digest": "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", "Content-Length": "18",
        "Signature": 'keyId="Test",algorithm="rsa-sha256",'
                     'headers="(request-target) host date content-type digest content-length",'
                     'signature="vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB'
                     "2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE="
                     '"',
    }
    when = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)
    verify_request("POST", "http://example.com/foo?param=value&pet=dog", headers, b'{"hello": "world"}',
                   DRAFT_CAVAGE_PUBLIC, now=when)


def test_rfc9421_appendix_b23_full_coverage_vector_verifies():
    # https://www.rfc-editor.org/rfc/rfc9421#name-full-coverage-using-rsa-pss
    headers = {
        "Host": "example.com", "Date": "Tue, 20 Apr 2021 02:07:55 GMT", "Content-Type": "application/json",
        "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
        "Content-Length": "18",
        "Signature-Input": 'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" '
                           '"content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
        "Signature": "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+"
                     "qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1p"
                     "Fkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH"
                     "896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:",
    }
    when = datetime.fromtimestamp(1618884473, UTC)
    url = "https://example.com/foo?param=Value&Pet=dog"
    verify_request("POST", url, headers, b'{"hello": "world"}', RFC9421_RSA_PSS_PUBLIC, now=when)
    assert signature_key_id(headers) == "test-key-rsa-pss"
    tampered = url.replace("Pet=dog", "Pet=cat")
    assert _reason("POST", tampered, headers, b'{"hello": "world"}', RFC9421_RSA_PSS_PUBLIC, now=when) \
        == "signature does not verify"


# -- forgeries and mistakes -----------------------------------------------------------------------

@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
def test_a_tampered_body_is_refused(style):
    assert _reason("POST", INBOX, _signed_post(style), BODY.replace(b"Follow", b"Block")) == "digest mismatch"


@pytest.mark.parametrize("style,header,value", [
    ("cavage", "Digest", "SHA-256=" + base64.b64encode(hashlib.sha256(b"other").digest()).decode()),
    ("rfc9421", "Content-Digest", f"sha-256=:{base64.b64encode(hashlib.sha256(b'other').digest()).decode()}:"),
    ("cavage", "Digest", "SHA-256=not base64!"),
])
def test_a_digest_header_that_does_not_match_the_body_is_refused(style, header, value):
    headers = _signed_post(style)
    headers[header] = value
    assert _reason("POST", INBOX, headers, BODY) in ("digest mismatch", "malformed digest")


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
def test_a_post_without_a_signed_digest_is_refused(style):
    headers = sign_request("POST", INBOX, None, KEY, style=style, now=NOW)  # signed as if bodiless
    assert _reason("POST", INBOX, headers, BODY) == "missing digest"
    headers["Digest"] = "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert _reason("POST", INBOX, headers, BODY) == "digest not signed"


def test_an_unknown_digest_algorithm_alone_is_refused():
    headers = _signed_post()
    headers["Digest"] = "MD5=" + base64.b64encode(hashlib.md5(BODY).digest()).decode()
    assert _reason("POST", INBOX, headers, BODY) == "unsupported digest algorithm"


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
def test_a_signature_by_another_key_is_refused(style):
    assert _reason("POST", INBOX, _signed_post(style), BODY, OTHER_PUBLIC) == "signature does not verify"


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
@pytest.mark.parametrize("offset,reason", [(timedelta(hours=-13), "date too far in the future"),
                                           (timedelta(hours=13), "date too old")])
def test_dates_outside_the_allowed_skew_are_refused(style, offset, reason):
    headers = _signed_post(style)
    assert _reason("POST", INBOX, headers, BODY, now=NOW + offset) == reason
    verify_request("POST", INBOX, headers, BODY, PUBLIC, now=NOW + offset / 2)
    assert _reason("POST", INBOX, headers, BODY, now=NOW + offset / 2, max_skew=timedelta(minutes=5)) == reason


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
def test_a_signature_for_another_path_or_host_is_refused(style):
    headers = _signed_post(style, url="https://remote.example/users/carol/inbox")
    assert _reason("POST", INBOX, headers, BODY) == "signature does not verify"
    headers = _signed_post(style, url="https://elsewhere.example/users/bob/inbox")
    if style == "cavage":
        headers["Host"] = "remote.example"
    assert _reason("POST", INBOX, headers, BODY) == "signature does not verify"


def test_cavage_signatures_must_cover_host_target_and_date():
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    date = "Fri, 02 Jan 2026 03:04:05 GMT"
    headers = {"Host": "remote.example", "Date": date, "Digest": digest}
    target = ("(request-target)", "post /users/bob/inbox")
    cases = {
        "host not signed": [target, ("date", date), ("digest", digest)],
        "(request-target) not signed": [("host", "remote.example"), ("date", date), ("digest", digest)],
        "date not signed": [target, ("host", "remote.example"), ("digest", digest)],
        "digest not signed": [target, ("host", "remote.example"), ("date", date)],
    }
    for reason, lines in cases.items():
        assert _reason("POST", INBOX, {**headers, "Signature": _hand_signed(lines)}, BODY) == reason
    everything = [target, ("host", "remote.example"), ("date", date), ("digest", digest)]
    verify_request("POST", INBOX, {**headers, "Signature": _hand_signed(everything)}, BODY, PUBLIC, now=NOW)


def test_rfc9421_signatures_must_cover_method_and_target():
    headers = _signed_post("rfc9421")
    for original, weakened in [('"@method" ', ""), ('"@target-uri" ', '"@path" ')]:
        forged = dict(headers, **{"Signature-Input": headers["Signature-Input"].replace(original, weakened)})
        assert "not signed" in _reason("POST", INBOX, forged, BODY)


def test_a_covered_header_that_is_absent_is_refused():
    headers = _signed_post()
    del headers["Host"]
    assert _reason("POST", INBOX, headers, BODY) == "signed header host missing"


@pytest.mark.parametrize("signature", [
    "", "garbage", 'keyId="k"', 'signature="AAAA"', 'keyId="k",signature="AAAA",keyId="j"',
    'keyId="k",headers="(request-target) host date",signature="!!!"', 'keyId="unterminated',
    'keyId="k" signature="AAAA"', "keyId=" + "a" * 9000,
    'keyId="k",signature="AAAA",headers="' + " ".join(f"h{i}" for i in range(21)) + '"',
    'keyId="k",algorithm="rsa-sha512",signature="AAAA",headers="(request-target) host date"',
])
def test_garbled_or_oversized_cavage_headers_are_refused(signature):
    headers = {"Host": "remote.example", "Date": "Fri, 02 Jan 2026 03:04:05 GMT", "Signature": signature}
    _reason("GET", INBOX, headers, b"")


@pytest.mark.parametrize("signature_input,signature", [
    ("((", "sig1=:AAAA:"), ('sig1=("@method" "@target-uri");created=1', "sig2=:AAAA:"),
    ('sig1=("@method" "@target-uri");created=1767323045', 'sig1="text"'),
    ('sig1="item";created=1767323045', "sig1=:AAAA:"),
    ('sig1=("@method" "@target-uri" "@method");created=1767323045', "sig1=:AAAA:"),
    ('sig1=("@method" "@target-uri");created=?1', "sig1=:AAAA:"),
    ('sig1=("@method" "@target-uri");created=999999999999999', "sig1=:AAAA:"),
    ('sig1=("@method" "@target-uri" "@status");created=1767323045', "sig1=:AAAA:"),
    ('sig1=("@method" "@target-uri" "host";sf);created=1767323045', "sig1=:AAAA:"),
    ('sig1=("@method" "@target-uri");created=1767323045;alg="hmac-sha256"', "sig1=:AAAA:"),
    ('sig1=("@method" "@target-uri");created=1767323045;expires=1767323000', "sig1=:AAAA:"),
    ("sig1=(" + " ".join(f'"h{i}"' for i in range(21)) + ");created=1767323045", "sig1=:AAAA:"),
    ('sig1=("@method" "@target-uri");created=1767323045;keyid="' + "k" * 9000 + '"', "sig1=:AAAA:"),
])
def test_garbled_rfc9421_headers_are_refused(signature_input, signature):
    _reason("GET", INBOX, {"Signature-Input": signature_input, "Signature": signature}, b"")


def test_an_unusable_public_key_is_refused():
    assert _reason("POST", INBOX, _signed_post(), BODY, public="not a pem") == "unusable public key"


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=600), name=st.sampled_from(["Signature", "Signature-Input", "Digest", "Date"]))
def test_random_bytes_in_signature_headers_only_ever_raise_signature_error(raw, name):
    headers = _signed_post("rfc9421" if name == "Signature-Input" else "cavage")
    headers[name] = raw.decode("latin-1")
    with pytest.raises(SignatureError):
        verify_request("POST", INBOX, headers, BODY, PUBLIC, now=NOW)
    signature_key_id(headers)  # never raises


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from('keyIdalgorithmheaderssignature=",() ;:-@1AZ\t'), max_size=300))
def test_signature_shaped_text_only_ever_raises_signature_error(text):
    for headers in ({"Signature": text, "Host": "remote.example"}, {"Signature-Input": text, "Signature": text}):
        with pytest.raises(SignatureError):
            verify_request("POST", INBOX, headers, BODY, PUBLIC, now=NOW)
