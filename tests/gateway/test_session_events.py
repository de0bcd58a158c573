"""quiz's `account_sessions_ended` reaches every gateway process (gateway/rpc.py `subscribe`), on the
REAL broker: the event as nameko publishes it, each process on its own exclusive queue, and a fresh
start of the cache (its on_connect) after the connection comes back."""
import asyncio
import time
import urllib.parse

import pytest
import pytest_asyncio
from nameko.standalone.events import event_dispatcher

from gateway.rpc import RpcClient
from gateway.sessions import EVENT, SOURCE, TokenVersions
from tests.gateway import rabbit

pytestmark = [pytest.mark.timeout(120), pytest.mark.asyncio]


@pytest.fixture(scope="module")
def vhost():
    name, uri = rabbit.create_vhost()
    yield name, uri
    rabbit.delete_vhost(name)


class Process:
    """One gateway process: its RPC client and its cache of token versions."""

    def __init__(self, uri):
        self.rpc = RpcClient(uri, timeout=3)
        self.quiz_calls = 0
        self.connects = 0
        self.cache = TokenVersions(self.fetch, ttl_s=3600)
        self.rpc.subscribe(SOURCE, [EVENT], self.cache.on_event, on_connect=self.connected)

    async def fetch(self, user_id):
        self.quiz_calls += 1
        return {"version": 0, "active": True}

    def connected(self):
        self.connects += 1
        self.cache.clear()


@pytest_asyncio.fixture
async def processes(vhost):
    procs = [Process(vhost[1]) for _ in range(2)]
    for p in procs:
        await p.rpc.start(wait=10)
        assert p.rpc.connected and p.rpc.subscribed
    yield procs
    for p in procs:
        await p.rpc.stop()


def publish(uri, payload):
    # What quiz's outbox does: nameko's event dispatcher on the `quiz.events` exchange.
    event_dispatcher({"AMQP_URI": uri})(SOURCE, EVENT, payload)


async def until(check, timeout_s=10):
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout_s} s"
        await asyncio.sleep(0.05)


async def test_an_event_reaches_every_process_and_ends_the_session(vhost, processes):
    for p in processes:
        assert await p.cache.valid("u1", 0)
    await asyncio.to_thread(publish, vhost[1], {"user_id": "u1", "version": 1, "active": False,
                                                "reason": "deactivated", "event_id": "e1"})
    for p in processes:
        await until(lambda p=p: len(p.cache) and p.cache._entries["u1"][0] == 1)
        assert not await p.cache.valid("u1", 0)
        assert p.quiz_calls == 1  # refused from the cache: no call to quiz
    with rabbit._client() as api:
        listed = api.get(f"/api/queues/{urllib.parse.quote(vhost[0], safe='')}").json()
    queues = [q for q in listed if q["name"].startswith("gateway.events-")]
    assert len(queues) == 2 and all(q["exclusive"] and q["auto_delete"] for q in queues)


async def test_a_reconnect_starts_the_cache_afresh(vhost, processes):
    p = processes[0]
    assert await p.cache.valid("u2", 0)
    connects = p.connects
    old = rabbit.connection_info(vhost[0], p.rpc.connection_name)
    rabbit.close_connection(old["name"])
    # Events sent while it was away are lost to it: the cache must not outlive the gap.
    await until(lambda: p.connects > connects and p.rpc.connected, 20)
    assert len(p.cache) == 0 and p.rpc.subscribed
    await asyncio.to_thread(publish, vhost[1], {"user_id": "u2", "version": 5, "active": True})
    await until(lambda: "u2" in p.cache._entries)
    assert not await p.cache.valid("u2", 0)
