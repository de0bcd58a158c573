"""common/nameko_patches.py: a lost broker connection during an ack or an RPC reply is not fatal;
RPC replies are serialized once and sent without publisher confirms.

The real proof is tests/e2e/test_quiz_faults.py::test_broker_restarted_mid_submissions; these check
the pieces without a broker.
"""
import json
import time
import urllib.parse
from unittest import mock

import pytest
from nameko import messaging, rpc

import common.nameko_deps  # noqa: F401  (applies the patches, as every service does)
from common import nameko_patches


def message(action, error):
    msg = mock.Mock()
    getattr(msg, action).side_effect = error
    return msg


@pytest.mark.parametrize("error", [ConnectionResetError(104, "reset"), BrokenPipeError(32, "pipe")])
@pytest.mark.parametrize("action,method", [("ack", "ack_message"), ("requeue", "requeue_message")])
def test_socket_errors_on_ack_or_requeue_are_ignored(action, method, error):
    msg = message(action, error)
    getattr(messaging.QueueConsumer, method)(mock.Mock(), msg)  # does not raise
    getattr(msg, action).assert_called_once_with()


def test_no_ack_on_a_closed_connection():
    msg = mock.Mock()
    msg.channel.connection = None
    messaging.QueueConsumer.ack_message(mock.Mock(), msg)
    msg.ack.assert_not_called()


def test_other_errors_still_raise():
    with pytest.raises(ValueError):
        messaging.QueueConsumer.ack_message(mock.Mock(), message("ack", ValueError("a bug")))


def _responder():
    responder = mock.Mock(amqp_uri="amqp://x", ssl=None, login_method=None)
    responder.exchange.name = "nameko-rpc"
    responder.message.properties = {"content_type": "application/json", "reply_to": "r-1",
                                    "correlation_id": "c-1"}
    return responder


def test_rpc_reply_on_a_lost_connection_is_dropped_not_fatal():
    responder = _responder()
    with mock.patch.object(nameko_patches.REPLIES, "send", side_effect=ConnectionRefusedError(111, "refused")):
        assert rpc.Responder.send_response(responder, {"ok": 1}, None) == ({"ok": 1}, None)
    with mock.patch.object(nameko_patches.REPLIES, "send", side_effect=KeyError("bug")):
        with pytest.raises(KeyError):
            rpc.Responder.send_response(responder, {"ok": 1}, None)


def test_rpc_reply_is_serialized_once_and_sent_as_one_publish():
    with mock.patch.object(nameko_patches.REPLIES, "send") as send:
        assert rpc.Responder.send_response(_responder(), {"ok": "Đúng"}, None) == ({"ok": "Đúng"}, None)
    (uri, ssl, exchange, routing_key, body, content_type, encoding, correlation_id), _ = send.call_args
    assert json.loads(body) == {"result": {"ok": "Đúng"}, "error": None} and isinstance(body, bytes)
    assert (exchange, routing_key, correlation_id) == ("nameko-rpc", "r-1", "c-1")
    assert (content_type, encoding) == ("application/json", "utf-8")


def test_rpc_reply_of_an_unserializable_result_is_an_error():
    with mock.patch.object(nameko_patches.REPLIES, "send") as send:
        result, exc_info = rpc.Responder.send_response(_responder(), {"when": object()}, None)
    assert result is None and exc_info is not None  # the worker failed (as in nameko)
    sent = json.loads(send.call_args.args[4])
    assert sent["result"] is None and sent["error"]["exc_type"] == "UnserializableValueError"


def close_connection_of(rabbit_config, kombu_conn):
    """Ask RabbitMQ (management API) to close this client's connection, as a broker restart does."""
    import httpx

    port = kombu_conn.default_channel.connection.sock.getsockname()[1]
    api = rabbit_config["RABBIT_API_URI"] if "RABBIT_API_URI" in rabbit_config else "http://guest:guest@127.0.0.1:15672/api"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for c in httpx.get(f"{api}/connections").json():
            if c.get("peer_port") == port:
                httpx.delete(f"{api}/connections/{urllib.parse.quote(c['name'], safe='')}")
                time.sleep(0.5)  # the Close frame reaches the client
                return
        time.sleep(0.5)  # the management API lists new connections after a few seconds
    raise AssertionError("connection not listed by the management API")


def test_reply_sender_reconnects_after_a_broken_connection(rabbit_config):
    """Against the real broker: a reply reaches its queue; a connection that broke is replaced."""
    import kombu

    uri = rabbit_config["AMQP_URI"]
    sender = nameko_patches.ReplySender()
    with kombu.Connection(uri) as conn:
        exchange = kombu.Exchange("nameko-rpc", type="topic", durable=True)
        queue = kombu.Queue("reply-test", exchange=exchange, routing_key="r-1", auto_delete=True)
        queue(conn.default_channel).declare()
        sender.send(uri, None, "nameko-rpc", "r-1", b'{"result": 1, "error": null}', "application/json", "utf-8", "c-1")
        [(key, first)] = sender._conns.items()
        # The broker closes the connection (as on a restart): the next reply notices and reconnects
        # instead of writing into the dead socket.
        close_connection_of(rabbit_config, first)
        sender.send(uri, None, "nameko-rpc", "r-1", b'{"result": 2, "error": null}', "application/json", "utf-8", "c-2")
        assert sender._conns[key] is not first
        # A socket broken under us: that send fails, the next one works on a new connection.
        sender._conns[key].default_channel.connection.sock.close()
        with pytest.raises(Exception):
            sender.send(uri, None, "nameko-rpc", "r-1", b"{}", "application/json", "utf-8", "c-x")
        assert sender._conns == {}
        sender.send(uri, None, "nameko-rpc", "r-1", b'{"result": 3, "error": null}', "application/json", "utf-8", "c-3")
        got = []
        for _ in range(3):
            message = queue(conn.default_channel).get(no_ack=True)
            got.append((message.properties["correlation_id"], json.loads(message.body)["result"]))
        assert got == [("c-1", 1), ("c-2", 2), ("c-3", 3)]
    sender.close()
