"""Annual reports ("Wrapstodon") through Mastodon.py: generated from a year of posts, stored once, listed
until read. The current year opens on December 10 by default, so most tests use a server opening it on
January 1."""

from datetime import UTC, datetime

import pytest
import requests
from mastodon import MastodonNotFoundError

from tests.harness import running_server

THIS_YEAR = datetime.now(UTC).year


@pytest.fixture
def open_server(server, tmp_path):
    with running_server(tmp_path, backend=server.backend, annual_reports_open="01-01") as srv:
        yield srv


def test_a_report_counts_the_year_and_comes_with_its_accounts_and_posts(open_server):
    alice, bob = open_server.new_user(), open_server.new_user()
    bob_id = bob.account_verify_credentials()["id"]
    assert alice.annual_report_state(THIS_YEAR)["state"] == "ineligible"  # nothing posted yet
    popular = alice.status_post("Spring at last #Garden")
    alice.status_post("More seeds #garden")
    bob.status_reblog(popular["id"])
    bob.status_favourite(popular["id"])
    bob.account_follow(alice.account_verify_credentials()["id"])
    bobs = [bob.status_post(f"bob says {n}")["id"] for n in range(2)]
    for status_id in bobs:
        alice.status_post("I agree", in_reply_to_id=status_id)
        alice.status_reblog(status_id)
    assert alice.annual_report_state(THIS_YEAR)["state"] == "eligible"
    assert alice.annual_reports()["annual_reports"] == []

    alice.annual_report_generate(THIS_YEAR)
    assert alice.annual_report_state(THIS_YEAR)["state"] == "available"
    wrapped = alice.annual_report(THIS_YEAR)
    [report] = wrapped["annual_reports"]
    assert report["year"] == THIS_YEAR and report["schema_version"] == 1 and report["share_url"] is None
    assert report["account_id"] == alice.account_verify_credentials()["id"]
    data = report["data"]
    assert data["type_distribution"] == {"total": 6, "reblogs": 2, "replies": 2, "standalone": 2}
    assert data["archetype"] == "lurker"
    assert data["top_statuses"] == {"by_reblogs": popular["id"], "by_favourites": None, "by_replies": None}
    assert data["top_hashtags"] == [{"name": "Garden", "count": 2}]
    assert data["commonly_interacted_with_accounts"] == [{"account_id": bob_id, "count": 2}]
    assert data["most_reblogged_accounts"] == [{"account_id": bob_id, "count": 2}]
    assert [app["count"] for app in data["most_used_apps"]] == [4]  # reposts carry no app
    this_month = data["time_series"][datetime.now(UTC).month - 1]
    assert (this_month["statuses"], this_month["followers"], this_month["following"]) == (6, 1, 0)
    assert set(data["percentiles"]) == {"followers", "statuses"}
    assert [s["id"] for s in wrapped["statuses"]] == [popular["id"]]
    assert [a["id"] for a in wrapped["accounts"]] == [bob_id]

    alice.status_post("after the report")
    alice.annual_report_generate(THIS_YEAR)  # stored once: not counted again
    assert alice.annual_report(THIS_YEAR)["annual_reports"][0]["data"] == data
    assert [r["year"] for r in alice.annual_reports()["annual_reports"]] == [THIS_YEAR]
    alice.annual_report_read(THIS_YEAR)
    assert alice.annual_reports() == {"annual_reports": [], "accounts": [], "statuses": []}
    assert alice.annual_report(THIS_YEAR)["annual_reports"][0]["year"] == THIS_YEAR
    with pytest.raises(MastodonNotFoundError):
        bob.annual_report(THIS_YEAR)  # reports are their owner's


def test_years_without_a_report_are_not_found_and_stay_ineligible(server):
    api = server.new_user()
    api.status_post("a post this year")
    for year in (2020, THIS_YEAR + 1):
        api.annual_report_generate(year)
        assert api.annual_report_state(year)["state"] == "ineligible"
        with pytest.raises(MastodonNotFoundError):
            api.annual_report(year)
        with pytest.raises(MastodonNotFoundError):
            api.annual_report_read(year)
    headers = {"Authorization": f"Bearer {api.access_token}"}
    for path in ("/api/v1/annual_reports/next-year", "/api/v1/annual_reports/1969/state"):
        assert requests.get(server.url + path, headers=headers, timeout=10).status_code == 404
    assert requests.get(server.url + "/api/v1/annual_reports", timeout=10).status_code == 401


def test_the_current_year_stays_closed_until_the_configured_day(tmp_path):
    """SPARK_ANNUAL_REPORTS_OPEN: before that day this year's report can be neither generated nor shown."""
    from datetime import timedelta

    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    if tomorrow.year != THIS_YEAR:
        pytest.skip("on December 31 no later day of this year exists")
    with running_server(tmp_path, annual_reports_open=tomorrow.strftime("%m-%d")) as srv:
        api = srv.new_user()
        api.status_post("a post this year")
        assert api.annual_report_state(THIS_YEAR)["state"] == "ineligible"
        api.annual_report_generate(THIS_YEAR)
        assert api.annual_report_state(THIS_YEAR)["state"] == "ineligible"
        with pytest.raises(MastodonNotFoundError):
            api.annual_report(THIS_YEAR)
