"""Contest setup: contests, rounds, units, question bank, exclusions, jury (organizer; units and bank
also expert)."""
import base64
from typing import Annotated

from fastapi import APIRouter, Body, File, Path, Query, Response, UploadFile

from gateway.routes import API_PREFIX, ContestCode, RoundNumber
from gateway import schemas, schemas_bank, schemas_jury
from gateway.auth import Organizer, SetupStaff, Staff
from gateway.config import settings
from gateway.deps import Rpc
from gateway.errors import ApiError

router = APIRouter(prefix=API_PREFIX, tags=["Thiết lập hội thi"])

# The unit codes quiz accepts at import (services/quiz/domain/units.py CODE_RE).
UnitCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,32}$", examples=["SNV"])]
QuestionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Mã câu hỏi")]
IdNumber = Annotated[str, Path(max_length=40, description="Số CCCD")]


async def file_payload(file: UploadFile):
    """The upload as the services take it, `{"filename", "content_b64"}`, capped at MAX_IMPORT_BYTES."""
    data = await file.read(settings.max_import_bytes + 1)
    if len(data) > settings.max_import_bytes:
        raise ApiError(413, "file_too_large",
                       f"Tệp quá lớn: tối đa {settings.max_import_bytes // 1024} KiB.")
    return {"filename": file.filename or "", "content_b64": base64.b64encode(data).decode("ascii")}


@router.get("/contests", response_model=list[schemas.ContestOut],
            summary="Danh sách hội thi công khai (không gồm hội thi đặt listed=false)")
async def list_contests(rpc: Rpc):
    return await rpc.call("quiz", "list_contests")


@router.get("/admin/contests", response_model=list[schemas.ContestOut],
            summary="Danh sách tất cả hội thi, kể cả hội thi không công khai (cán bộ)")
async def list_all_contests(actor: Staff, rpc: Rpc):
    return await rpc.call("quiz", "list_contests", True)


@router.post("/admin/contests", status_code=201, response_model=schemas.ContestOut, summary="Tạo hội thi")
async def create_contest(body: schemas.ContestIn, actor: Organizer, rpc: Rpc):
    return await rpc.call("quiz", "create_contest", actor, body.model_dump(mode="json", exclude_unset=True))


@router.patch("/admin/contests/{contest}", response_model=schemas.ContestOut,
              summary="Sửa hội thi: tên, cấu hình, thời gian các tuần thi (có ghi nhật ký, kèm lý do)")
async def update_contest(body: schemas.ContestPatch, contest: ContestCode, actor: Organizer, rpc: Rpc):
    return await rpc.call("quiz", "update_contest", actor, contest, body.model_dump(mode="json", exclude_unset=True))


@router.get("/contests/{contest}", response_model=schemas.ContestOut, summary="Thông tin hội thi và các tuần thi")
async def get_contest(contest: ContestCode, rpc: Rpc):
    return await rpc.call("quiz", "get_contest", contest)


@router.post("/admin/units/import", response_model=schemas.UnitImportOut,
             summary="Nhập danh sách đơn vị (CSV/XLSX: code,name,kind,parent_code,headcount)")
async def import_units(file: Annotated[UploadFile, File()], actor: SetupStaff, rpc: Rpc):
    return await rpc.call("quiz", "import_units", actor, await file_payload(file))


@router.post("/admin/units/{code}/roster", response_model=schemas.RosterOut,
             summary="Gửi danh sách cán bộ của đơn vị (CSV/XLSX: id_number,full_name,position); "
                     "thay danh sách cũ, đặt số CBCCVC của đơn vị")
async def upload_roster(code: UnitCode, file: Annotated[UploadFile, File()], actor: Organizer, rpc: Rpc):
    return await rpc.call("quiz", "upload_roster", actor, code, await file_payload(file))


@router.get("/units", response_model=list[schemas.UnitOut], summary="Danh sách đơn vị")
async def list_units(rpc: Rpc):
    return await rpc.call("quiz", "list_units")


@router.post("/admin/contests/{contest}/questions/import", response_model=schemas.QuestionImportOut,
             summary="Nhập ngân hàng câu hỏi (CSV/XLSX: text,a,b,c,d,answer,source)")
