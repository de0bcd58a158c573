"""Results: leaderboards and per-unit statistics (public).

While a round is open, what the public sees follows the contest's `live_board` setting (SPEC 6):
`scores` (default) hides every prediction (the prediction is a ranking key: other people's guesses
stay private until the round closes) and shows only the top rows, `hidden` shows no row, `full`
everything. Nothing public lets a client follow the running count of an open round (the answer to
the prediction question): the live board is the top of the round, not all of it, and the unit
statistics count only ranked rounds unless the organizers chose `full`. Final boards always show
everything.
"""
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from gateway.auth import STATISTICS, optional_actor, reader
from gateway.config import settings
from gateway.routes import API_PREFIX, ContestCode, RoundNumber
from gateway import schemas
from gateway.deps import Rpc
from gateway.rpc_errors import RemoteError

router = APIRouter(prefix=API_PREFIX, tags=["Kết quả"])

LIVE_BOARD_DEFAULT = "scores"


async def contest_or_none(rpc, contest):
    """The contest from quiz, or None for one quiz does not know (scoring answers for it alone)."""
    try:
        return await rpc.call("quiz", "get_contest", contest)
    except RemoteError as exc:
        if exc.exc_type == "NotFound":
            return None
        raise


def live_board_mode(contest_info):
    return ((contest_info or {}).get("settings") or {}).get("live_board") or LIVE_BOARD_DEFAULT


def round_open(contest_info):
    return any(r.get("status") == "open" for r in (contest_info or {}).get("rounds") or [])


def live_view(board, mode):
    """What the public sees of a live (not final) board under `mode`."""
    if mode == "full":
        return board
    if mode == "hidden":
        return dict(board, rows=[])
    rows = [dict(r, prediction=None, prediction_diff=None) for r in board["rows"][:settings.live_board_max_rows]]
    return dict(board, rows=rows)


def live_me(me, mode):
    """What a contestant sees of their own row on a live board under `mode`: their own prediction
    (it is theirs), but their rank only where the public board could show it. Under `scores` a rank
    below the listed top would tell roughly how many took part (the prediction's answer); under
    `hidden` nobody's rank is shown before the close."""
    if me is None or mode == "full":
        return me
    listed = mode == "scores" and me.get("rank") is not None and me["rank"] <= settings.live_board_max_rows
    return dict(me, prediction_diff=None, rank=me["rank"] if listed else None)


@router.get("/contests/{contest}/rounds/{n}/leaderboard", response_model=schemas.LeaderboardOut,
            response_model_exclude_unset=True,  # `me` only when a contestant asks
            summary="Bảng xếp hạng tuần thi")
async def leaderboard(contest: ContestCode, n: RoundNumber, rpc: Rpc,
                      actor: Annotated[dict | None, Depends(reader)],
                      limit: Annotated[int, Query(ge=1, le=1000)] = 50):
    # A contestant's token adds `me`: their own row, listed in `rows` or not (the portal's
    # "Thứ hạng của tôi"). Anybody else gets the public board only.
    mine = actor is not None and actor["role"] == "contestant"
    if mine:
        board = await rpc.call("scoring", "get_leaderboard", contest, n, limit=limit, contestant_id=actor["id"])
    else:
        board = await rpc.call("scoring", "get_leaderboard", contest, n, limit=limit)
    if board.get("final"):
        return board
    mode = live_board_mode(await contest_or_none(rpc, contest))
    view = live_view(board, mode)
    if mine:
        view["me"] = live_me(board.get("me"), mode)
    return view


@router.get("/contests/{contest}/stats/units", response_model=list[schemas.UnitStatsOut],
            summary="Thống kê theo đơn vị (tỷ lệ tham gia, chất lượng)")
async def unit_stats(contest: ContestCode, rpc: Rpc, actor: Annotated[dict | None, Depends(optional_actor)]):
    # Staff who read statistics see the running figures; the public, while a round is open, only
    # the ranked rounds (unless the organizers chose live_board: full).
    final_only = False
    if not (actor and actor["role"] in STATISTICS):
        info = await contest_or_none(rpc, contest)
        final_only = round_open(info) and live_board_mode(info) != "full"
    if final_only:
        return await rpc.call("scoring", "get_unit_stats", contest, final_only=True)
    return await rpc.call("scoring", "get_unit_stats", contest)
