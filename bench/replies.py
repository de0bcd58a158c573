"""CPU per RPC reply: nameko 2.14's own reply path against ours (common/nameko_patches.py).

A reply the size of a quiz paper (20 questions) is sent N times to a queue on the local RabbitMQ,
by nameko's `Responder.send_response` (a kombu Connection and a pooled producer per reply, the
result serialized twice, a publisher confirm) and by ours (one connection per process, serialized
once, no confirm). Prints CPU ms per reply of this process (RabbitMQ's share is not counted).

    .venv/bin/python -m bench.replies --n 2000
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from unittest import mock  # noqa: E402

import kombu  # noqa: E402
from nameko.amqp.publish import Publisher  # noqa: E402

import common.nameko_deps  # noqa: E402,F401  (applies the patches)
from common import nameko_patches  # noqa: E402

PAPER = {"attempt_id": "a" * 32, "questions": [
    {"id": f"q{i}", "text": "Câu hỏi về cải cách hành chính " * 5,
     "options": [{"key": k, "text": "Phương án trả lời " * 3} for k in "ABCD"]} for i in range(20)]}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    args = p.parse_args(argv)
    name = f"bench-replies-{uuid.uuid4().hex[:8]}"
    with kombu.Connection(args.amqp_uri) as conn:
        exchange = kombu.Exchange("nameko-rpc", type="topic", durable=True)
        queue = kombu.Queue(name, exchange=exchange, routing_key=name, auto_delete=False)
        queue(conn.default_channel).declare()
        responder = mock.Mock(amqp_uri=args.amqp_uri, ssl=None, login_method=None, exchange=exchange,
                              serializer="json", publisher_cls=Publisher)
        responder.message.properties = {"content_type": "application/json", "reply_to": name,
                                        "correlation_id": "c-1"}
        try:
            for label, send in (("nameko 2.14", nameko_patches._nameko_send_response),
                                ("common/nameko_patches.py", nameko_patches.send_response)):
                send(responder, PAPER, None)  # connect outside the measurement
                began = time.process_time()
                for _ in range(args.n):
                    send(responder, PAPER, None)
                print(f"{label:26s} CPU ms per reply: {1000 * (time.process_time() - began) / args.n:.3f}")
        finally:
            queue(conn.default_channel).delete()
            nameko_patches.REPLIES.close()


if __name__ == "__main__":
    main()
