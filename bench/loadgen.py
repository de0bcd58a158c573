"""Open-loop HTTP load generator, run in its own process.

Request i is sent at t0 + i × duration / N whatever happened to the earlier ones (open loop: a slow
server does not slow the arrivals down, as thousands of browsers would not wait for each other).
Latency is measured from the *scheduled* send time, so a generator that falls behind shows up in
the numbers instead of hiding them (no coordinated omission); how far it fell behind is reported
as `send_lag`. The process's own CPU time (getrusage) is reported so that a reader can tell how
much of the 2 cores the generator took from the platform.

aiohttp on uvloop: the cheapest asyncio HTTP client here (about a third of httpx's CPU per request).
"""
import asyncio
import concurrent.futures as cf
import multiprocessing
import resource
import time


def run_wave(base_url, requests, duration_s, timeout_s=60.0):
    """Send `requests` ([{method, path, token, json}]) paced over `duration_s`, from a child process.

    Returns {"results": [(scheduled, sent, done, status, body_or_error)], "t0_epoch", "cpu_s",
    "wall_s", "max_open"}: times in seconds from t0, body as bytes (errors: the exception name).
    """
    ctx = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited threads or loops
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_child, base_url, requests, duration_s, timeout_s).result()


def _child(base_url, requests, duration_s, timeout_s):
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    return asyncio.run(_wave(base_url, requests, duration_s, timeout_s))


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _wave(base_url, requests, duration_s, timeout_s):
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0, force_close=False, enable_cleanup_closed=True)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    results = [None] * len(requests)
    state = {"open": 0, "max_open": 0}
    loop = asyncio.get_running_loop()
    interval = duration_s / max(1, len(requests))
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as session:
        cpu0 = _cpu()
        t0 = loop.time() + 0.05
        t0_epoch = time.time() + (t0 - loop.time())

        async def one(i, req, scheduled):
            sent = loop.time()
            state["open"] += 1
            state["max_open"] = max(state["max_open"], state["open"])
            headers = {"Authorization": f"Bearer {req['token']}"} if req.get("token") else {}
            try:
                async with session.request(req["method"], req["path"], json=req.get("json"),
                                           headers=headers) as resp:
                    body = await resp.read()
                    status = resp.status
            except Exception as exc:  # timeouts, refused or reset connections: counted as errors
                status, body = 0, type(exc).__name__
            finally:
                state["open"] -= 1
            results[i] = (scheduled - t0, sent - t0, loop.time() - t0, status, body)

        tasks = []
        for i, req in enumerate(requests):
            scheduled = t0 + i * interval
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, req, scheduled)))
        await asyncio.gather(*tasks)
        cpu = _cpu() - cpu0
        wall = loop.time() - t0
    return {"results": results, "t0_epoch": t0_epoch, "cpu_s": cpu, "wall_s": wall,
            "max_open": state["max_open"]}
