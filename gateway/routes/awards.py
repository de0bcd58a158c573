"""Awards: compute, approve and publish prizes; decision documents, certificates, budget, report.

Documents come from the awards service as `{filename, content_type, content_b64}` and are sent as
files with an RFC 5987 filename (Vietnamese letters survive: `filename*=UTF-8''...`) plus an ASCII
fallback for old clients.
"""
import base64
import unicodedata
import urllib.parse
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from gateway import schemas_awards as schemas
from gateway.auth import Organizer
from gateway.deps import Rpc
from gateway.routes import API_PREFIX, ContestCode

router = APIRouter(prefix=API_PREFIX, tags=["Giải thưởng"])

AwardSetId = Annotated[str, Path(min_length=1, max_length=64, description="Mã kết quả giải thưởng")]
# Building a PDF or a zip of certificates takes longer than an ordinary call.
DOCUMENT_TIMEOUT_S = 30


def ascii_fallback(filename):
    plain = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if ord(c) < 128 and c not in '"\\')
    return plain or "tai-lieu"


def file_response(doc):
    return file_response_bytes(base64.b64decode(doc["content_b64"]), doc["filename"], doc["content_type"])


def file_response_bytes(content, name, content_type):
    disposition = (f'attachment; filename="{ascii_fallback(name)}"; '
                   f"filename*=UTF-8''{urllib.parse.quote(name, safe='')}")
    return Response(content, media_type=content_type, headers={"Content-Disposition": disposition})


@router.post("/admin/contests/{contest}/awards/compute", response_model=schemas.AwardSetAdminOut,
             summary="Tính (hoặc tính lại) bản dự thảo kết quả giải thưởng")
async def compute(body: schemas.ComputeIn, contest: ContestCode, actor: Organizer, rpc: Rpc):
    return await rpc.call("awards", "compute", actor, contest, body.kind, body.round)


@router.post("/admin/award-sets/{award_set_id}/approve", response_model=schemas.AwardSetAdminOut,
             summary="Phê duyệt kết quả giải thưởng (không thể thay đổi sau khi phê duyệt)")
async def approve(award_set_id: AwardSetId, actor: Organizer, rpc: Rpc):
    return await rpc.call("awards", "approve", actor, award_set_id)


@router.post("/admin/award-sets/{award_set_id}/revoke", response_model=schemas.AwardSetAdminOut,
             summary="Thu hồi kết quả giải thưởng đã phê duyệt (kèm lý do; kết quả được lưu lại)")
async def revoke(body: schemas.RevokeIn, award_set_id: AwardSetId, actor: Organizer, rpc: Rpc):
    return await rpc.call("awards", "revoke", actor, award_set_id, body.reason)


@router.get("/admin/award-sets/{award_set_id}", response_model=schemas.AwardSetAdminOut,
            summary="Xem một kết quả giải thưởng (cả bản dự thảo) với chi tiết xét giải")
async def get_award_set(award_set_id: AwardSetId, actor: Organizer, rpc: Rpc):
    return await rpc.call("awards", "get_award_set", actor, award_set_id)


@router.get("/admin/contests/{contest}/award-sets", response_model=list[schemas.AwardSetAdminOut],
            summary="Mọi kết quả giải thưởng của hội thi (dự thảo và đã phê duyệt)")
async def list_award_sets(contest: ContestCode, actor: Organizer, rpc: Rpc):
    return await rpc.call("awards", "list_award_sets", actor, contest)


@router.get("/contests/{contest}/awards", response_model=list[schemas.AwardSetOut],
            summary="Kết quả giải thưởng đã được phê duyệt (công khai)")
async def public_awards(contest: ContestCode, rpc: Rpc, kind: Annotated[schemas.Kind | None, Query()] = None,
                        round: Annotated[int | None, Query(ge=1, le=1000)] = None):
    return await rpc.call("awards", "public_awards", contest, kind, round)


@router.get("/admin/contests/{contest}/awards/prizes", response_model=schemas.PrizeTableOut,
            summary="Cơ cấu giải thưởng của hội thi")
async def get_prizes(contest: ContestCode, actor: Organizer, rpc: Rpc):
    return await rpc.call("awards", "get_prize_table", contest)


@router.put("/admin/contests/{contest}/awards/prizes", response_model=schemas.PrizeTableOut,
            summary="Thay đổi cơ cấu giải thưởng (loại giải không gửi giữ mặc định)")
async def set_prizes(body: schemas.PrizeTableIn, contest: ContestCode, actor: Organizer, rpc: Rpc):
    return await rpc.call("awards", "set_prize_table", actor, contest,
                          body.model_dump(mode="json", exclude_none=True))


@router.get("/admin/contests/{contest}/awards/budget", response_model=schemas.BudgetOut,
            summary="Tổng hợp kinh phí giải thưởng: dự toán, đã phê duyệt, dự thảo")
async def budget(contest: ContestCode, actor: Organizer, rpc: Rpc):
    return await rpc.call("awards", "budget", actor, contest)


DOC = {"response_class": Response, "responses": {200: {"content": {"application/pdf": {}}}}}


@router.get("/admin/award-sets/{award_set_id}/decision.{fmt}", summary="Quyết định phê duyệt kết quả (xlsx: danh sách; pdf: dự thảo quyết định)", **DOC)
async def decision(award_set_id: AwardSetId, fmt: Literal["xlsx", "pdf"], actor: Organizer, rpc: Rpc):
    return file_response(await rpc.call("awards", "decision_document", actor, award_set_id, fmt,
                                        timeout=DOCUMENT_TIMEOUT_S))


@router.get("/admin/award-sets/{award_set_id}/certificates.zip", summary="Giấy khen của mọi người đoạt giải (zip)", **DOC)
async def certificates_zip(award_set_id: AwardSetId, actor: Organizer, rpc: Rpc):
    return file_response(await rpc.call("awards", "certificates_zip", actor, award_set_id,
                                        timeout=DOCUMENT_TIMEOUT_S))


@router.get("/admin/award-sets/{award_set_id}/certificates/{index}.pdf", summary="Giấy khen của người đoạt giải thứ index (từ 1)", **DOC)
async def certificate(award_set_id: AwardSetId, index: Annotated[int, Path(ge=1, le=1000)], actor: Organizer,
                      rpc: Rpc):
    return file_response(await rpc.call("awards", "certificate", actor, award_set_id, index,
                                        timeout=DOCUMENT_TIMEOUT_S))


@router.get("/admin/contests/{contest}/report.{fmt}", summary="Báo cáo tổng kết hội thi (xlsx hoặc pdf)", **DOC)
async def report(contest: ContestCode, fmt: Literal["xlsx", "pdf"], actor: Organizer, rpc: Rpc):
    return file_response(await rpc.call("awards", "report", actor, contest, fmt,
                                        timeout=DOCUMENT_TIMEOUT_S))
