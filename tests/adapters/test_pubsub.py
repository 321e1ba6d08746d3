"""The pub/sub adapters: in-process, and over the real local Redis when SPARK_TEST_REDIS_URL is set."""

import asyncio
import os

import pytest

from spark.adapters.pubsub_memory import MemoryPubSub
from spark.adapters.pubsub_redis import RedisPubSub


async def _take(subscription, count: int, timeout: float = 5) -> list:
    got = []

    async def run():
        async for item in subscription:
            got.append(item)
            if len(got) == count:
                return

    await asyncio.wait_for(run(), timeout)
    return got


def test_a_slow_listener_is_cut_off_and_a_fast_one_gets_everything():
    async def scenario():
        hub = MemoryPubSub(backlog=3)
        fast, slow = await hub.subscription(), await hub.subscription()
        await fast.subscribe(["c"])
        await slow.subscribe(["c"])
        received = asyncio.create_task(_take(fast, 10))
        for i in range(10):
            await hub.publish([("c", str(i).encode())])
            await asyncio.sleep(0)  # the fast listener keeps up; the slow one never reads
        assert [payload for _, payload in await received] == [str(i).encode() for i in range(10)]
        assert slow.overflowed
        assert [item async for item in slow] == [("c", b"0"), ("c", b"1"), ("c", b"2")]  # then it ends
        await slow.close()
        assert slow not in hub.listeners.get("c", set())

    asyncio.run(scenario())


def test_unsubscribed_and_closed_listeners_get_nothing():
    async def scenario():
        hub = MemoryPubSub()
        listener = await hub.subscription()
        await listener.subscribe(["a", "b"])
        await listener.unsubscribe(["a"])
        await hub.publish([("a", b"x"), ("b", b"y")])
        assert await _take(listener, 1) == [("b", b"y")]
        await listener.close()
        assert hub.listeners == {}

    asyncio.run(scenario())


@pytest.mark.skipif(not os.environ.get("SPARK_TEST_REDIS_URL"), reason="needs Redis (set by .ci/run)")
def test_redis_carries_messages_between_processes_hubs():
    async def scenario():
        url = os.environ["SPARK_TEST_REDIS_URL"]
        here, there = RedisPubSub(url, backlog=100), RedisPubSub(url, backlog=100)
        try:
            listener = await there.subscription()
            channel = f"test:{os.getpid()}"
            await listener.subscribe([channel])
            await asyncio.sleep(0.2)
            await here.publish([(channel, b"hello"), ("elsewhere", b"no")])
            assert await _take(listener, 1) == [(channel, b"hello")]
            await listener.close()
        finally:
            await here.close()
            await there.close()

    asyncio.run(scenario())


@pytest.mark.skipif(not os.environ.get("SPARK_TEST_REDIS_URL"), reason="needs Redis (set by .ci/run)")
def test_a_watched_channel_stays_heard_when_its_last_listener_leaves():
    """A watcher (a cache forgetting what other processes changed) keeps hearing its channel over Redis,
    though a stream listened to the same channel and left."""
    async def scenario():
        url = os.environ["SPARK_TEST_REDIS_URL"]
        here, there = RedisPubSub(url, backlog=100), RedisPubSub(url, backlog=100)
        heard: list[bytes] = []
        try:
            channel = f"test:watched:{os.getpid()}"
            assert await there.watch(channel, heard.append) is True
            listener = await there.subscription()
            await listener.subscribe([channel])
            await listener.close()
            await asyncio.sleep(0.2)
            await here.publish([(channel, b"changed")])
            for _ in range(50):
                if heard:
                    break
                await asyncio.sleep(0.1)
            assert heard == [b"changed"]
        finally:
            await here.close()
            await there.close()

    asyncio.run(scenario())
