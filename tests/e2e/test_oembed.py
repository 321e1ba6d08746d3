"""oEmbed for local public posts, and the embed page its iframe shows."""

import requests


def test_oembed_of_a_public_post_points_at_a_frameable_embed_page(server, api):
    me = api.me()
    post = api.status_post("Embed me <3")
    for url in (post["url"], post["uri"]):
        response = requests.get(server.url + "/api/oembed", params={"url": url}, timeout=10)
        assert response.status_code == 200, response.text
        found = response.json()
        assert found["type"] == "rich" and found["version"] == "1.0"
        assert found["author_name"] == (me["display_name"] or me["username"]) and found["author_url"] == me["url"]
        assert found["provider_name"] == server.domain and found["provider_url"] == server.url + "/"
        assert (found["width"], found["height"], found["cache_age"]) == (400, None, 86400)
        assert f'src="{post["url"]}/embed"' in found["html"] and found["html"].startswith("<iframe")
    sized = requests.get(server.url + "/api/oembed", params={"url": post["url"], "maxwidth": 300, "maxheight": 200},
                         timeout=10).json()
    assert (sized["width"], sized["height"]) == (300, 200) and 'height="200"' in sized["html"]

    page = requests.get(post["url"] + "/embed", timeout=10)
    assert page.status_code == 200 and "Embed me &lt;3" in page.text
    assert "X-Frame-Options" not in page.headers and "frame-ancestors *" in page.headers["Content-Security-Policy"]
    assert "<form" not in page.text


def test_oembed_is_404_for_anything_but_a_local_public_post(server, api):
    private = api.status_post("followers only", visibility="private")
    public = api.status_post("public")
    elsewhere = public["url"].replace(server.domain, "elsewhere.example")
    wrong_author = public["url"].replace(f"/@{api.me()['username']}/", "/@nobody/")
    for url in (private["url"], elsewhere, wrong_author, server.url + "/about", "not a url"):
        response = requests.get(server.url + "/api/oembed", params={"url": url}, timeout=10)
        assert response.status_code == 404 and response.json() == {"error": "Record not found"}, url
    assert requests.get(private["url"] + "/embed", timeout=10).status_code == 404