async def import_questions(contest: ContestCode, file: Annotated[UploadFile, File()], actor: SetupStaff,
                           rpc: Rpc):
    return await rpc.call("quiz", "import_questions", actor, contest, await file_payload(file))


@router.post("/admin/contests/{contest}/exclusions", response_model=schemas.ExclusionsOut,
             summary="Thêm người không được dự thi (theo số CCCD)")
async def add_exclusions(body: schemas.ExclusionsIn, contest: ContestCode,
                         actor: Organizer, rpc: Rpc):
    return await rpc.call("quiz", "add_exclusions", actor, contest, body.id_numbers)


@router.get("/admin/contests/{contest}/jury", response_model=schemas_jury.JuryOut,
            summary="Ban Giám khảo của hội thi (mặc định: mọi giám khảo)")
async def get_jury(contest: ContestCode, actor: Staff, rpc: Rpc):
    return await rpc.call("quiz", "get_jury", actor, contest)


@router.post("/admin/contests/{contest}/jury", response_model=schemas_jury.JuryOut,
             summary="Chỉ định Ban Giám khảo của hội thi (theo tên đăng nhập; thay danh sách cũ)")
async def set_jury(body: schemas_jury.JuryIn, contest: ContestCode,
                   actor: Organizer, rpc: Rpc):
    # After judging began a change needs confirm: true (SPEC 5); quiz decides and audits.
    return await rpc.call("quiz", "set_jury", actor, contest, body.usernames, confirm=body.confirm,
                          reason=body.reason)


@router.post("/admin/contests/{contest}/rounds/{n}/close", response_model=schemas.RoundOut,
             summary="Đóng tuần thi ngay và tính xếp hạng chung cuộc")
async def close_round(contest: ContestCode, n: RoundNumber,
                      actor: Organizer, rpc: Rpc):
    return await rpc.call("quiz", "close_round", actor, contest, n)


@router.get("/admin/contests/{contest}/questions", response_model=list[schemas_bank.BankQuestionOut],
            summary="Ngân hàng câu hỏi của hội thi (tìm theo nội dung, lọc đang dùng / đã vào đề); "
                    "tổng số câu khớp ở header X-Total-Count")
async def list_questions(contest: ContestCode, actor: SetupStaff, rpc: Rpc, response: Response,
                         q: Annotated[str | None, Query(max_length=200)] = None,
                         active: bool | None = None, used: bool | None = None,
                         limit: Annotated[int, Query(ge=1, le=500)] = 100,
                         offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0):
    page = await rpc.call("quiz", "list_questions", actor, contest, q=q, active=active, used=used,
                          limit=limit, offset=offset)
    response.headers["x-total-count"] = str(page["total"])
    return page["items"]


@router.patch("/admin/contests/{contest}/questions/{question_id}", response_model=schemas_bank.BankQuestionOut,
              summary="Sửa câu hỏi chưa vào đề nào, ngừng hoặc dùng lại một câu hỏi (có ghi nhật ký, kèm lý do)")
async def update_question(body: schemas_bank.QuestionPatch, contest: ContestCode, question_id: QuestionId,
                          actor: SetupStaff, rpc: Rpc):
    return await rpc.call("quiz", "update_question", actor, contest, question_id,
                          body.model_dump(mode="json", exclude_none=True))


@router.get("/admin/contests/{contest}/exclusions", response_model=list[schemas_bank.ExclusionOut],
            summary="Người không được dự thi: danh sách của hội thi và các tài khoản cán bộ (tự động)")
async def list_exclusions(contest: ContestCode, actor: Organizer, rpc: Rpc):
    return await rpc.call("quiz", "list_exclusions", actor, contest)


@router.delete("/admin/contests/{contest}/exclusions/{id_number}", status_code=204, response_class=Response,
               summary="Bỏ một số CCCD khỏi danh sách người không được dự thi (có ghi nhật ký)")
async def remove_exclusion(contest: ContestCode, id_number: IdNumber, actor: Organizer, rpc: Rpc,
                           body: Annotated[schemas_bank.ExclusionRemoveIn | None, Body()] = None):
    await rpc.call("quiz", "remove_exclusion", actor, contest, id_number, body.reason if body else None)
    return Response(status_code=204)
