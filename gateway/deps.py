"""Dependencies the routes share."""
from fastapi import Request

from gateway.rpc import RpcClient


def get_rpc(request: Request) -> RpcClient:
    """The process's RPC client (tests replace it with a fake through dependency_overrides)."""
    return request.app.state.rpc


def client_ip(request: Request) -> str | None:
    """The caller's address, for quiz's login throttling.

    Behind a reverse proxy run uvicorn with --proxy-headers / FORWARDED_ALLOW_IPS so this is the
    real client and not the proxy.
    """
    return request.client.host if request.client else None
