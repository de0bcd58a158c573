"""The steps of each awards RPC: gather inputs from quiz, scoring and media, compute with the pure
functions of domain/, store or read in one short transaction.

`store` is the service's common.uow.Store; `quiz`, `scoring` and `media` are its clients of those
services (common.upstream: each call has a deadline, their domain errors arrive as common.errors).
Inputs are gathered outside any transaction: a slow answer from another service must not hold
database locks.
"""
import base64

from common.auth import require
from services.awards.domain import budget as budget_mod
from services.awards.domain import checks, compute, documents, prizes, revocation, sets
from services.awards.errors import Conflict, Invalid, NotFound, err


def unit_names(quiz):
    return {u["code"]: u.get("name") for u in quiz.list_units()}


def _gather(store, quiz, scoring, media, contest, kind, round_key):
    """The winners, breakdown and inputs of one result computed from what quiz, scoring and media
    say now (nothing stored): used by compute and again at approval."""
    info = quiz.get_contest(contest)  # NotFound contest_not_found passes through
    settings = info.get("settings") or {}
    one_per_person = bool(settings.get("one_weekly_prize_per_person", True))
    with store.session() as session:
        table = prizes.get_table(session, contest)
        previous = (sets.weekly_winners_elsewhere(session, contest, round_key)
                    if kind == "weekly" and one_per_person else {})
    slots = prizes.slots(table, kind)
    inputs = {"prize_table": table[kind], "one_weekly_prize_per_person": one_per_person}
    if kind == "weekly":
        # Whom the draft skipped as an earlier round's winner: approval refuses it once one of them
        # is no longer one (that round's set revoked), see sets.check_earlier_winners_kept.
        inputs["earlier_winners"] = sorted(previous)
        compute.check_round_closed(info.get("rounds") or [], round_key)
        try:
            rows = scoring.get_round_ranking(contest, round_key)  # in scoring's final order
        except Conflict as exc:
            if exc.code != "round_not_ranked":
                raise
            # Closed but not ranked yet: for the weekly prizes, the round is not final.
            raise err(Conflict, "round_not_final") from None
        winners, breakdown = compute.weekly(rows, slots, round_key, previous,
                                            lambda ids: quiz.excluded_contestants(contest, ids))
    elif kind == "video":
        clip_results = media.list_clip_results(contest)
        inputs["clips"] = compute.clip_snapshot(clip_results)
        winners, breakdown = compute.video(clip_results, slots, unit_names(quiz))
    else:
        compute.check_rounds_final(info.get("rounds") or [])
        weights = settings.get("collective_weights") or {"participation": 0.5, "quality": 0.5}
        inputs["collective_weights"] = weights
        clip_results = media.list_clip_results(contest)
        inputs["clips"] = compute.clip_snapshot(clip_results)
        winners, breakdown = compute.collective(scoring.get_unit_stats(contest), clip_results,
                                                unit_names(quiz), weights, slots)
    return winners, breakdown, inputs


def compute_set(store, quiz, scoring, media, actor, contest, kind, round_n=None):
    """Compute the draft of one result (replacing the previous draft) and return it."""
    require(actor, "organizer")
    checks.contest(contest)
    round_key = checks.kind_round(kind, round_n)
    quiz.get_contest(contest)  # an unknown contest is 404 before anything else
    with store.session() as session:
        sets.ensure_recomputable(session, contest, kind, round_key)
    winners, breakdown, inputs = _gather(store, quiz, scoring, media, contest, kind, round_key)
    return store.run(sets.save_draft, actor, contest, kind, round_key, winners, breakdown, inputs)


def _who_wins(winners):
    """What an approval must not change silently: each prize and whom or what it goes to."""
    return [(w.get("prize"), w.get("amount_vnd"), w.get("contestant_id"), w.get("unit_code"), w.get("clip_id"))
            for w in winners]


def approve_set(store, media, actor, set_id, quiz=None, scoring=None):
    """Approve a draft. A video or collective draft is first held against media's clips now: none
    may still be uploading or being probed (409 clips_pending), and the accepted clips and their
    scores must be those the draft was computed from (409 clips_changed: compute again), so that a
    clip sent or scored between the compute and the approval is never left out (SPEC 4)."""
    require(actor, "organizer")
    with store.session() as session:
        row = sets.load(session, set_id)
        kind, contest, status, computed_from = row.kind, row.contest, row.status, (row.inputs or {}).get("clips")
        round_key, winners = row.round_key, list(row.winners or [])
        if status == "draft":
            sets.check_approvable(session, row)  # the specific refusals first, before asking others
    if kind in ("video", "collective") and status == "draft":
        results = media.list_clip_results(contest)
        compute.check_no_clips_pending(results)
        if computed_from is not None and compute.clip_snapshot(results) != computed_from:
            raise err(Conflict, "clips_changed")
    if status == "draft" and quiz is not None and scoring is not None:
        # Anything that moved the result since the compute (a contestant disqualified or reinstated,
        # a round ranked again, an exclusion) must not reach the money: the draft is computed again
        # from what the services say now and must name the same winners (409 results_changed).
        try:
            again, _, _ = _gather(store, quiz, scoring, media, contest, kind, round_key)
        except Conflict as exc:
            raise err(Conflict, "results_changed") from exc
        if _who_wins(again) != _who_wins(winners):
            raise err(Conflict, "results_changed")
    return store.run(sets.approve, actor, set_id)


def revoke_set(store, actor, set_id, reason):
    """Revoke an approved set (domain/revocation.py); media unlocks the scores of a video set on
    the `award_set_revoked` event."""
    return store.run(revocation.revoke, actor, set_id, reason)


