"""common/nameko_patches.py: a lost broker connection during an ack or an RPC reply is not fatal;
RPC replies are serialized once and sent without publisher confirms.

The real proof is tests/e2e/test_quiz_faults.py::test_broker_restarted_mid_submissions; these check
the pieces without a broker.
"""
import json
from unittest import mock

import pytest
from nameko import messaging, rpc
from nameko.amqp.publish import Publisher

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
    responder = mock.Mock(amqp_uri="amqp://x", ssl=None, login_method=None, exchange="nameko-rpc")
    responder.message.properties = {"content_type": "application/json", "reply_to": "r-1",
                                    "correlation_id": "c-1"}
    return responder


def test_rpc_reply_on_a_lost_connection_is_dropped_not_fatal():
    responder = _responder()
    with mock.patch.object(nameko_patches.ReplyPublisher, "publish",
                           side_effect=ConnectionRefusedError(111, "refused")):
        assert rpc.Responder.send_response(responder, {"ok": 1}, None) == ({"ok": 1}, None)
    with mock.patch.object(nameko_patches.ReplyPublisher, "publish", side_effect=KeyError("bug")):
        with pytest.raises(KeyError):
            rpc.Responder.send_response(responder, {"ok": 1}, None)


def test_rpc_reply_is_serialized_once_and_sent_without_confirms():
    with mock.patch.object(nameko_patches.ReplyPublisher, "publish", autospec=True) as publish:
        assert rpc.Responder.send_response(_responder(), {"ok": "Đúng"}, None) == ({"ok": "Đúng"}, None)
    (publisher, body), kwargs = publish.call_args
    assert json.loads(body) == {"result": {"ok": "Đúng"}, "error": None}
    assert kwargs["content_type"] == "application/json" and kwargs["content_encoding"] == "utf-8"
    assert (kwargs["routing_key"], kwargs["correlation_id"]) == ("r-1", "c-1")
    assert publisher.use_confirms is False and publisher.transport_options is not Publisher.transport_options


def test_rpc_reply_of_an_unserializable_result_is_an_error():
    with mock.patch.object(nameko_patches.ReplyPublisher, "publish", autospec=True) as publish:
        result, exc_info = rpc.Responder.send_response(_responder(), {"when": object()}, None)
    assert result is None and exc_info is not None  # the worker failed (as in nameko)
    sent = json.loads(publish.call_args.args[1])
    assert sent["result"] is None and sent["error"]["exc_type"] == "UnserializableValueError"
