"""Post search through Mastodon.py: words anywhere in a post, never its markup, following edits and deletes,
and only what the searcher may see. Words are made unique per test, as the server is shared."""

import secrets


def _word() -> str:
    return "w" + secrets.token_hex(5)


def _found(client, query: str, **params) -> list[str]:
    return [s["id"] for s in client.search_v2(query, resolve=False, result_type="statuses", **params)["statuses"]]


def test_every_word_anywhere_in_a_post_matches_whatever_its_case(server):
    author, searcher = server.new_user(), server.new_user()
    first, second = _word(), _word()
    post = author.status_post(f"Spotted a {first.upper()} near the river, then a {second} at dusk.")
    other = author.status_post(f"Only {first} here")
    assert _found(searcher, first) == [other["id"], post["id"]]  # newest first
    assert _found(searcher, f"{second} {first}") == [post["id"]]
    assert _found(searcher, f"{first} river {second[:-2]}") == [post["id"]]  # the last word may be unfinished
    assert _found(searcher, f'"near the river" {first}') == [post["id"]]
    assert _found(searcher, f'"the near river" {first}') == []
    assert _found(searcher, f"{first} {_word()}") == []


def test_markup_of_links_mentions_and_hashtags_is_not_searchable(server):
    author, searcher = server.new_user(), server.new_user()
    friend = searcher.me()["acct"]
    word = _word()
    post = author.status_post(f"{word} with @{friend}, #Tagged{word} and https://example.org/page?q=1 today")
    author_id = author.me()["id"]
    assert "href=" in post["content"] and "class=" in post["content"]
    for markup in ("href", "class", "rel", "nofollow", "span", "mention", "hashtag", "h-card", "invisible", "p"):
        assert _found(searcher, markup, account_id=author_id) == [], markup
    assert _found(searcher, f"{word} today") == [post["id"]]
    assert _found(searcher, f"{word} {friend}") == [post["id"]]
    assert _found(searcher, f"tagged{word}") == [post["id"]]
    said = author.status_post(f"{word}: the href attribute and the class name")
    assert _found(searcher, "href", account_id=author_id) == [said["id"]]


def test_edited_posts_match_their_new_words_and_deleted_posts_nothing(server):
    author, searcher = server.new_user(), server.new_user()
    old, new = _word(), _word()
    post = author.status_post(f"first draft {old}")
    author.status_update(post["id"], f"second draft {new}", spoiler_text=f"cw{new}")
    assert _found(searcher, old) == []
    assert _found(searcher, new) == [post["id"]]
    assert _found(searcher, f"cw{new}") == [post["id"]]  # the content warning is searched too
    author.status_delete(post["id"])
    assert _found(searcher, new) == []


def test_private_and_direct_posts_are_found_only_by_their_author(server):
    author, searcher = server.new_user(), server.new_user()
    word = _word()
    public = author.status_post(f"{word} public")
    unlisted = author.status_post(f"{word} unlisted", visibility="unlisted")
    private = author.status_post(f"{word} private", visibility="private")
    direct = author.status_post(f"{word} direct @{searcher.me()['acct']}", visibility="direct")
    assert _found(searcher, word) == [unlisted["id"], public["id"]]
    assert _found(author, word) == [direct["id"], private["id"], unlisted["id"], public["id"]]


def test_pages_of_results_follow_limit_max_id_min_id_and_offset(server):
    author, searcher = server.new_user(), server.new_user()
    word = _word()
    oldest, middle, newest = (author.status_post(f"{word} {n}")["id"] for n in range(3))
    assert _found(searcher, word, limit=2) == [newest, middle]
    assert _found(searcher, word, max_id=middle) == [oldest]
    assert _found(searcher, word, min_id=oldest) == [newest, middle]
    assert _found(searcher, word, offset=1, limit=1) == [middle]
    assert _found(searcher, word, account_id=searcher.me()["id"]) == []


def test_quotes_backslashes_and_query_syntax_are_only_text(server):
    author, searcher = server.new_user(), server.new_user()
    word = _word()
    post = author.status_post(f"{word} it's a back\\slash, NEAR AND NOT OR")
    assert _found(searcher, f"{word} it's") == [post["id"]]
    assert _found(searcher, f"{word} back\\slash near and not or") == [post["id"]]
    for hostile in ("'", "\\", "\"'; SELECT 1; --", "it's:* & !", "body:x*", "NEAR(a b)", "&|!<->()"):
        assert _found(searcher, f"{word} {hostile}") in ([], [post["id"]]), hostile
