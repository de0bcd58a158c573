"""Small JSON helpers the portal's pages need and /api/v1 did not have.

- GET /api/v1/time: the server's clock, so a quiz countdown follows the server and not the device.
- GET /api/v1/admin/metrics/summary: the gateway's Prometheus counters (every worker's, see
  gateway/metrics.py), summed up for the monitors' page (totals and latency percentiles; the page
  turns two samples into rates).
- GET /api/v1/admin/contests/{contest}/rounds/{n}/question-stats: question difficulty (quiz's
  `question_stats`: the share of finished attempts that answered each question right).
- GET /api/v1/admin/contests/{contest}/rounds/{n}/score-distribution: how many graded attempts (and
  contestants, by their counted attempt) got each number of right answers (scoring's aggregate).
"""
import datetime as dt
import math
from collections import defaultdict

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from gateway import metrics
from gateway.auth import MonitoringStaff, StatisticsStaff
from gateway.deps import Rpc
from gateway.routes import API_PREFIX, ContestCode, RoundNumber
from gateway.schemas_review import ScoreDistributionOut

router = APIRouter(prefix=API_PREFIX, tags=["Cổng thông tin"])


def utc_now_iso():
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@router.get("/time", summary="Giờ máy chủ (để đồng hồ đếm ngược theo máy chủ, không theo thiết bị)")
async def server_time():
    return {"now": utc_now_iso()}


def _samples(families, name):
    """The samples of the family `name` (a counter's family name has no `_total`)."""
    for family in families:
        if family.name == name:
            yield from family.samples


def percentile_from_buckets(buckets, q):
    """The upper bound (seconds) of the histogram bucket holding quantile `q`; None without data.

    `buckets` maps each bucket's upper bound `le` to its cumulative count (Prometheus style).
    """
    bounds = sorted(buckets)
    total = buckets[bounds[-1]] if bounds else 0
    if not total:
        return None
    rank = q * total
    for le in bounds:
        if buckets[le] >= rank:
            return le
    return bounds[-1]


def summarize():
    """One dict of the gateway's request and RPC metrics (all its workers: gateway/metrics.py)."""
    families = metrics.families()
    routes = defaultdict(lambda: {"requests": 0, "errors": 0, "client_errors": 0, "seconds": 0.0})
    for s in _samples(families, "cchc_gateway_requests"):
        if s.name.endswith("_total"):
            row = routes[(s.labels["method"], s.labels["route"])]
            row["requests"] += s.value
            status = s.labels["status"]
            row["errors"] += s.value if status.startswith("5") else 0
            row["client_errors"] += s.value if status.startswith("4") else 0
    buckets = defaultdict(float)
    for s in _samples(families, "cchc_gateway_request_seconds"):
        if s.name.endswith("_bucket"):
            buckets[float(s.labels["le"])] += s.value
        elif s.name.endswith("_sum"):
            routes[(s.labels["method"], s.labels["route"])]["seconds"] += s.value
    rpc = defaultdict(lambda: {"calls": 0, "failures": 0})
    for s in _samples(families, "cchc_gateway_rpc_calls"):
        if s.name.endswith("_total"):
            row = rpc[(s.labels["service"], s.labels["method"])]
            row["calls"] += s.value
            row["failures"] += 0 if s.labels["outcome"] in ("ok", "remote_error") else s.value

    def ms(seconds):
        return None if seconds is None or math.isinf(seconds) else round(seconds * 1000, 1)

    route_rows = [
        {"method": m, "route": r, "requests": int(v["requests"]), "errors": int(v["errors"]),
         "client_errors": int(v["client_errors"]),
         "mean_ms": round(v["seconds"] / v["requests"] * 1000, 1) if v["requests"] else None}
        for (m, r), v in routes.items() if v["requests"]
    ]
    route_rows.sort(key=lambda row: -row["requests"])
    p99 = percentile_from_buckets(buckets, 0.99)
    return {
        "generated_at": utc_now_iso(),
        "requests": sum(r["requests"] for r in route_rows),
        "errors": sum(r["errors"] for r in route_rows),
        "client_errors": sum(r["client_errors"] for r in route_rows),
        # Bucket upper bounds: "95% of requests took at most this long"; +Inf means past the last bucket.
        "latency_ms": {"p50": ms(percentile_from_buckets(buckets, 0.5)),
                       "p95": ms(percentile_from_buckets(buckets, 0.95)),
                       "p99": ms(p99), "over_last_bucket": bool(p99 is not None and math.isinf(p99))},
        "routes": route_rows[:20],
        "rpc": sorted(({"service": s, "method": m, "calls": int(v["calls"]), "failures": int(v["failures"])}
                       for (s, m), v in rpc.items()), key=lambda row: -row["calls"]),
    }


@router.get("/admin/metrics/summary", summary="Tóm tắt chỉ số của gateway (mọi tiến trình của nó; giám sát)")
async def metrics_summary(actor: MonitoringStaff):
    return summarize()


class QuestionStatOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    question_id: str
    text: str
    asked: int
    correct: int
    share: float


@router.get("/admin/contests/{contest}/rounds/{n}/question-stats", response_model=list[QuestionStatOut],
            summary="Độ khó câu hỏi: tỷ lệ trả lời đúng từng câu trong tuần thi (câu khó nhất trước)")
async def question_stats(contest: ContestCode, n: RoundNumber, actor: StatisticsStaff, rpc: Rpc):
    return await rpc.call("quiz", "question_stats", actor, contest, n)


@router.get("/admin/contests/{contest}/rounds/{n}/score-distribution", response_model=ScoreDistributionOut,
            summary="Phân bố điểm của tuần thi: số lượt thi và số thí sinh theo số câu trả lời đúng")
async def score_distribution(contest: ContestCode, n: RoundNumber, actor: StatisticsStaff, rpc: Rpc):
    # Staff only: while a round is open the counts tell how many attempts (and perfect ones) there are,
    # which is what the prediction question asks.
    return await rpc.call("scoring", "get_score_distribution", contest, n)
