from hypothesis import given
from hypothesis import strategies as st

from spark.domain import text

RENDER = dict(mention_url=lambda m: f"https://s.example/@{m.username}", tag_url=lambda t: f"https://s.example/tags/{t}")


def test_parse_finds_mentions_tags_and_links():
    parsed = text.parse("hi @bob and @al@remote.example #Spark #spark https://example.org/x.")
    assert [(m.username, m.domain) for m in parsed.mentions] == [("bob", None), ("al", "remote.example")]
    assert parsed.tags == ["Spark"]
    assert parsed.links == ["https://example.org/x"]


def test_email_addresses_are_not_mentions():
    assert text.parse("write to me@example.org").mentions == []


def test_render_escapes_markup_and_keeps_paragraphs():
    html = text.render('<script>alert(1)</script>\n\nsecond "line"\nthird', **RENDER)
    assert html == '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><p>second "line"<br />third</p>'


def test_unknown_mentions_stay_plain_text():
    html = text.render("@ghost hi", mention_url=lambda m: None, tag_url=RENDER["tag_url"])
    assert html == "<p>@ghost hi</p>"


def test_urls_count_as_23_characters():
    assert text.text_length("see https://example.org/" + "a" * 200) == len("see ") + 23


@given(st.text(max_size=300))
def test_render_never_emits_raw_angle_brackets_from_input(source):
    html = text.render(source, **RENDER)
    stripped = html
    for allowed in ("<p>", "</p>", "<br />", "<span", "</span>", "<a ", "</a>"):
        stripped = stripped.replace(allowed, "")
    # whatever tags remain must be the ones we generate, never user-supplied ones
    assert "<script" not in stripped.lower()
    assert "<" not in stripped.replace('class="', "")
