from spark.domain.trends import STATUS_HALF_LIFE, shared_links, status_score


def test_interactions_fade_by_half_every_half_life():
    assert status_score(8, 0) == 8
    assert status_score(8, STATUS_HALF_LIFE) == 4
    assert status_score(10, 2 * STATUS_HALF_LIFE) < status_score(3, 0)


def test_shared_links_skip_mentions_and_hashtags():
    html = ('<p><span class="h-card"><a href="https://a.example/@bob" class="u-url mention">@bob</a></span> '
            '<a href="https://a.example/tags/cats" class="mention hashtag" rel="tag">#cats</a> '
            '<a href="https://News.example/story?id=1&amp;x=2#comments" rel="nofollow">news</a> '
            "<a href='https://news.example/story?id=1&amp;x=2'>again</a> <a href=\"mailto:x@y.z\">mail</a></p>")
    assert shared_links(html) == ["https://news.example/story?id=1&x=2"]
