"""common/nameko_patches.py: a lost broker connection during an ack or an RPC reply is not fatal.

The real proof is tests/e2e/test_quiz_faults.py::test_broker_restarted_mid_submissions; these check
the pieces without a broker.
"""
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


def test_rpc_reply_on_a_lost_connection_is_dropped_not_fatal():
    responder = mock.Mock()
    with mock.patch.object(nameko_patches, "_send_response", side_effect=ConnectionRefusedError(111, "refused")):
        assert rpc.Responder.send_response(responder, {"ok": 1}, None) == ({"ok": 1}, None)
    with mock.patch.object(nameko_patches, "_send_response", side_effect=KeyError("bug")):
        with pytest.raises(KeyError):
            rpc.Responder.send_response(responder, {"ok": 1}, None)
