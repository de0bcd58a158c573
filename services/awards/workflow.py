"""The steps of each awards RPC: gather inputs from the other services (Upstream), compute with the
pure functions of domain/, store or read in one short transaction.

Inputs are gathered outside any transaction: a slow answer from another service must not hold
database locks.
"""
import base64

from common.auth import require
from services.awards.domain import budget as budget_mod
from services.awards.domain import compute, prizes, sets
from services.awards.domain import documents
from services.awards.errors import Conflict, Invalid, NotFound, err


def check_contest(contest):
    if not isinstance(contest, str) or not contest or len(contest) > 40:
        raise err(Invalid, "invalid_contest")


def check_kind_round(kind, round_n):
    if kind not in prizes.KINDS:
        raise err(Invalid, "invalid_kind")
    if kind == "weekly":
        if isinstance(round_n, bool) or not isinstance(round_n, int) or round_n < 1:
            raise err(Invalid, "invalid_round")
        return round_n
    if round_n is not None:
        raise err(Invalid, "invalid_round")
    return 0


def unit_names(upstream):
    return {u["code"]: u.get("name") for u in upstream.units()}


def compute_set(db, upstream, actor, contest, kind, round_n=None):
    """Compute the draft of one result (replacing the previous draft) and return it."""
    require(actor, "organizer")
    check_contest(contest)
    round_key = check_kind_round(kind, round_n)
    info = upstream.contest(contest)  # NotFound contest_not_found passes through
    settings = info.get("settings") or {}
    with db.session() as session:
        sets.ensure_recomputable(session, contest, kind, round_key)
        table = prizes.get_table(session, contest)
        previous = (sets.weekly_winners_elsewhere(session, contest, round_key)
                    if kind == "weekly" and settings.get("one_weekly_prize_per_person", True) else {})
    slots = prizes.slots(table, kind)
    inputs = {"prize_table": table[kind],
              "one_weekly_prize_per_person": bool(settings.get("one_weekly_prize_per_person", True))}
    if kind == "weekly":
        rounds = {r["n"]: r for r in info.get("rounds") or []}
        if round_key not in rounds:
            raise err(NotFound, "round_not_found")
        if rounds[round_key].get("status") in ("scheduled", "open"):
            raise err(Conflict, "round_not_final")
        rows = upstream.round_ranking(contest, round_key)  # Conflict round_not_final until ranked
        winners, breakdown = compute.weekly(rows, slots, round_key, previous,
                                            lambda ids: upstream.excluded(contest, ids))
    elif kind == "video":
        winners, breakdown = compute.video(upstream.clip_results(contest), slots, unit_names(upstream))
    else:
        unfinished = [r["n"] for r in info.get("rounds") or [] if r.get("status") != "finalized"]
        if unfinished:
            raise Conflict("rounds_not_final", err(Conflict, "rounds_not_final").detail +
                           f" (tuần {', '.join(map(str, unfinished))})")
        weights = settings.get("collective_weights") or {"participation": 0.5, "quality": 0.5}
        inputs["collective_weights"] = weights
        clip_results = upstream.clip_results(contest)
        winners, breakdown = compute.collective(upstream.unit_stats(contest), clip_results,
                                                unit_names(upstream), weights, slots)
    with db.session() as session:
        return sets.save_draft(session, actor, contest, kind, round_key, winners, breakdown, inputs)


def public_sets(db, contest, kind=None, round_n=None):
    check_contest(contest)
    if kind is not None and kind not in prizes.KINDS:
        raise err(Invalid, "invalid_kind")
    if round_n is not None and (isinstance(round_n, bool) or not isinstance(round_n, int) or round_n < 1):
        raise err(Invalid, "invalid_round")
    with db.session() as session:
        return sets.list_sets(session, contest, kind, round_n, approved_only=True)


def admin_sets(db, actor, contest):
    require(actor, "organizer")
    check_contest(contest)
    with db.session() as session:
        return sets.list_sets(session, contest, approved_only=False)


def budget(db, upstream, actor, contest):
    require(actor, "organizer")
    check_contest(contest)
    info = upstream.contest(contest)
    with db.session() as session:
        table = prizes.get_table(session, contest)
        rows = sets.all_rows(session, contest)
        return budget_mod.summary(contest, len(info.get("rounds") or []), table, rows)


