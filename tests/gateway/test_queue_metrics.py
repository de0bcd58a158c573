"""Queue gauges of the gateway's /metrics (read from RabbitMQ's management API at each scrape)."""
from prometheus_client import REGISTRY

from gateway import metrics


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels)


def test_gauges_follow_the_queues_and_forget_vanished_ones():
    metrics.set_queue_gauges({
        "rpc-quiz": {"messages_ready": 7, "messages_unacknowledged": 2, "consumers": 2},
        "evt-quiz-old": {"messages_ready": 1, "messages_unacknowledged": 0, "consumers": 0},
    })
    assert value("cchc_queue_messages_ready", queue="rpc-quiz") == 7
    assert value("cchc_queue_messages_unacked", queue="rpc-quiz") == 2
    assert value("cchc_queue_consumers", queue="rpc-quiz") == 2
    assert value("cchc_queue_exporter_up") == 1

    metrics.set_queue_gauges({"rpc-quiz": {"messages_ready": None, "messages_unacknowledged": 0, "consumers": 1}})
    assert value("cchc_queue_messages_ready", queue="evt-quiz-old") is None  # gone, not frozen at 1
    assert value("cchc_queue_messages_ready", queue="rpc-quiz") == 0  # the API omits figures of idle queues
    assert value("cchc_queue_consumers", queue="rpc-quiz") == 1


def test_unreadable_management_api_marks_the_exporter_down_and_reports_no_stale_depth():
    metrics.set_queue_gauges({"rpc-quiz": {"messages_ready": 3, "messages_unacknowledged": 0, "consumers": 2}})
    metrics.set_queue_gauges(None)
    assert value("cchc_queue_exporter_up") == 0
    assert value("cchc_queue_consumers", queue="rpc-quiz") is None


def test_metrics_endpoint_reports_the_queues_of_its_vhost(client, fake, monkeypatch):
    seen = {}

    async def fake_api(vhost, columns):
        seen.update(vhost=vhost, columns=columns)
        return {"rpc-scoring": {"messages_ready": 4, "messages_unacknowledged": 1, "consumers": 3}}

    from gateway.routes import ops
    monkeypatch.setattr(ops, "queues_from_management_api", fake_api)
    fake.amqp_uri = "amqp://guest:guest@127.0.0.1:5672/cchc%2Fprod"
    text = client.get("/metrics").text
    assert seen["vhost"] == "cchc/prod" and "consumers" in seen["columns"]
    assert 'cchc_queue_consumers{queue="rpc-scoring"} 3.0' in text
    assert "cchc_queue_exporter_up 1.0" in text
