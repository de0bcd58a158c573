"""Changing a contest once it exists (SPEC 6, PATCH /admin/contests/{c}): title, settings and round
windows, under the locks of a running contest, audited with the reason.

- Before the first round opens, everything may change.
- Once any round has opened, the settings that shape an attempt (ATTEMPT_SHAPE) are fixed: changing
  them would give contestants of one contest different papers.
- An open round keeps its `opens_at`; its `closes_at` may move later (extended) or earlier (closed
  early: a time at or before now closes it now, as POST .../close does). Attempts in progress follow at
  once: their deadline becomes min(started + time limit, new close), submit_by that plus grace.
- A closed (or finalized) round changes no more: its ranking was computed from that window.
- A scheduled round may change freely, as long as the rounds stay in order without overlapping.

Nobody else needs an event: scoring learns a round's window from `round_closed` (emitted at the real
close, also by an early close here) and awards reads the rounds from quiz when it computes, so the
sweep (closes_at in this table), the deadlines and the live board follow the change as it commits.
"""
import datetime as dt

from sqlalchemy import select

from common.auth import require
from common.errors import Conflict, Invalid, NotFound
from common.time import iso, utcnow
from services.quiz.domain.closing import close_round
from services.quiz.domain.contests import validate_rounds, validate_settings
from services.quiz.errors import err, message
from services.quiz.models import Attempt, Contest, Round
from services.quiz.schemas import contest_out, nfc, parse_time, round_status

ATTEMPT_SHAPE = ("questions_per_attempt", "time_limit_s", "max_attempts_per_round", "prediction_target")


def _locked(field, why):
    return err(Conflict, "locked", message("locked", field=field, why=why))


