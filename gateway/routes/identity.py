"""Identity: login, registration, the current user, staff accounts."""
import json

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from gateway.routes import API_PREFIX
from gateway import auth, schemas
from gateway.auth import Organizer, PendingActor
from gateway.deps import Rpc, client_ip
from gateway.errors import ApiError

router = APIRouter(prefix=API_PREFIX, tags=["Danh tính"])

_TOKEN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": schemas.TokenRequest.model_json_schema()},
            "application/x-www-form-urlencoded": {"schema": schemas.TokenRequest.model_json_schema()},
        },
    }
}


async def _token_request(request: Request) -> schemas.TokenRequest:
    """JSON for the portal; form-encoded for OAuth2 password-flow clients (and Swagger's Authorize)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        data = {k: v for k, v in form.items() if k in ("username", "password")}
    else:
        try:
            data = json.loads(await request.body() or b"null")
        except ValueError:
            raise ApiError(422, "invalid_json", "Nội dung gửi lên không phải JSON hợp lệ.")
    try:
        return schemas.TokenRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])


@router.post("/auth/token", response_model=schemas.TokenOut, openapi_extra=_TOKEN_BODY,
             summary="Đăng nhập: nhận mã truy cập (JWT)")
async def login(request: Request, rpc: Rpc):
    body = await _token_request(request)
    user = await rpc.call("quiz", "authenticate", body.username, body.password, client_ip(request))
    token, ttl = auth.issue_token(user)
    # must_change_password: a one-time password, this token may only set a new one (gateway/auth.py).
    return {"access_token": token, "token_type": "bearer", "role": user["role"], "expires_in": ttl,
            "must_change_password": bool(user.get("must_change_password"))}


@router.post("/contestants", status_code=201, response_model=schemas.ContestantOut,
             summary="Đăng ký dự thi (CBCCVC)")
async def register(body: schemas.RegisterIn, request: Request, rpc: Rpc):
    # The address is counted by quiz's registration throttle (same address logic as the login's).
    return await rpc.call("quiz", "register_contestant", body.model_dump(mode="json", exclude_none=True),
                          client_ip(request))


@router.get("/me", response_model=schemas.MeOut, summary="Thông tin người đang đăng nhập")
async def me(actor: PendingActor, rpc: Rpc):
    return await rpc.call("quiz", "get_user", actor["id"])


@router.post("/me/password", status_code=204, response_class=Response,
             summary="Đổi mật khẩu của chính mình (mọi phiên đăng nhập cũ kết thúc)")
async def change_password(body: schemas.PasswordChangeIn, actor: PendingActor, rpc: Rpc):
    await rpc.call("quiz", "change_password", actor, body.current_password, body.new_password)
    return Response(status_code=204)


@router.post("/admin/staff", status_code=201, response_model=schemas.StaffOut,
             summary="Tạo tài khoản cán bộ (Ban Tổ chức)")
async def create_staff(body: schemas.StaffIn, actor: Organizer, rpc: Rpc):
    return await rpc.call("quiz", "create_staff", actor, body.model_dump(mode="json"))


@router.post("/admin/accounts/{user_id}/unlock", response_model=schemas.UnlockOut,
             summary="Mở khóa đăng nhập của một tài khoản (Ban Tổ chức)")
async def unlock_account(user_id: str, actor: Organizer, rpc: Rpc, body: schemas.UnlockIn | None = None):
    """Clears the account's failed logins from every address; recorded in the audit log."""
    return await rpc.call("quiz", "unlock_account", actor, user_id, body.reason if body else None)


@router.get("/admin/staff", response_model=list[schemas.StaffOut], summary="Danh sách tài khoản cán bộ (Ban Tổ chức)")
async def list_staff(actor: Organizer, rpc: Rpc):
    return await rpc.call("quiz", "list_all_staff", actor)


@router.patch("/admin/staff/{user_id}", response_model=schemas.StaffOut,
              summary="Sửa, khóa hoặc mở khóa tài khoản cán bộ (Ban Tổ chức)")
async def update_staff(user_id: str, body: schemas.StaffPatch, actor: Organizer, rpc: Rpc):
    """`active: false` ends the account's sessions at once; recorded in the audit log (`staff.update`)."""
    return await rpc.call("quiz", "update_staff", actor, user_id, body.model_dump(mode="json", exclude_unset=True))


@router.post("/admin/accounts/{user_id}/password-reset", response_model=schemas.PasswordResetOut,
             summary="Cấp mật khẩu một lần cho tài khoản (Ban Tổ chức)")
async def reset_password(user_id: str, body: schemas.PasswordResetIn, actor: Organizer, rpc: Rpc):
    """The old password and every token stop working; the next login must set a new password."""
    return await rpc.call("quiz", "reset_password", actor, user_id, body.reason)
