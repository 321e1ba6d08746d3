import requests


def test_instance_reports_mastodon_compatible_version(server):
    body = requests.get(server.url + "/api/v2/instance", timeout=10).json()
    assert body["version"].startswith("4.5.0 (compatible; Spark ")
    assert body["configuration"]["statuses"]["max_characters"] == 500
    assert body["api_versions"]["mastodon"] >= 7


def test_register_and_verify_credentials_with_mastodon_py(server):
    client = server.new_user("smoke_alice")
    me = client.account_verify_credentials()
    assert me["username"] == "smoke_alice"
    assert me["acct"] == "smoke_alice"
    assert me["source"]["privacy"] == "public"


def test_unknown_token_is_401(server):
    response = requests.get(server.url + "/api/v1/accounts/verify_credentials",
                            headers={"Authorization": "Bearer nope"}, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"error": "The access token is invalid"}
