"""GET /api/v1/accounts?id[]=…: several accounts in one request."""

import pytest
import requests
from mastodon import MastodonAPIError


def test_several_accounts_at_once(server, api):
    people = [server.new_user() for _ in range(3)]
    ids = [p.account_verify_credentials()["id"] for p in people]
    server.sql(f"UPDATE accounts SET suspended_at = CURRENT_TIMESTAMP WHERE id = {ids[2]}")
    found = api.accounts([ids[1], "999999999", ids[0], ids[2], ids[1]])
    assert [a["id"] for a in found] == [ids[1], ids[0], ids[2]]  # asked order, once each, unknown skipped
    assert found[0]["acct"] == people[1].account_verify_credentials()["acct"]
    assert found[2]["suspended"] is True and not found[0]["suspended"]
    anonymous = requests.get(f"{server.url}/api/v1/accounts", params={"id[]": ids[:2]}, timeout=10)
    assert anonymous.status_code == 200 and [a["id"] for a in anonymous.json()] == ids[:2]
    assert api.accounts([]) == []
    with pytest.raises(MastodonAPIError) as error:
        api.accounts([str(n) for n in range(1, 42)])
    assert error.value.args[1] == 422


def test_identity_proofs_are_an_empty_list_for_known_accounts(server, api):
    other = server.new_user().account_verify_credentials()
    headers = {"Authorization": f"Bearer {api.access_token}"}
    url = server.url + "/api/v1/accounts/{}/identity_proofs"
    response = requests.get(url.format(other["id"]), headers=headers, timeout=10)
    assert response.status_code == 200 and response.json() == []
    missing = requests.get(url.format("12345"), headers=headers, timeout=10)
    assert missing.status_code == 404 and missing.json() == {"error": "Record not found"}
    assert requests.get(url.format(other["id"]), timeout=10).status_code == 401
