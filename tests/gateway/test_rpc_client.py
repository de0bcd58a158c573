"""The RPC client against the REAL broker and a real nameko service (tests/gateway/echo_service.py).

Each test module gets a fresh vhost (deleted afterwards) so other engineers' tests never see ours.
"""
import asyncio
import uuid

import pytest
import pytest_asyncio

from gateway import context
from gateway.rpc import RpcClient
from gateway.rpc_errors import RemoteError, ServiceUnavailable
from tests.gateway import rabbit


pytestmark = [pytest.mark.timeout(120), pytest.mark.asyncio]


@pytest.fixture(scope="module")
def vhost():
    name, uri = rabbit.create_vhost()
    yield name, uri
    rabbit.delete_vhost(name)


@pytest.fixture(scope="module")
def echo(vhost):
    name, uri = vhost
    proc = rabbit.start_echo(uri, name)
    yield proc
    rabbit.stop(proc)


@pytest_asyncio.fixture
async def client(vhost, echo):
    rpc = RpcClient(vhost[1], timeout=3)
    await rpc.start(wait=10)
    assert rpc.connected
    yield rpc
    await rpc.stop()


async def test_call_returns_result(client):
    assert await client.call("echo", "echo", 1, "hai", x={"y": "Huế"}) == {
        "args": [1, "hai"], "kwargs": {"x": {"y": "Huế"}}}


async def test_request_id_reaches_the_service(client):
    token = context.request_id.set("req-123")
    try:
        assert await client.call("echo", "request_id") == "req-123"
    finally:
        context.request_id.reset(token)


async def test_domain_error_is_a_remote_error_with_code_and_detail(client):
    with pytest.raises(RemoteError) as info:
        await client.call("echo", "fail", "round_closed")
    assert info.value.exc_type == "Conflict"
    assert info.value.exc_args == ["round_closed", "Xung đột trạng thái."]


async def until(check, what, timeout_s=15, interval_s=0.05):
    """Await `check()` until it returns a truthy value (bounded); return it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        result = await check()
        if result:
            return result
        assert loop.time() < deadline, f"not within {timeout_s} s: {what}"
        await asyncio.sleep(interval_s)


async def test_timeout_is_service_unavailable(client):
    token = uuid.uuid4().hex
    try:
        with pytest.raises(ServiceUnavailable) as info:
            # `hold` cannot answer before it is released below: only the client's own timeout ends this
            await client.call("echo", "hold", token, timeout=0.5)
        assert info.value.reason == "timeout" and info.value.service == "echo"
        # the call cannot have finished on the service's side: the client gave up on its own
        assert await client.call("echo", "finished", token) is False
    finally:
        await client.call("echo", "release", token)
    # the client is still fine afterwards
    assert await client.call("echo", "echo", "ok") == {"args": ["ok"], "kwargs": {}}


async def test_unknown_service_fails_fast(client):
    with pytest.raises(ServiceUnavailable) as info:
        await client.call("nosuchservice", "anything", timeout=30)
    # returned by the broker (a timeout would say "timeout"), not waited out
    assert info.value.reason == "no_route"


async def test_concurrent_calls_each_get_their_own_answer(client):
    results = await asyncio.gather(*(client.call("echo", "echo", i) for i in range(200)))
    assert [r["args"][0] for r in results] == list(range(200))


async def test_client_recovers_after_its_connection_is_cut(client, vhost):
    assert await client.call("echo", "echo", "before") == {"args": ["before"], "kwargs": {}}
    old = await asyncio.to_thread(rabbit.connection_info, vhost[0], client.connection_name)
    rabbit.close_connection(old["name"])
    # the broker has a connection of ours that is not the one we cut: the client noticed and reconnected
    await asyncio.to_thread(rabbit.connection_info, vhost[0], client.connection_name,
                            exclude={rabbit.connection_key(old)})

    async def answered():
        try:
            return await client.call("echo", "echo", "after", timeout=2)
        except ServiceUnavailable:
            return None

    assert await until(answered, "a call after the reconnect") == {"args": ["after"], "kwargs": {}}


async def test_calls_in_flight_fail_when_the_connection_drops(client, vhost):
    conn = rabbit.find_connection(vhost[0], client.connection_name)
    token = uuid.uuid4().hex
    call = asyncio.create_task(client.call("echo", "hold", token, timeout=30))
    try:
        # the service is running the call, so it is in flight: cut now
        await until(lambda: client.call("echo", "started", token), "the held call reached the service")
        rabbit.close_connection(conn)
        with pytest.raises(ServiceUnavailable) as info:
            await call
        assert info.value.reason == "connection_lost"
    finally:
        call.cancel()
        await until(lambda: release_after_reconnect(client, token), "release of the held call")


async def release_after_reconnect(client, token):
    try:
        await client.call("echo", "release", token, timeout=2)
        return True
    except ServiceUnavailable:
        return False


async def test_broker_unreachable_at_start_does_not_raise():
    rpc = RpcClient("amqp://guest:guest@127.0.0.1:1/", timeout=1)
    await rpc.start(wait=0.5)
    try:
        assert not rpc.connected
        with pytest.raises(ServiceUnavailable) as info:
            await rpc.call("quiz", "health")
        assert info.value.reason == "broker_unreachable"
    finally:
        await rpc.stop()


async def test_killed_service_gives_unavailable_within_the_timeout():
    # its own vhost: the module's echo service must not answer for the killed one
    name, uri = rabbit.create_vhost()
    proc = rabbit.start_echo(uri, name)
    rpc = RpcClient(uri, timeout=2)
    try:
        await rpc.start(wait=10)
        assert await rpc.call("echo", "echo", 1) == {"args": [1], "kwargs": {}}
        rabbit.stop(proc)
        with pytest.raises(ServiceUnavailable) as info:
            await rpc.call("echo", "echo", 2)
        # its queue outlives it, so the call waits for its own timeout, then 503
        assert info.value.reason == "timeout"

        # A call nobody took in time expires in the queue: a service starting later never runs it.
        with pytest.raises(ServiceUnavailable):
            await rpc.call("echo", "remember", "stale", timeout=0.5)
        # ... and has left it (per-message TTL; a passive declare counts exactly, no stats lag) ...
        await until(lambda: queue_empty(rpc, "rpc-echo"), "the stale call expired in rpc-echo")
        proc = rabbit.start_echo(uri, name)
        assert await rpc.call("echo", "remember", "fresh") == "fresh"
        assert await rpc.call("echo", "seen", "fresh") is True
        assert await rpc.call("echo", "seen", "stale") is False
    finally:
        await rpc.stop()
        rabbit.stop(proc)
        rabbit.delete_vhost(name)


async def queue_empty(rpc, name):
    messages, _consumers = await rpc.queue_state(name)
    return messages == 0