def public_sets(store, contest, kind=None, round_n=None):
    checks.contest(contest)
    if kind is not None:
        checks.kind(kind)
    if round_n is not None:
        checks.round_number(round_n)
    return store.read(sets.list_sets, contest, kind, round_n, approved_only=True)


def admin_sets(store, actor, contest):
    require(actor, "organizer")
    checks.contest(contest)
    return store.read(sets.list_sets, contest, approved_only=False)


def budget(store, quiz, actor, contest):
    require(actor, "organizer")
    checks.contest(contest)
    info = quiz.get_contest(contest)
    with store.session() as session:
        table = prizes.get_table(session, contest)
        rows = sets.all_rows(session, contest)
        return budget_mod.summary(contest, len(info.get("rounds") or []), table, rows)


# --- documents -----------------------------------------------------------------------------------

def _file(filename, content_type, data):
    return {"filename": filename, "content_type": content_type,
            "content_b64": base64.b64encode(data).decode("ascii")}


def person_names(quiz, user_ids):
    """{user_id: "Full Name (username)"} of the staff who approved or revoked a set, asked of quiz;
    an account quiz no longer knows keeps its id."""
    names = {}
    for user_id in {u for u in user_ids if u}:
        try:
            user = quiz.get_user(user_id)
        except NotFound:
            continue
        name, login = user.get("full_name"), user.get("username")
        if name:
            names[user_id] = f"{name} ({login})" if login else name
        elif login:
            names[user_id] = login
    return names


def _set_with_contest(store, quiz, actor, set_id):
    require(actor, "organizer")
    with store.session() as session:
        award = sets.set_out(sets.load(session, set_id))
    info = dict(quiz.get_contest(award["contest"]), unit_names=unit_names(quiz),
                people=person_names(quiz, (award.get("approved_by"), award.get("revoked_by"))))
    return award, info


def decision_document(store, quiz, actor, set_id, fmt):
    award, info = _set_with_contest(store, quiz, actor, set_id)
    name = documents.set_filename(award)
    if fmt == "xlsx":
        return _file(f"quyết-định-{name}.xlsx", documents.XLSX, documents.decision_xlsx(award, info))
    if fmt == "pdf":
        return _file(f"quyết-định-{name}.pdf", documents.PDF, documents.decision_pdf(award, info))
    raise err(Invalid, "invalid_format")


def certificate(store, quiz, actor, set_id, index):
    award, info = _set_with_contest(store, quiz, actor, set_id)
    if award["status"] != "approved":
        raise err(Conflict, "not_approved")
    if isinstance(index, bool) or not isinstance(index, int):
        raise err(Invalid, "invalid_index")
    if not 1 <= index <= len(award["winners"]):
        raise err(NotFound, "winner_not_found")
    data = documents.certificate_pdf(award, info, index)
    return _file(f"giấy-khen-{documents.set_filename(award)}-{index}.pdf", documents.PDF, data)


def certificates_zip(store, quiz, actor, set_id):
    award, info = _set_with_contest(store, quiz, actor, set_id)
    if award["status"] != "approved":
        raise err(Conflict, "not_approved")
    data = documents.certificates_zip(award, info)
    return _file(f"giấy-khen-{documents.set_filename(award)}.zip", documents.ZIP, data)


def report(store, quiz, scoring, media, actor, contest, fmt):
    """The closing report (báo cáo tổng kết): participation, scores, clips, every prize."""
    require(actor, "organizer")
    checks.contest(contest)
    if fmt not in ("xlsx", "pdf"):
        raise err(Invalid, "invalid_format")
    info = quiz.get_contest(contest)
    rounds = []
    for rnd in info.get("rounds") or []:
        try:
            rows = scoring.get_round_ranking(contest, rnd["n"])
        except Conflict:
            rows = None  # not ranked yet: the report says so
        rounds.append({"n": rnd["n"], "status": rnd.get("status"), "opens_at": rnd.get("opens_at"),
                       "closes_at": rnd.get("closes_at"), "rows": rows})
    unit_stats = scoring.get_unit_stats(contest)
    names = unit_names(quiz)
    try:
        clips = media.list_clip_results(contest)
    except Exception as exc:  # noqa: BLE001 - the report still serves without the clip section
        clips = {"error": type(exc).__name__}
    with store.session() as session:
        table = prizes.get_table(session, contest)
        rows = sets.all_rows(session, contest)
        award_sets = [sets.set_out(r) for r in rows]
        money = budget_mod.summary(contest, len(info.get("rounds") or []), table, rows)
    data = documents.ReportData(info, rounds, unit_stats, names, clips, award_sets, money)
    if fmt == "xlsx":
        return _file(f"báo-cáo-tổng-kết-{contest}.xlsx", documents.XLSX, documents.report_xlsx(data))
    return _file(f"báo-cáo-tổng-kết-{contest}.pdf", documents.PDF, documents.report_pdf(data))


# --- prize table ---------------------------------------------------------------------------------

def get_prize_table(store, contest):
    checks.contest(contest)
    table = store.read(prizes.get_table, contest)
    return {"contest": contest, "table": table,
            "totals": {kind: prizes.kind_total(table, kind) for kind in prizes.KINDS}}


def set_prize_table(store, quiz, actor, contest, table):
    require(actor, "organizer")
    checks.contest(contest)
    quiz.get_contest(contest)  # the contest must exist
    store.run(prizes.set_table, actor, contest, table)
    return get_prize_table(store, contest)
