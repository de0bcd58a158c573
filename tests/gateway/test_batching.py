"""The gateway's request coalescing (gateway/batching.py), against a stand-in for the RPC client:
quiet calls leave alone at once, calls that meet a full pipeline leave together, and each caller
gets its own result or error."""
import asyncio

import pytest

from gateway import context
from gateway.batching import Coalescer
from gateway.rpc_errors import RemoteError, ServiceUnavailable

pytestmark = pytest.mark.asyncio


class BatchRpc:
    """Answers `quiz.submit_attempts(calls)`: each call's first argument back, or its error.
    While `gate` is clear, batches wait for it (a busy service)."""

    def __init__(self):
        self.batches = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_with = None

    async def call(self, service, method, calls, timeout=None):
        assert (service, method) == ("quiz", "submit_attempts")
        self.batches.append(calls)
        await self.gate.wait()
        if self.fail_with:
            raise self.fail_with
        return [{"result": None, "error": {"exc_type": "Conflict", "exc_args": ["deadline_passed", "x"],
                                           "value": "x"}}
                if c["args"][0] == "late" else {"result": {"echo": c["args"][0]}, "error": None}
                for c in calls]


def coalescer(rpc, max_items=4, max_in_flight=1):
    return Coalescer(rpc, "quiz", "submit_attempt", "submit_attempts", max_items, max_in_flight)


async def test_quiet_calls_leave_alone_and_at_once():
    rpc = BatchRpc()
    c = coalescer(rpc)
    for i in range(3):
        assert await c.call([f"a{i}"], {}, timeout=1) == {"echo": f"a{i}"}
    assert [len(b) for b in rpc.batches] == [1, 1, 1]


async def test_calls_that_meet_a_full_pipeline_leave_together():
    rpc = BatchRpc()
    c = coalescer(rpc, max_items=4, max_in_flight=1)
    rpc.gate.clear()
    first = asyncio.create_task(c.call(["a0"], {}, timeout=5))
    await asyncio.sleep(0.01)
    assert [len(b) for b in rpc.batches] == [1]  # in flight, the service is busy
    rest = [asyncio.create_task(c.call([f"a{i}"], {}, timeout=5)) for i in range(1, 11)]
    await asyncio.sleep(0.01)
    assert [len(b) for b in rpc.batches] == [1]  # queued here, not sent one by one
    rpc.gate.set()
    results = await asyncio.gather(first, *rest)
    assert results == [{"echo": f"a{i}"} for i in range(11)]
    assert [len(b) for b in rpc.batches] == [1, 4, 4, 2]
    assert [call["args"][0] for b in rpc.batches for call in b] == [f"a{i}" for i in range(11)]


async def test_each_caller_gets_its_own_error():
    rpc = BatchRpc()
    c = coalescer(rpc)
    rpc.gate.clear()
    tasks = [asyncio.create_task(c.call([name], {}, timeout=5)) for name in ("a", "late", "b")]
    await asyncio.sleep(0.01)
    rpc.gate.set()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert done[0] == {"echo": "a"} and done[2] == {"echo": "b"}
    assert isinstance(done[1], RemoteError)
    # Mapped as the lone call's error would be (gateway/errors.py looks at exc_type).
    assert (done[1].method, done[1].exc_type, done[1].exc_args[0]) == ("submit_attempt", "Conflict", "deadline_passed")


@pytest.mark.parametrize("failure", [ServiceUnavailable("quiz", "timeout"),
                                     RemoteError("quiz", "submit_attempts", {"exc_type": "OperationalError"})])
async def test_a_failed_batch_fails_every_call_in_it(failure):
    rpc = BatchRpc()
    rpc.fail_with = failure
    c = coalescer(rpc, max_in_flight=2)
    done = await asyncio.gather(*(c.call([f"a{i}"], {}, timeout=5) for i in range(3)), return_exceptions=True)
    assert all(type(e) is type(failure) for e in done), done
    if isinstance(failure, RemoteError):
        assert {(e.method, e.exc_type) for e in done} == {("submit_attempt", "OperationalError")}
    else:
        assert {e.reason for e in done} == {"timeout"}


async def test_a_call_that_times_out_while_queued_is_never_sent():
    rpc = BatchRpc()
    c = coalescer(rpc, max_in_flight=1)
    rpc.gate.clear()
    first = asyncio.create_task(c.call(["a0"], {}, timeout=5))
    await asyncio.sleep(0.01)
    with pytest.raises(ServiceUnavailable) as exc:
        await c.call(["gave-up"], {}, timeout=0.05)
    assert exc.value.reason == "timeout"
    later = asyncio.create_task(c.call(["a1"], {}, timeout=5))
    await asyncio.sleep(0.01)
    rpc.gate.set()
    assert await first == {"echo": "a0"} and await later == {"echo": "a1"}
    assert [call["args"][0] for b in rpc.batches for call in b] == ["a0", "a1"]


async def test_each_call_carries_its_request_id():
    rpc = BatchRpc()
    c = coalescer(rpc, max_in_flight=1)
    rpc.gate.clear()

    async def as_request(request_id, arg):
        context.request_id.set(request_id)
        return await c.call([arg], {"prediction": 3}, timeout=5)

    tasks = [asyncio.create_task(as_request(f"req-{i}", f"a{i}")) for i in range(3)]
    await asyncio.sleep(0.01)
    rpc.gate.set()
    await asyncio.gather(*tasks)
    sent = [call for b in rpc.batches for call in b]
    assert [(s["request_id"], s["kwargs"]) for s in sent] == [(f"req-{i}", {"prediction": 3}) for i in range(3)]