def update_contest(uow, actor, code, data):
    require(actor, "organizer")
    session = uow.session
    if not isinstance(data, dict) or not set(data) <= {"title", "settings", "rounds", "reason"}:
        raise err(Invalid, "invalid_input")
    contest = session.scalar(select(Contest).where(Contest.code == code).with_for_update()) \
        if isinstance(code, str) else None
    if contest is None:
        raise err(NotFound, "contest_not_found")
    reason = data.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 2000):
        raise err(Invalid, "invalid_input", "Lý do thay đổi tối đa 2000 ký tự.")
    now = utcnow()
    rounds = session.scalars(select(Round).where(Round.contest_code == code).order_by(Round.n)
                             .with_for_update()).all()
    started = any(round_status(r, now) != "scheduled" for r in rounds)
    before, after = {}, {}

    if data.get("title") is not None:
        title = nfc(data["title"])
        if not isinstance(title, str) or not title.strip() or len(title) > 255:
            raise err(Invalid, "invalid_input", "Tên hội thi không được để trống (tối đa 255 ký tự).")
        if title != contest.title:
            before["title"], after["title"] = contest.title, title

    if data.get("settings") is not None:
        given = data["settings"]
        if not isinstance(given, dict):
            raise err(Invalid, "invalid_settings")
        current = {k: v for k, v in contest.settings.items() if k != "prediction_question"}
        # Compared with the current settings as validation completes them (a contest created
        # before a setting existed has its default), so only what the organizer changed counts.
        baseline = validate_settings(current)
        merged = validate_settings({**current, **given})
        changed = sorted(k for k in merged if merged[k] != baseline.get(k))
        for key in changed:
            if started and key in ATTEMPT_SHAPE:
                raise _locked(f"settings.{key}", "tuần thi đầu tiên đã mở; các lượt thi phải cùng một cấu hình.")
        if changed:
            before["settings"] = {k: baseline.get(k) for k in changed}
            after["settings"] = {k: merged[k] for k in changed}

    windows = {r.n: [r.opens_at, r.closes_at] for r in rounds}
    close_now = []   # rounds closed early (closes_at at or before now)
    moved = {}       # n -> new closes_at of an open round (attempts in progress follow)
    if data.get("rounds") is not None:
        items = data["rounds"]
        if not isinstance(items, list) or len(items) > 52:
            raise err(Invalid, "invalid_rounds")
        by_n = {r.n: r for r in rounds}
        for item in items:
            n = item.get("n") if isinstance(item, dict) else None
            if isinstance(n, bool) or not isinstance(n, int) or not set(item) <= {"n", "opens_at", "closes_at"}:
                raise err(Invalid, "invalid_rounds", "Mỗi tuần thi cần «n» (số thứ tự) và opens_at/closes_at.")
            rnd = by_n.get(n)
            if rnd is None:
                raise err(NotFound, "round_not_found")
            status = round_status(rnd, now)
            opens = parse_time(item["opens_at"], f"tuần {n}, opens_at") if item.get("opens_at") else rnd.opens_at
            closes = parse_time(item["closes_at"], f"tuần {n}, closes_at") if item.get("closes_at") else rnd.closes_at
            if status in ("closed", "finalized") or rnd.close_emitted:
                if opens != rnd.opens_at or closes != rnd.closes_at:
                    field = "opens_at" if opens != rnd.opens_at else "closes_at"
                    raise _locked(f"rounds[{n}].{field}", f"tuần {n} đã kết thúc.")
                continue
            if status == "open":
                if opens != rnd.opens_at:
                    raise _locked(f"rounds[{n}].opens_at", f"tuần {n} đã mở.")
                if closes != rnd.closes_at:
                    if closes <= now:
                        close_now.append(n)
                        closes = now
                    else:
                        moved[n] = closes
            windows[n] = [opens, closes]
        if any(windows[n] != [by_n[n].opens_at, by_n[n].closes_at] for n in windows):
            # The whole schedule stays valid: each round opens before it closes, in order, no overlap.
            validate_rounds([{"opens_at": o.isoformat(), "closes_at": c.isoformat()}
                             for _n, (o, c) in sorted(windows.items())])
            before["rounds"] = [{"n": r.n, "opens_at": iso(r.opens_at), "closes_at": iso(r.closes_at)}
                                for r in rounds if windows[r.n] != [r.opens_at, r.closes_at]]
            after["rounds"] = [{"n": r.n, "opens_at": iso(windows[r.n][0]), "closes_at": iso(windows[r.n][1])}
                               for r in rounds if windows[r.n] != [r.opens_at, r.closes_at]]

    if not after:
        return contest_out(contest, rounds, now)
    if "title" in after:
        contest.title = after["title"]
    if "settings" in after:
        contest.settings = merged
    for rnd in rounds:
        if rnd.n not in close_now:
            rnd.opens_at, rnd.closes_at = windows[rnd.n]
    session.flush()
    if "grace_s" in after.get("settings", {}):
        # A new grace applies to the attempts in progress too (their submit_by).
        moved.update({r.n: windows[r.n][1] for r in rounds
                      if r.n not in close_now and round_status(r, now) == "open"})
    for n, closes in moved.items():
        _follow_deadlines(session, code, n, closes, contest.settings)
    uow.record(actor, "contest.update", f"contest:{code}", before, after, reason, contest=code)
    for n in close_now:
        # The round's own close (attempts submitted as saved, round_closed once), audited there too.
        close_round(uow, actor, code, n)
    session.flush()
    return contest_out(contest, session.scalars(select(Round).where(Round.contest_code == code)).all(), utcnow())


def _follow_deadlines(session, code, n, closes_at, settings):
    """Attempts in progress of round n end at min(start + time limit, the round's new close)."""
    limit = dt.timedelta(seconds=settings["time_limit_s"])
    grace = dt.timedelta(seconds=settings["grace_s"])
    for attempt in session.scalars(select(Attempt).where(
            Attempt.contest_code == code, Attempt.round_n == n, Attempt.status == "in_progress")
            .with_for_update()):
        deadline = min(attempt.started_at + limit, closes_at)
        if (deadline, deadline + grace) != (attempt.deadline, attempt.submit_by):
            attempt.deadline, attempt.submit_by = deadline, deadline + grace
