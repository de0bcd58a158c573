"""Who wins: pure functions over the inputs gathered from quiz, scoring and media (SPEC.md §4).

Each returns `(winners, breakdown)`. A winner is
`{prize, amount_vnd, contestant_id, unit_code, clip_id, full_name, details}` (API.md); the
breakdown explains the result (who was skipped and why, every unit's collective figures) and is
kept with the award set for the organizers.
"""
import datetime as dt

from common.time import as_utc
from services.awards.errors import MESSAGES, Conflict, NotFound, err

# Candidates asked about at once when re-checking the exclusion list (quiz.excluded_contestants):
# enough that one call almost always settles a round, small enough to keep the message light.
EXCLUSION_CHUNK = 50
# SPEC.md §4 collective condition 2: the best clip must rank within this many units.
COLLECTIVE_TOP_UNITS = 20
# Scores are compared after rounding, so that 0.1 + 0.2 and 0.3 count as equal.
_PLACES = 9

REASON_EXCLUDED = ("Thuộc danh sách không được dự thi (Ban Tổ chức, Ban Giám khảo, Tổ Chuyên viên, "
                   "bộ phận giúp việc) tại thời điểm xét giải.")


def _time(value):
    """ISO text (or datetime) → aware datetime; missing → the far future (sorts last)."""
    if value is None:
        return dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return as_utc(value)


def clip_order(clip):
    """The order of clips (SPEC §4): higher final score first, ties to the earlier upload (then the
    id, so that the order is total). Used for the video prizes and for each unit's best clip."""
    return -round(float(clip["score"]), _PLACES), _time(clip.get("created_at")), str(clip["clip_id"])


def vn_number(value, places=2):
    """85.5 → "85,50" (Vietnamese decimal comma)."""
    return f"{value:.{places}f}".replace(".", ",")


def _winner(prize, amount, unit_code, details, contestant_id=None, full_name=None, clip_id=None):
    return {"prize": prize, "amount_vnd": amount, "contestant_id": contestant_id, "unit_code": unit_code,
            "clip_id": clip_id, "full_name": full_name, "details": details}


# --- weekly ------------------------------------------------------------------------------------

def check_round_closed(rounds, n):
    """NotFound unless quiz lists round `n`; Conflict while it is still scheduled or open."""
    found = {r["n"]: r for r in rounds}
    if n not in found:
        raise err(NotFound, "round_not_found")
    if found[n].get("status") in ("scheduled", "open"):
        raise err(Conflict, "round_not_final")


def weekly(rows, slots, round_n, previous_winners, excluded_lookup):
    """The top eligible contestants of a round's final ranking.

    rows: scoring's final ranking (rank, contestant_id, full_name, unit_code, correct, ...), taken
    in the order and with the ranks scoring gives (the ranking is scoring's to state, SPEC §3);
    slots: [(prize, amount)] in grade order; previous_winners: {contestant_id: round} of people who
    already hold a weekly prize (empty when one prize per person is off); excluded_lookup(ids) →
    the subset of ids excluded now.
    """
    winners, skipped = [], []
    position = 0
    while len(winners) < len(slots) and position < len(rows):
        chunk = rows[position:position + EXCLUSION_CHUNK]
        position += len(chunk)
        ask = [r["contestant_id"] for r in chunk if r["contestant_id"] not in previous_winners]
        excluded = set(excluded_lookup(ask)) if ask else set()
        for row in chunk:
            if len(winners) == len(slots):
                break
            cid = row["contestant_id"]
            reason = None
            if cid in previous_winners:
                reason = (f"Đã đoạt giải tuần thi thứ {previous_winners[cid]} "
                          "(mỗi người chỉ nhận một giải tuần trong hội thi).")
            elif cid in excluded:
                reason = REASON_EXCLUDED
            if reason:
                skipped.append({"contestant_id": cid, "full_name": row.get("full_name"),
                                "unit_code": row.get("unit_code"), "rank": row["rank"], "reason": reason})
                continue
            prize, amount = slots[len(winners)]
            details = {"round": round_n, "rank": row["rank"], "correct": row.get("correct"),
                       "prediction": row.get("prediction"), "prediction_diff": row.get("prediction_diff"),
                       "duration_ms": row.get("duration_ms"), "submitted_at": row.get("submitted_at")}
            winners.append(_winner(prize, amount, row.get("unit_code"), details,
                                   contestant_id=cid, full_name=row.get("full_name")))
    breakdown = {"round": round_n, "ranked_contestants": len(rows), "skipped": skipped,
                 "prizes_left_unawarded": len(slots) - len(winners)}
    return winners, breakdown


