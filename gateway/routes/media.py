"""Video clips: presigned upload, probing status, judging, publication (API.md "Video clips").

The gateway never carries video bytes: it hands out presigned part URLs and the browser sends the
file straight to object storage. Clip visibility is decided by the media service (staff see every
clip, the public only published ones), so GET /clips/{id} takes an optional token.
"""
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from gateway import schemas_media as schemas
from gateway.auth import ActorOrPublic, Judge, Organizer, SetupStaff, Staff
from gateway.deps import Rpc
from gateway.routes import API_PREFIX, ContestCode
from gateway.schemas import ContestCodeStr

router = APIRouter(prefix=API_PREFIX, tags=["Video clip"])

ClipId = Annotated[str, Path(min_length=1, max_length=64, description="Mã video clip")]


@router.post("/contests/{contest}/clips", status_code=201, response_model=schemas.ClipUploadOut,
             summary="Tạo lượt tải lên video clip (nhận các URL tải trực tiếp lên kho lưu trữ)")
async def create_clip(body: schemas.ClipIn, contest: ContestCode,
                      actor: SetupStaff, rpc: Rpc):
    return await rpc.call("media", "create_clip", actor, contest, body.model_dump(mode="json"))


@router.post("/clips/{clip_id}/complete", status_code=202, response_model=schemas.CompleteOut,
             summary="Hoàn tất tải lên: ghép các phần, dịch vụ media kiểm tra tệp sau đó")
async def complete_clip(body: schemas.CompleteIn, clip_id: ClipId,
                        actor: SetupStaff, rpc: Rpc):
    parts = [p.model_dump() for p in body.parts]
    return await rpc.call("media", "complete_clip", actor, clip_id, parts)


@router.post("/clips/{clip_id}/upload", response_model=schemas.ClipUploadOut,
             summary="Tải lại tệp của video clip chưa tải lên xong (nhận các URL tải mới)")
async def restart_upload(body: schemas.ClipFileIn, clip_id: ClipId, actor: SetupStaff, rpc: Rpc):
    return await rpc.call("media", "restart_upload", actor, clip_id, body.model_dump(mode="json"))


@router.delete("/clips/{clip_id}", status_code=204, response_class=Response,
               summary="Xoá video clip chưa tải lên xong (đang tải lên)")
async def delete_upload(clip_id: ClipId, actor: SetupStaff, rpc: Rpc):
    await rpc.call("media", "delete_upload", actor, clip_id)
    return Response(status_code=204)


@router.get("/clips/{clip_id}", response_model=schemas.ClipOut,
            summary="Thông tin video clip (cán bộ: mọi clip; công chúng: clip đã công bố)")
async def get_clip(clip_id: ClipId, actor: ActorOrPublic, rpc: Rpc):
    return await rpc.call("media", "get_clip", actor, clip_id)


@router.get("/contests/{contest}/clips", response_model=list[schemas.ClipOut],
            summary="Danh sách video clip của hội thi (cán bộ)")
async def list_clips(contest: ContestCode, actor: Staff, rpc: Rpc,
                     status: Annotated[schemas.ClipStatus | None, Query(description="Lọc theo trạng thái")] = None):
    return await rpc.call("media", "list_clips", actor, contest, status)


@router.post("/clips/{clip_id}/scores", response_model=schemas.OwnScoreOut,
             summary="Giám khảo chấm điểm video clip (chấm lại thì thay điểm cũ)")
async def score_clip(body: schemas.ScoreIn, clip_id: ClipId,
                     actor: Judge, rpc: Rpc):
    # Whole numbers stay ints on the wire (the service keeps hundredths of a point).
    scores = {k: int(v) if float(v).is_integer() else v for k, v in body.model_dump().items()}
    return await rpc.call("media", "score_clip", actor, clip_id, scores)


@router.get("/judge/clips", response_model=list[schemas.ClipOut],
            summary="Giám khảo: các clip cần chấm (không gồm clip của đơn vị mình) và điểm mình đã chấm")
async def judge_clips(actor: Judge, rpc: Rpc,
                      contest: Annotated[ContestCodeStr | None, Query()] = None):
    return await rpc.call("media", "list_judge_clips", actor, contest)


@router.get("/contests/{contest}/clip-rubric", response_model=schemas.RubricOut,
            summary="Thang điểm chấm video clip của hội thi")
async def get_rubric(contest: ContestCode, rpc: Rpc):
    return await rpc.call("media", "get_rubric", contest)


@router.put("/admin/contests/{contest}/clip-rubric", response_model=schemas.RubricOut,
            summary="Đặt thang điểm chấm video clip (trước khi có giám khảo chấm)")
async def set_rubric(body: schemas.RubricIn, contest: ContestCode,
                     actor: Organizer, rpc: Rpc):
    maxima = {k: int(v) if float(v).is_integer() else v for k, v in body.model_dump().items()}
    return await rpc.call("media", "set_rubric", actor, contest, maxima)


@router.post("/admin/clips/{clip_id}/publish", response_model=schemas.ClipOut,
             summary="Công bố video clip đã được chấp nhận lên thư viện công khai")
async def publish_clip(clip_id: ClipId, actor: Organizer, rpc: Rpc):
    return await rpc.call("media", "publish_clip", actor, clip_id, True)


@router.delete("/admin/clips/{clip_id}/publish", response_model=schemas.ClipOut,
               summary="Gỡ video clip khỏi thư viện công khai")
async def unpublish_clip(clip_id: ClipId, actor: Organizer, rpc: Rpc):
    return await rpc.call("media", "publish_clip", actor, clip_id, False)


@router.get("/contests/{contest}/gallery", response_model=list[schemas.GalleryClipOut],
            summary="Thư viện video clip đã công bố (công khai)")
async def gallery(contest: ContestCode, rpc: Rpc):
    return await rpc.call("media", "gallery", contest)
