from datetime import UTC, datetime

from spark.domain.ids import id_for_time, id_time, new_id
from spark.domain.visibility import Visibility, can_see


def test_ids_are_unique_and_increasing():
    ids = [new_id() for _ in range(10_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(0 < i < 2**63 for i in ids)


def test_ids_carry_their_time():
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert id_time(id_for_time(moment)) == moment


def test_visibility_rules():
    base = dict(viewer_id=1, author_id=2, viewer_follows_author=False, viewer_is_mentioned=False)
    assert can_see(Visibility.PUBLIC, **{**base, "viewer_id": None})
    assert not can_see(Visibility.PRIVATE, **base)
    assert can_see(Visibility.PRIVATE, **{**base, "viewer_follows_author": True})
    assert not can_see(Visibility.DIRECT, **{**base, "viewer_follows_author": True})
    assert can_see(Visibility.DIRECT, **{**base, "viewer_is_mentioned": True})
    assert can_see(Visibility.DIRECT, **{**base, "viewer_id": 2})
