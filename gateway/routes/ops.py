"""Operations: liveness, readiness, Prometheus metrics, the system overview for monitors."""
import asyncio
import ipaddress
import logging
import urllib.parse

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway import schemas
from gateway import metrics as gateway_metrics
from gateway.auth import MonitoringStaff
from gateway.config import settings
from gateway.deps import Rpc
from gateway.errors import ApiError
from gateway.rpc_errors import RemoteError, ServiceUnavailable

log = logging.getLogger(__name__)

router = APIRouter(tags=["Vận hành"])


async def service_health(rpc, service):
    """True if the service's `health` RPC answers `status: ok` within READY_TIMEOUT_S."""
    try:
        answer = await rpc.call(service, "health", timeout=settings.ready_timeout_s)
    except (ServiceUnavailable, RemoteError):
        return False
    return isinstance(answer, dict) and answer.get("status") == "ok"


async def all_health(rpc):
    results = await asyncio.gather(*(service_health(rpc, s) for s in settings.services))
    return dict(zip(settings.services, results))


@router.get("/healthz", summary="Tiến trình gateway còn chạy")
async def healthz():
    return {"status": "ok"}


@router.get("/readyz", summary="Sẵn sàng: kết nối được RabbitMQ và mọi dịch vụ trả lời")
async def readyz(rpc: Rpc):
    if not rpc.connected:
        down = ["rabbitmq"]
        services = {s: False for s in settings.services}
    else:
        services = await all_health(rpc)
        down = [s for s, ok in services.items() if not ok]
    if down:
        return JSONResponse(
            {"status": "unavailable", "code": "not_ready", "down": down, "services": services,
             "detail": "Chưa sẵn sàng, không phản hồi: " + ", ".join(down)},
            status_code=503,
        )
    return {"status": "ok", "services": services}


def metrics_allowed(host):
    """Is this client address in METRICS_ALLOW_FROM (always, when that list is empty)?"""
    if not settings.metrics_allow_from:
        return True
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    return any(address in network for network in settings.metrics_allow_from)


@router.get("/metrics", summary="Chỉ số Prometheus", response_class=Response)
async def metrics(request: Request, rpc: Rpc):
    if not metrics_allowed(request.client.host if request.client else None):
        raise ApiError(403, "forbidden", "Chỉ hệ thống giám sát được đọc chỉ số vận hành.")
    # Queue gauges are read at scrape time: nothing polls the broker when nobody is looking.
    try:
        queues = await queues_from_management_api(
            vhost_of(rpc.amqp_uri), columns="name,messages_ready,messages_unacknowledged,consumers")
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("queue metrics unavailable: RabbitMQ management API: %s", exc)
        queues = None
    gateway_metrics.set_queue_gauges(queues)
    # Every worker's counters (gateway/metrics.py), whichever worker answers the scrape.
    return Response(generate_latest(gateway_metrics.registry()), media_type=CONTENT_TYPE_LATEST)


def vhost_of(amqp_uri):
    path = urllib.parse.urlparse(amqp_uri).path
    return urllib.parse.unquote(path[1:]) if path not in ("", "/") else "/"


async def queues_from_management_api(vhost, columns="name,messages,consumers"):
    url = httpx.URL(settings.rabbit_api_url)
    auth_pair = (urllib.parse.unquote(url.username or "guest"), urllib.parse.unquote(url.password or "guest"))
    base = str(url.copy_with(username=None, password=None)).rstrip("/")
    async with httpx.AsyncClient(timeout=settings.ready_timeout_s, auth=auth_pair) as client:
        resp = await client.get(f"{base}/api/queues/{urllib.parse.quote(vhost, safe='')}",
                                params={"columns": columns})
        resp.raise_for_status()
        fields = [c for c in columns.split(",") if c != "name"]
        return {q["name"]: {f: q.get(f) for f in fields} for q in resp.json()}


async def queues_by_passive_declare(rpc):
    queues = {}
    for service in settings.services:
        state = await rpc.queue_state(f"rpc-{service}")
        if state is not None:
            queues[f"rpc-{service}"] = {"messages": state[0], "consumers": state[1]}
    return queues


@router.get("/api/v1/admin/system", response_model=schemas.SystemOut,
            summary="Tình trạng hệ thống: số tiến trình mỗi dịch vụ, hàng đợi")
async def system(actor: MonitoringStaff, rpc: Rpc):
    if not rpc.connected:
        raise ServiceUnavailable("rabbitmq", "broker_unreachable")
    health = await all_health(rpc)
    services, rpc_queues = {}, {}
    for service in settings.services:
        state = await rpc.queue_state(f"rpc-{service}")
        services[service] = {"instances": state[1] if state else 0, "healthy": health[service]}
        if state is not None:
            rpc_queues[f"rpc-{service}"] = {"messages": state[0], "consumers": state[1]}
    try:
        queues = await queues_from_management_api(vhost_of(rpc.amqp_uri))
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("RabbitMQ management API unavailable (%s); falling back to passive declares", exc)
        queues = await queues_by_passive_declare(rpc)
    # The management API's figures lag a few seconds behind (a new queue is missing, its counts
    # null): the passive declares just made are the broker's own answer, so they win.
    for name, figures in rpc_queues.items():
        queues[name] = {**queues.get(name, {}), **figures}
    dead_letters = {}
    for service in settings.services:
        name = f"{service}.dead-letter"
        if name in queues and queues[name].get("messages") is not None:
            dead_letters[service] = queues[name].get("messages")
        else:
            try:
                state = await rpc.queue_state(name)
            except ServiceUnavailable:
                state = (None, None)
            dead_letters[service] = state[0] if state else 0  # no queue yet: nothing ever failed
    return {"services": services, "queues": queues, "dead_letters": dead_letters}


@router.post("/api/v1/admin/system/dead-letters/{service}/replay", response_model=schemas.DeadLetterReplayOut,
             summary="Xử lý lại các sự kiện lỗi đang nằm trong hàng đợi dead-letter của một dịch vụ")
async def replay_dead_letters(service: str, actor: MonitoringStaff, rpc: Rpc):
    if service not in settings.services:
        raise ApiError(404, "unknown_service", "Không có dịch vụ này.")
    # The service moves its own messages: the gateway's broker user may not read its queues.
    result = await rpc.call(service, "replay_dead_letters", actor)
    log.warning("dead letters of %s replayed by %s (%s, %s): %s", service, actor.get("username"),
                actor.get("id"), actor.get("role"), result)
    return result
