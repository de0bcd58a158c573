"""The RPC client against the REAL broker and a real nameko service (tests/gateway/echo_service.py).

Each test module gets a fresh vhost (deleted afterwards) so other engineers' tests never see ours.
"""
import asyncio

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


async def test_timeout_is_service_unavailable(client):
    loop = asyncio.get_running_loop()
    began = loop.time()
    with pytest.raises(ServiceUnavailable) as info:
        await client.call("echo", "slow", 5, timeout=0.5)
    assert info.value.reason == "timeout" and info.value.service == "echo"
    # gave up at its own timeout, not when the service finished (5 s)
    assert loop.time() - began < 5
    # the client is still fine afterwards
    assert await client.call("echo", "echo", "ok") == {"args": ["ok"], "kwargs": {}}


async def test_unknown_service_fails_fast(client):
    loop = asyncio.get_running_loop()
    began = loop.time()
    with pytest.raises(ServiceUnavailable) as info:
        await client.call("nosuchservice", "anything", timeout=30)
    assert info.value.reason == "no_route"
    assert loop.time() - began < 30  # returned by the broker, not timed out


async def test_concurrent_calls_each_get_their_own_answer(client):
    results = await asyncio.gather(*(client.call("echo", "echo", i) for i in range(200)))
    assert [r["args"][0] for r in results] == list(range(200))


async def test_client_recovers_after_its_connection_is_cut(client, vhost):
    assert await client.call("echo", "echo", "before") == {"args": ["before"], "kwargs": {}}
    conn = rabbit.find_connection(vhost[0], client.connection_name)
    rabbit.close_connection(conn)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while True:
        try:
            result = await client.call("echo", "echo", "after", timeout=2)
            break
        except ServiceUnavailable:
            assert loop.time() < deadline, "no recovery within 15 s"
            await asyncio.sleep(0.2)
    assert result == {"args": ["after"], "kwargs": {}}
    # it really was a new connection
    assert rabbit.find_connection(vhost[0], client.connection_name) != conn


async def test_calls_in_flight_fail_when_the_connection_drops(client, vhost):
    conn = rabbit.find_connection(vhost[0], client.connection_name)
    call = asyncio.create_task(client.call("echo", "slow", 2, timeout=30))
    await asyncio.sleep(0.3)
    rabbit.close_connection(conn)
    with pytest.raises(ServiceUnavailable) as info:
        await call
    assert info.value.reason == "connection_lost"


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
        loop = asyncio.get_running_loop()
        began = loop.time()
        with pytest.raises(ServiceUnavailable) as info:
            await rpc.call("echo", "echo", 2)
        # its queue outlives it, so the call waits for the timeout (not longer), then 503
        assert info.value.reason == "timeout"
        assert loop.time() - began < 2 + 1

        # A call nobody took in time expires in the queue: a service starting later never runs it.
        with pytest.raises(ServiceUnavailable):
            await rpc.call("echo", "remember", "stale", timeout=0.5)
        await asyncio.sleep(1)
        proc = rabbit.start_echo(uri, name)
        assert await rpc.call("echo", "remember", "fresh") == "fresh"
        assert await rpc.call("echo", "seen", "fresh") is True
        assert await rpc.call("echo", "seen", "stale") is False
    finally:
        await rpc.stop()
        rabbit.stop(proc)
        rabbit.delete_vhost(name)