# --- video -------------------------------------------------------------------------------------

def check_no_clips_pending(results):
    """Conflict `clips_pending`, naming how many, while a clip that was sent is still uploading or
    being probed (SPEC 4): the video and collective results wait for every clip's check, so a slow
    check never leaves a clip (or its unit) out. A media answer without the count is not trusted."""
    pending = results.get("pending")
    if isinstance(pending, bool) or not isinstance(pending, int):
        raise err(Conflict, "clips_pending")
    if pending > 0:
        by_status = results.get("pending_by_status") or {}
        parts = []
        if by_status.get("uploading"):
            parts.append(f"{by_status['uploading']} đang tải lên")
        if by_status.get("processing"):
            parts.append(f"{by_status['processing']} đang được kiểm tra")
        detail = (f"Còn {pending} video clip đã gửi nhưng chưa kiểm tra xong"
                  + (f" ({', '.join(parts)})" if parts else "")
                  + ": chưa thể xét giải video clip và giải tập thể. Vui lòng chờ các clip được "
                    "chấp nhận hoặc bị từ chối rồi tính lại.")
        raise err(Conflict, "clips_pending", detail)


def clip_snapshot(results):
    """{clip_id: final score} of the accepted clips a result is computed from (kept in the set's
    inputs; approval compares it with media's clips then)."""
    return {str(c["clip_id"]): c.get("score") for c in results.get("clips") or []}


def check_clips_scored(results):
    """Conflict unless media says every accepted clip has its final score."""
    clips = results.get("clips") or []
    unscored = [c["clip_id"] for c in clips
                if c.get("score") is None or (c.get("judges_scored") or 0) < (c.get("judges_assigned") or 0)]
    if not results.get("complete") or unscored:
        detail = MESSAGES["clips_not_scored"]
        if unscored:
            detail += f" ({len(unscored)} video clip chưa đủ điểm.)"
        raise err(Conflict, "clips_not_scored", detail)
    return clips


def video(results, slots, unit_names):
    """Clips in `clip_order`, the prizes to the first ones."""
    check_no_clips_pending(results)
    clips = check_clips_scored(results)
    if not clips:
        raise err(Conflict, "no_clips")
    ordered = sorted(clips, key=clip_order)
    ranking = []
    winners = []
    for position, clip in enumerate(ordered, start=1):
        entry = {"position": position, "clip_id": clip["clip_id"], "unit_code": clip.get("unit_code"),
                 "unit_name": unit_names.get(clip.get("unit_code")), "title": clip.get("title"),
                 "score": clip["score"], "created_at": clip.get("created_at")}
        ranking.append(entry)
        if len(winners) < len(slots):
            prize, amount = slots[len(winners)]
            details = {k: entry[k] for k in ("position", "title", "score", "created_at", "unit_name")}
            winners.append(_winner(prize, amount, clip.get("unit_code"), details, clip_id=clip["clip_id"]))
    return winners, {"clips": ranking, "prizes_left_unawarded": len(slots) - len(winners)}


# --- collective --------------------------------------------------------------------------------

def check_rounds_final(rounds):
    """Conflict, naming them, while some rounds of the contest are not finalized."""
    unfinished = [r["n"] for r in rounds if r.get("status") != "finalized"]
    if unfinished:
        raise err(Conflict, "rounds_not_final",
                  f"{MESSAGES['rounds_not_final']} (tuần {', '.join(map(str, unfinished))})")


