"""The collector's pacing: survivors of a full collection are frozen (later full collections do not walk
them), and a thaw reclaims garbage cycles that were frozen."""

import asyncio
import gc
import weakref

import pytest

from spark.collector import YOUNG_THRESHOLD, Collector


class Node:
    def __init__(self):
        self.other = None


def _walked_by_collections(obj) -> bool:
    return any(candidate is obj for candidate in gc.get_objects())  # frozen objects are not listed


@pytest.fixture
def thawed():
    yield
    gc.unfreeze()


async def _running(collector: Collector):
    task = asyncio.create_task(collector.run(check_seconds=0.01))
    await asyncio.sleep(0.03)
    return task


def test_survivors_of_a_full_collection_are_frozen_and_a_thaw_reclaims_frozen_cycles(thawed):
    async def scenario():
        before = gc.get_threshold()
        collector = Collector()
        task = await _running(collector)
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle, so only the collector can free it
        alive = weakref.ref(a)
        assert _walked_by_collections(a)
        gc.collect()
        await asyncio.sleep(0.05)
        assert not _walked_by_collections(a)  # survived a full collection: frozen
        del a, b
        gc.collect()
        assert alive() is not None  # frozen garbage waits for the thaw
        assert collector.thaw() >= 2
        assert alive() is None
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert gc.get_threshold() == before

    asyncio.run(scenario())


def test_without_a_full_collection_nothing_new_is_frozen(thawed):
    async def scenario():
        task = await _running(Collector())
        fresh = Node()
        await asyncio.sleep(0.05)
        assert _walked_by_collections(fresh)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())
