import pytest

from spark.domain.errors import Invalid
from spark.domain.posts import Draft, Limits, PollDraft, quote_allowed, validate

LIMITS = Limits()


def test_500_characters_pass_and_501_fail():
    validate(Draft(text="x" * 500), LIMITS)
    with pytest.raises(Invalid):
        validate(Draft(text="x" * 501), LIMITS)


def test_content_warning_counts_towards_the_limit():
    with pytest.raises(Invalid):
        validate(Draft(text="x" * 490, spoiler_text="y" * 11), LIMITS)


def test_blank_post_needs_media_or_poll():
    with pytest.raises(Invalid):
        validate(Draft(text="  "), LIMITS)
    validate(Draft(text="", media_ids=[1]), LIMITS)


@pytest.mark.parametrize("options", [["a"], ["a", "b", "c", "d", "e"], ["a" * 51, "b"], ["a", "a"], ["a", " "]])
def test_bad_polls_are_refused(options):
    with pytest.raises(Invalid):
        validate(Draft(text="q", poll=PollDraft(options=options, expires_in=600)), LIMITS)


def test_poll_and_media_together_are_refused():
    with pytest.raises(Invalid):
        validate(Draft(text="q", media_ids=[1], poll=PollDraft(options=["a", "b"], expires_in=600)), LIMITS)


def test_five_media_are_refused():
    with pytest.raises(Invalid):
        validate(Draft(text="m", media_ids=[1, 2, 3, 4, 5]), LIMITS)


def test_quote_policies():
    assert quote_allowed("public", quoter_id=1, author_id=2, quoter_follows_author=False)
    assert not quote_allowed("followers", quoter_id=1, author_id=2, quoter_follows_author=False)
    assert quote_allowed("followers", quoter_id=1, author_id=2, quoter_follows_author=True)
    assert not quote_allowed("nobody", quoter_id=1, author_id=2, quoter_follows_author=True)
    assert quote_allowed("nobody", quoter_id=2, author_id=2, quoter_follows_author=False)
