"""Post search queries and the words of a post, as plain values."""

from spark.domain.search import MAX_TERMS, Term, parse_query, searchable_text


def test_every_word_is_a_term_and_the_last_one_a_prefix():
    assert parse_query("Quokka  sunrise beach") == [Term("Quokka"), Term("sunrise"), Term("beach", prefix=True)]


def test_quoted_phrases_stay_together_and_are_never_prefixes():
    assert parse_query('"red panda" cute "tree top"') == [Term("red panda"), Term("cute"), Term("tree top")]
    assert parse_query('zoo "unfinished  phrase') == [Term("zoo"), Term("unfinished phrase")]


def test_short_last_words_and_punctuation_are_matched_whole_or_dropped():
    assert parse_query("cat at") == [Term("cat"), Term("at")]
    assert parse_query('!!! "" -- ok') == [Term("ok")]
    assert parse_query("   ") == []


def test_long_queries_are_cut():
    terms = parse_query(" ".join(f"word{i}" for i in range(20)))
    assert len(terms) == MAX_TERMS and terms[-1].prefix


def test_markup_is_not_text():
    body = searchable_text("spoiler", '<p>Hello<br>world &amp; <a href="https://x.example/a" class="u-url">friends</a></p>'
                                      "<p>next</p>")
    assert body.split() == ["spoiler", "Hello", "world", "&", "friends", "next"]
