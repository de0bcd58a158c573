"""Dependencies the routes share (the actor's role checks are in gateway/auth.py)."""
from typing import Annotated

from fastapi import Depends, Request

from gateway.rpc import RpcClient


async def get_rpc(request: Request) -> RpcClient:
    """The process's RPC client (tests replace it with a fake through dependency_overrides).

    `async def` on purpose: FastAPI runs a plain `def` dependency in its thread pool, a thread hop
    on every request that the gateway cannot afford under load (bench/RESULTS.md).
    """
    return request.app.state.rpc


Rpc = Annotated[RpcClient, Depends(get_rpc)]


def client_ip(request: Request) -> str | None:
    """The caller's address, for quiz's login throttling.

    uvicorn's proxy-headers middleware has already replaced it with X-Forwarded-For's client when, and
    only when, the connection came from a trusted proxy (FORWARDED_ALLOW_IPS, docker-compose.yml).
    """
    return request.client.host if request.client else None