# --- documents -----------------------------------------------------------------------------------

def _file(filename, content_type, data):
    return {"filename": filename, "content_type": content_type,
            "content_b64": base64.b64encode(data).decode("ascii")}


def _set_with_contest(db, upstream, actor, set_id):
    require(actor, "organizer")
    with db.session() as session:
        row = sets.load(session, set_id)
        award = sets.set_out(row)
    info = dict(upstream.contest(award["contest"]), unit_names=unit_names(upstream))
    return award, info


def decision_document(db, upstream, actor, set_id, fmt):
    award, info = _set_with_contest(db, upstream, actor, set_id)
    name = documents.set_filename(award)
    if fmt == "xlsx":
        return _file(f"quyết-định-{name}.xlsx", documents.XLSX, documents.decision_xlsx(award, info))
    if fmt == "pdf":
        return _file(f"quyết-định-{name}.pdf", documents.PDF, documents.decision_pdf(award, info))
    raise err(Invalid, "invalid_format")


def certificate(db, upstream, actor, set_id, index):
    award, info = _set_with_contest(db, upstream, actor, set_id)
    if award["status"] != "approved":
        raise err(Conflict, "not_approved")
    if isinstance(index, bool) or not isinstance(index, int):
        raise err(Invalid, "invalid_index")
    if not 1 <= index <= len(award["winners"]):
        raise err(NotFound, "winner_not_found")
    data = documents.certificate_pdf(award, info, index)
    return _file(f"giấy-khen-{documents.set_filename(award)}-{index}.pdf", documents.PDF, data)


def certificates_zip(db, upstream, actor, set_id):
    award, info = _set_with_contest(db, upstream, actor, set_id)
    if award["status"] != "approved":
        raise err(Conflict, "not_approved")
    data = documents.certificates_zip(award, info)
    return _file(f"giấy-khen-{documents.set_filename(award)}.zip", documents.ZIP, data)


def report(db, upstream, actor, contest, fmt):
    """The closing report (báo cáo tổng kết): participation, scores, clips, every prize."""
    require(actor, "organizer")
    check_contest(contest)
    if fmt not in ("xlsx", "pdf"):
        raise err(Invalid, "invalid_format")
    info = upstream.contest(contest)
    rounds = []
    for rnd in info.get("rounds") or []:
        try:
            rows = upstream.round_ranking(contest, rnd["n"])
        except Conflict:
            rows = None  # not ranked yet: the report says so
        rounds.append({"n": rnd["n"], "status": rnd.get("status"), "opens_at": rnd.get("opens_at"),
                       "closes_at": rnd.get("closes_at"), "rows": rows})
    unit_stats = upstream.unit_stats(contest)
    names = unit_names(upstream)
    try:
        clips = upstream.clip_results(contest)
    except Exception as exc:  # noqa: BLE001 - the report still serves without the clip section
        clips = {"error": type(exc).__name__}
    with db.session() as session:
        table = prizes.get_table(session, contest)
        award_sets = [sets.set_out(r) for r in sets.all_rows(session, contest)]
        money = budget_mod.summary(contest, len(info.get("rounds") or []), table, sets.all_rows(session, contest))
    data = documents.ReportData(info, rounds, unit_stats, names, clips, award_sets, money)
    if fmt == "xlsx":
        return _file(f"báo-cáo-tổng-kết-{contest}.xlsx", documents.XLSX, documents.report_xlsx(data))
    return _file(f"báo-cáo-tổng-kết-{contest}.pdf", documents.PDF, documents.report_pdf(data))


# --- prize table ---------------------------------------------------------------------------------

def get_prize_table(db, contest):
    check_contest(contest)
    with db.session() as session:
        table = prizes.get_table(session, contest)
    return {"contest": contest, "table": table,
            "totals": {kind: prizes.kind_total(table, kind) for kind in prizes.KINDS}}


def set_prize_table(db, upstream, actor, contest, table):
    require(actor, "organizer")
    check_contest(contest)
    upstream.contest(contest)  # the contest must exist
    with db.session() as session:
        prizes.set_table(session, actor, contest, table)
    return get_prize_table(db, contest)
