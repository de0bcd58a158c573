"""Results: leaderboards and per-unit statistics (public)."""
from typing import Annotated

from fastapi import APIRouter, Query

from gateway.routes import API_PREFIX, ContestCode, RoundNumber
from gateway import schemas
from gateway.deps import Rpc

router = APIRouter(prefix=API_PREFIX, tags=["Kết quả"])


@router.get("/contests/{contest}/rounds/{n}/leaderboard", response_model=schemas.LeaderboardOut,
            summary="Bảng xếp hạng tuần thi")
async def leaderboard(contest: ContestCode, n: RoundNumber, rpc: Rpc,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 50):
    return await rpc.call("scoring", "get_leaderboard", contest, n, limit=limit)


@router.get("/contests/{contest}/stats/units", response_model=list[schemas.UnitStatsOut],
            summary="Thống kê theo đơn vị (tỷ lệ tham gia, chất lượng)")
async def unit_stats(contest: ContestCode, rpc: Rpc):
    return await rpc.call("scoring", "get_unit_stats", contest)
