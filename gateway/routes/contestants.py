"""Contestants as the organizers see them: the search, and disqualification per contest (SPEC 6).

Quiz decides and records (audit `contestant.disqualify` / `contestant.reinstate`, events to scoring);
before a change it asks awards whether an approved award set stands in the way (409
`award_set_approved`: revoke that set first).
"""
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from gateway import schemas_contestants as schemas
from gateway.auth import Organizer
from gateway.deps import Rpc
from gateway.routes import API_PREFIX, ContestCode

router = APIRouter(prefix=API_PREFIX, tags=["Thí sinh và loại thí sinh"])

ContestantId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                                   description="Mã thí sinh")]


@router.get("/admin/contestants", response_model=list[schemas.ContestantOut],
            summary="Tìm thí sinh theo họ tên (có hoặc không dấu), số CCCD hoặc số điện thoại")
async def search_contestants(
        actor: Organizer, rpc: Rpc,
        q: Annotated[str | None, Query(max_length=100, description="Họ tên, số CCCD hoặc số điện thoại")] = None,
        unit: Annotated[str | None, Query(max_length=32, pattern=r"^[A-Za-z0-9_.-]+$",
                                          description="Mã đơn vị")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0):
    return await rpc.call("quiz", "search_contestants", actor, q, unit, limit, offset)


@router.post("/admin/contests/{contest}/disqualifications", status_code=201,
             response_model=schemas.DisqualificationOut,
             summary="Loại thí sinh khỏi hội thi (kèm lý do; có ghi nhật ký)")
async def disqualify(body: schemas.DisqualificationIn, contest: ContestCode, actor: Organizer, rpc: Rpc):
    return await rpc.call("quiz", "disqualify", actor, contest, body.contestant_id, body.reason)


@router.get("/admin/contests/{contest}/disqualifications", response_model=list[schemas.DisqualificationOut],
            summary="Danh sách thí sinh bị loại khỏi hội thi")
async def list_disqualifications(contest: ContestCode, actor: Organizer, rpc: Rpc):
    return await rpc.call("quiz", "list_disqualifications", actor, contest)


@router.delete("/admin/contests/{contest}/disqualifications/{contestant_id}", status_code=204,
               response_class=Response, summary="Khôi phục thí sinh đã bị loại (kèm lý do; có ghi nhật ký)")
async def reinstate(contest: ContestCode, contestant_id: ContestantId, actor: Organizer, rpc: Rpc,
                    body: schemas.ReinstateIn | None = None):
    # No body, or no reason in it: quiz answers 422 `reason_required`.
    await rpc.call("quiz", "reinstate", actor, contest, contestant_id, body.reason if body else None)
    return Response(status_code=204)
