"""The prize budget of a contest: planned from the prize table, awarded from the award sets.

Planned = rounds × weekly prizes + video prizes + collective prizes (SPEC §4: 48,000,000 VND for
four rounds at the defaults). Awarded counts approved sets; drafts are shown apart; revoked sets
are listed but count in neither.
"""
from services.awards.domain import prizes


def summary(contest, round_count, table, rows):
    weekly_per_round = prizes.kind_total(table, "weekly")
    planned = {
        "weekly_per_round": weekly_per_round,
        "weekly": weekly_per_round * round_count,
        "video": prizes.kind_total(table, "video"),
        "collective": prizes.kind_total(table, "collective"),
    }
    planned["total"] = planned["weekly"] + planned["video"] + planned["collective"]
    by_set = []
    approved = draft = 0
    for row in rows:
        total = sum(w["amount_vnd"] for w in row.winners)
        by_set.append({"award_set_id": row.id, "kind": row.kind, "round": row.round_key or None,
                       "status": row.status, "winners": len(row.winners), "total_vnd": total})
        if row.status == "approved":
            approved += total
        elif row.status == "draft":
            draft += total
    return {
        "contest": contest,
        "rounds": round_count,
        "planned": planned,
        "total_vnd": planned["total"],
        "approved_vnd": approved,
        "draft_vnd": draft,
        "remaining_vnd": planned["total"] - approved,
        "sets": by_set,
    }
