"""The contestant's quiz: start, resume, autosave, submit, results of own attempts."""
from typing import Annotated

from fastapi import APIRouter, Path

from gateway.routes import API_PREFIX, ContestCode, RoundNumber
from gateway import schemas
from gateway.schemas_review import AttemptReviewOut
from gateway.auth import Actor, Contestant
from gateway.config import settings
from gateway.deps import Rpc

router = APIRouter(prefix=API_PREFIX, tags=["Thi trắc nghiệm"])

AttemptId = Annotated[str, Path(min_length=1, max_length=64, description="Mã lượt thi")]


@router.post("/contests/{contest}/rounds/{n}/attempts", status_code=201, response_model=schemas.AttemptStartOut,
             summary="Bắt đầu một lượt thi")
async def start_attempt(contest: ContestCode, n: RoundNumber,
                        actor: Contestant, rpc: Rpc):
    return await rpc.call("quiz", "start_attempt", actor, contest, n, timeout=settings.rush_rpc_timeout_s)


@router.get("/attempts/{attempt_id}/questions", response_model=schemas.AttemptResumeOut,
            summary="Tiếp tục lượt thi đang làm (câu hỏi và câu trả lời đã lưu)")
async def resume_attempt(attempt_id: AttemptId, actor: Contestant, rpc: Rpc):
    return await rpc.call("quiz", "resume_attempt", actor, attempt_id)


@router.put("/attempts/{attempt_id}/answers", response_model=schemas.SaveOut, summary="Tự động lưu câu trả lời")
async def save_answers(body: schemas.AnswersIn, attempt_id: AttemptId,
                       actor: Contestant, rpc: Rpc):
    return await rpc.call("quiz", "save_answers", actor, attempt_id, body.answers, body.prediction)


@router.post("/attempts/{attempt_id}/submit", status_code=202, response_model=schemas.SubmitOut,
             summary="Nộp bài (gửi lại nhiều lần vẫn chỉ một kết quả)")
async def submit_attempt(body: schemas.SubmitIn, attempt_id: AttemptId,
                         actor: Contestant, rpc: Rpc):
    # `answers` or `prediction` may be missing: the quiz service then takes the autosaved ones. A
    # submission is never refused for it (nothing submitted may be lost).
    return await rpc.call("quiz", "submit_attempt", actor, attempt_id, body.answers, body.prediction,
                          timeout=settings.rush_rpc_timeout_s)


@router.get("/attempts/{attempt_id}", response_model=schemas.AttemptOut, summary="Kết quả một lượt thi")
async def get_attempt(attempt_id: AttemptId, actor: Actor, rpc: Rpc):
    # Owner or staff: the quiz service decides (it knows the owner).
    return await rpc.call("quiz", "get_attempt", actor, attempt_id)


@router.get("/attempts/{attempt_id}/review", response_model=AttemptReviewOut,
            summary="Xem lại bài thi sau khi tuần thi kết thúc (đáp án đã chọn, đáp án đúng)")
async def review_attempt(attempt_id: AttemptId, actor: Actor, rpc: Rpc):
    # Owner or staff, and only once the round is closed (409 review_not_available before): the
    # quiz service decides both, so no key leaves it while someone may still answer.
    return await rpc.call("quiz", "review_attempt", actor, attempt_id)


@router.get("/me/attempts", response_model=list[schemas.AttemptOut], summary="Các lượt thi của tôi")
async def my_attempts(actor: Actor, rpc: Rpc):
    return await rpc.call("quiz", "list_attempts", actor)
