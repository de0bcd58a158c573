"""common.rpc: a reply that cannot be published (broker gone) must not kill the service.

With nameko's own `rpc`, the publish error of one reply ends the container (the whole process in
production); with common.rpc.rpc the container keeps serving.
"""
import kombu.exceptions
import nameko.rpc
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from common.rpc import rpc as safe_rpc


def make_service(decorator):
    class Echo:
        name = "echo"

        @decorator
        def echo(self, value):
            return value

    return Echo


@pytest.fixture
def reply_fails_once(monkeypatch):
    """The next reply publish raises as if the broker had just gone away."""
    original = nameko.rpc.Responder.send_response
    calls = {"n": 0}

    def send_response(self, result, exc_info):
        calls["n"] += 1
        if calls["n"] == 1:
            raise kombu.exceptions.OperationalError("[Errno 111] ECONNREFUSED")
        return original(self, result, exc_info)

    monkeypatch.setattr(nameko.rpc.Responder, "send_response", send_response)
    return calls


def test_lost_reply_keeps_the_service_alive(container_factory, rabbit_config, reply_fails_once):
    container = container_factory(make_service(safe_rpc), rabbit_config)
    container.start()
    with ServiceRpcProxy("echo", rabbit_config, timeout=2) as echo:
        with pytest.raises(Exception):  # the first reply is lost: the caller times out
            echo.echo("first")
        assert not container._died.ready(), "the container must survive a lost reply"
        assert echo.echo("second") == "second"
    assert reply_fails_once["n"] == 2


def test_with_plain_nameko_rpc_a_lost_reply_kills_the_container(container_factory, rabbit_config, reply_fails_once):
    container = container_factory(make_service(nameko.rpc.rpc), rabbit_config)
    container.start()
    with ServiceRpcProxy("echo", rabbit_config, timeout=2) as echo:
        with pytest.raises(Exception):
            echo.echo("first")
    # The container died of the publish error: what common.rpc prevents.
    with pytest.raises(kombu.exceptions.OperationalError):
        container.wait()