def best_clips(clips):
    """{unit_code: its first accepted clip in `clip_order`}."""
    best = {}
    for clip in clips:
        unit = clip.get("unit_code")
        if unit is None or clip.get("score") is None:
            continue
        if unit not in best or clip_order(clip) < clip_order(best[unit]):
            best[unit] = clip
    return best


def clip_ranks(best):
    """Competition rank of each unit's best clip score: 1 + units strictly better (ties share)."""
    scores = {unit: round(float(clip["score"]), _PLACES) for unit, clip in best.items()}
    return {unit: 1 + sum(1 for other in scores.values() if other > score) for unit, score in scores.items()}


def unit_order(unit):
    """The order of eligible units (SPEC §4): higher weighted score, then higher participation,
    then the better best clip, then the unit code (a total order)."""
    return (-unit["score"], -round(unit["participation"], _PLACES), -round(unit["best_clip_score"], _PLACES),
            unit["unit_code"])


def collective(unit_stats, clip_results, unit_names, weights, slots, top_units=COLLECTIVE_TOP_UNITS):
    """Eligibility (the four conditions) and the weighted ranking of SPEC §4.

    unit_stats: scoring.get_unit_stats rows; clip_results: media.list_clip_results; weights:
    {participation, quality} from the contest's settings. Every unit appears in the breakdown with
    its figures and, when not eligible, every reason in Vietnamese.
    """
    check_no_clips_pending(clip_results)
    clips = check_clips_scored(clip_results)
    stats = {row["unit_code"]: row for row in unit_stats}
    if any(row.get("participation") is None for row in unit_stats):
        raise err(Conflict, "headcounts_unknown")
    best = best_clips(clips)
    ranks = clip_ranks(best)
    w_p, w_q = float(weights["participation"]), float(weights["quality"])
    units = []
    for code in sorted(set(stats) | set(best)):
        row = stats.get(code, {})
        participants = int(row.get("participants") or 0)
        participation = float(row.get("participation") or 0.0)
        quality = float(row.get("quality") or 0.0)
        zeros = int(row.get("zero_results") or 0)
        clip = best.get(code)
        reasons = []
        if clip is None:
            reasons.append("Không có video clip nào được chấp nhận.")
        elif ranks[code] > top_units:
            reasons.append(f"Điểm video clip cao nhất ({vn_number(float(clip['score']))}) xếp thứ {ranks[code]}, "
                           f"ngoài {top_units} đơn vị dẫn đầu.")
        if zeros:
            reasons.append(f"Có {zeros} kết quả thi trắc nghiệm được tính bằng 0 điểm.")
        if participants == 0:
            reasons.append("Không có người nào của đơn vị tham gia thi trắc nghiệm.")
        units.append({
            "unit_code": code, "unit_name": unit_names.get(code), "headcount": row.get("headcount"),
            "participants": participants, "participation": participation, "quality": quality,
            "zero_results": zeros,
            # scoring's flags (no headcount, more participants than headcount): shown beside the
            # figures so that a 0% or a capped 100% is never taken for a real rate.
            "flags": list(row.get("flags") or []),
            "best_clip_id": clip["clip_id"] if clip else None,
            "best_clip_score": float(clip["score"]) if clip else None,
            "best_clip_rank": ranks.get(code),
            "score": round(w_p * participation + w_q * quality, _PLACES),
            "eligible": not reasons, "reasons": reasons, "rank": None,
        })
    eligible = sorted((u for u in units if u["eligible"]), key=unit_order)
    winners = []
    for position, unit in enumerate(eligible, start=1):
        unit["rank"] = position
        if len(winners) < len(slots):
            prize, amount = slots[len(winners)]
            details = {k: unit[k] for k in ("unit_name", "rank", "score", "participation", "quality",
                                            "participants", "headcount", "best_clip_id", "best_clip_score",
                                            "best_clip_rank", "flags")}
            winners.append(_winner(prize, amount, unit["unit_code"], details))
    ordered = eligible + [u for u in units if not u["eligible"]]
    breakdown = {"weights": {"participation": w_p, "quality": w_q}, "top_units": top_units,
                 "units": ordered, "prizes_left_unawarded": len(slots) - len(winners)}
    return winners, breakdown
