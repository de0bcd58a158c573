"""The whole platform with a broker user per process (issue 15, finding 8), as `make run` and compose
start it: scripts/broker_users.py creates the users on the cluster's vhost, every process connects as
its own, and a contestant's attempt still goes quiz -> scoring (which fetches the keys from quiz as
itself) -> quiz; the monitor overview (queue depths read as the gateway's monitoring user) and the
dead-letter replay work. Its own cluster; the users are deleted afterwards."""
import urllib.parse
import uuid

import pytest

from scripts import broker_users
from tests.e2e.cluster import RABBIT_API_URL, Cluster
from tests.e2e.quizclient import Client, make_bank, open_rounds, sheet, tag, wait_graded

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
    users = {c["user"] for c in cluster.rabbit.connections(cluster.vhost)}
    assert users == {f"{cluster.prefix}-{name}" for name in NAMES}, users  # nobody as the admin
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

        # The monitor page's overview: queue depths and dead-letter counts read as the gateway's user.
        system = cluster.http.get("/api/v1/admin/system", headers=admin)
        assert system.status_code == 200, system.text
        body = system.json()
        assert "rpc-quiz" in body["queues"] and body["dead_letters"]["scoring"] == 0
        replay = cluster.http.post("/api/v1/admin/system/dead-letters/scoring/replay", headers=admin)
        assert replay.status_code == 200, replay.text
        assert replay.json() == {"service": "scoring", "replayed": 0, "remaining": 0}
    finally:
        api.close()
