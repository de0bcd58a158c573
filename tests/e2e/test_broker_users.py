"""The whole platform with a broker user per process (issue 15, finding 8), as `make run` and compose
start it: scripts/broker_users.py creates the users on the cluster's vhost, every process connects as
its own, and a contestant's attempt still goes quiz -> scoring (which fetches the keys from quiz as
itself) -> quiz; the monitor overview (queue depths read as the gateway's monitoring user) and the
dead-letter replay (a poison event parked, shown, replayed) work. Its own cluster; the users are deleted afterwards."""
import urllib.parse
import uuid

import kombu
import pytest

from scripts import broker_users
from tests.e2e.cluster import RABBIT_API_URL, Cluster
from tests.e2e.quizclient import Client, make_bank, open_rounds, sheet, tag, wait_for, wait_graded
from tests.services.scoring.helpers import attempt

pytestmark = pytest.mark.local_cluster(reason="starts a cluster of its own and speaks AMQP to its broker")

NAMES = ("gateway", "quiz", "scoring", "media", "awards")
SETTINGS = {"questions_per_attempt": 3, "time_limit_s": 60, "max_attempts_per_round": 2, "grace_s": 1}


class UsersCluster(Cluster):
    """The e2e cluster, each process as its own broker user."""

    def __init__(self):
        super().__init__()
        self.prefix = f"cchc-e2e-{uuid.uuid4().hex[:6]}"
        vhost = urllib.parse.quote(self.vhost, safe="")
        self.uris = {name: f"amqp://{self.prefix}-{name}:{uuid.uuid4().hex}@127.0.0.1:5672/{vhost}"
                     for name in NAMES}
        self.created = False

    def env(self, service, n):
        env = super().env(service, n)
        env.update({f"{name.upper()}_AMQP_URI": uri for name, uri in self.uris.items()})
        env["ANSWER_KEY_CALLERS"] = f"{self.prefix}-scoring"
        env["ACTOR_CALLERS"] = f"{self.prefix}-gateway"
        # Fast retries, so that a poison event reaches the dead-letter queue within the test.
        env.update(EVENT_RETRY_MAX_ATTEMPTS="2", EVENT_RETRY_BASE_DELAY_S="0.5", EVENT_RETRY_MAX_DELAY_S="1",
                   SCORING_MISSING_KEY_RETRY_DELAY_S="0")
        gateway = urllib.parse.urlparse(self.uris["gateway"])
        api = urllib.parse.urlparse(RABBIT_API_URL)
        env["RABBIT_API_URL"] = f"{api.scheme}://{gateway.username}:{gateway.password}@{api.hostname}:{api.port}"
        return env

    def spawn(self, service, n=1, extra_env=None):
        if not self.created:  # the vhost exists by now (Cluster.start), no process yet
            environ = {f"{name.upper()}_AMQP_URI": uri for name, uri in self.uris.items()}
            assert len(broker_users.apply(environ, RABBIT_API_URL)) == len(NAMES)
            self.created = True
        return super().spawn(service, n, extra_env)

    def stop(self):
        try:
            super().stop()
        finally:
            client, _ = broker_users.admin_client(RABBIT_API_URL)
            with client:
                for name in NAMES:
                    client.delete(f"/api/users/{self.prefix}-{name}")


@pytest.fixture(scope="module")
def users_cluster():
    cluster = UsersCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def test_platform_runs_with_a_broker_user_per_process(users_cluster):
    cluster = users_cluster
    expected = {f"{cluster.prefix}-{name}" for name in NAMES}
    # Nobody as the admin. (The management API lists new connections a few seconds late.)
    wait_for(lambda: {c["user"] for c in cluster.rabbit.connections(cluster.vhost)} == expected, 30)
    assert cluster.http.get("/readyz").status_code == 200

    api = Client(cluster.base_url)
    try:
        admin = cluster.auth()
        t = tag()
        unit = f"E2E-{t}-BU"
        api.setup_units(admin, [(unit, "Sở Nội vụ (kiểm thử)", "province_dept", "", 4)])
        code = f"e2e-bu-{t}"
        bank = make_bank(code, 6)
        api.setup_contest(admin, code, open_rounds(), SETTINGS, bank)
        person = api.new_contestant(unit)
        paper = api.start(person["headers"], code, 1)
        assert paper.status_code == 201, paper.text
        paper = paper.json()
        by_text = {q["text"]: q for q in bank}
        resp = api.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, 2), 10)
        assert resp.status_code in (200, 202), resp.text
        graded = wait_graded(api, person["headers"], paper["attempt_id"])
        assert graded["correct"] == 2

        # A disqualification: quiz asks awards (as quiz's user) before it changes anything, and its
        # event reaches scoring, whose live board then leaves the person out.
        wait_for(lambda: len(api.leaderboard(code, 1).json()["rows"]) == 1, 30)
        resp = cluster.http.post(f"/api/v1/admin/contests/{code}/disqualifications", headers=admin,
                                 json={"contestant_id": person["id"], "reason": "Kiểm thử quyền trên broker"})
        assert resp.status_code == 201, resp.text
        wait_for(lambda: api.leaderboard(code, 1).json()["rows"] == [], 30)

        # The monitor page's overview: queue depths and dead-letter counts read as the gateway's user.
        system = cluster.http.get("/api/v1/admin/system", headers=admin)
        assert system.status_code == 200, system.text
        body = system.json()
        assert "rpc-quiz" in body["queues"] and body["dead_letters"]["scoring"] == 0

        # An attempt naming questions nobody has a key for (sent as quiz, the only user allowed to
        # publish quiz's events) ends in scoring's dead-letter queue; the monitor shows it; a replay
        # sends it back, it fails again (the cause is not fixed) and is parked again.
        poison = attempt(f"poison-{t}", person["id"], 1, contest=code)
        with kombu.Connection(cluster.uris["quiz"]) as conn:
            kombu.Producer(conn.channel(), exchange=kombu.Exchange("quiz.events", type="topic", durable=True),
                           serializer="json").publish(poison, routing_key="attempt_submitted")

        def dead_letters():
            resp = cluster.http.get("/api/v1/admin/system", headers=admin)
            assert resp.status_code == 200, resp.text
            return resp.json()["dead_letters"]["scoring"] == 1

        wait_for(dead_letters, 60)
        replay = cluster.http.post("/api/v1/admin/system/dead-letters/scoring/replay", headers=admin)
        assert replay.status_code == 200, replay.text
        assert replay.json() == {"service": "scoring", "replayed": 1, "remaining": 0}
        wait_for(dead_letters, 60)
        contestant = cluster.http.post("/api/v1/admin/system/dead-letters/scoring/replay", headers=person["headers"])
        assert contestant.status_code == 403
        unknown = cluster.http.post("/api/v1/admin/system/dead-letters/nope/replay", headers=admin)
        assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_service"
    finally:
        api.close()
