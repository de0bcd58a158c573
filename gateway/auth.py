"""JWT bearer tokens (HS256) and the role checks of SPEC.md section 7.

A token carries the actor the services need (`sub` = user id, `role`, `unit_code`), so most requests
need no extra lookup. Services check roles again (common.auth.require). It also carries its
account's token version (`ver`): a token older than the account's version ended with a password
change, a reset or a deactivation (401 `session_ended`; the versions are cached, gateway/sessions.py);
and `pwc` after a login with a one-time password: such a token may only change the password
(`PendingActor`: POST /me/password, GET /me), elsewhere 403 `password_change_required`.
"""
import time
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from common.auth import ROLES, STAFF_ROLES
from gateway.config import settings
from gateway.errors import ApiError

ALGORITHM = "HS256"
_bearer = HTTPBearer(auto_error=False, description="Mã truy cập nhận từ POST /api/v1/auth/token")
_WWW = {"WWW-Authenticate": "Bearer"}

def issue_token(user, ttl_s=None, now=None):
    ttl_s = settings.jwt_ttl_s if ttl_s is None else ttl_s
    now = int(time.time() if now is None else now)
    claims = {"sub": str(user["id"]), "role": user["role"], "unit_code": user.get("unit_code"),
              "ver": int(user.get("token_version") or 0), "iat": now, "exp": now + ttl_s}
    if user.get("must_change_password"):
        claims["pwc"] = True
    if user.get("username"):
        # The audit log names its actors by login (services record the actor the token carries).
        claims["name"] = user["username"]
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM), ttl_s


def _claims(token):
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired", "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.", _WWW)
    except jwt.InvalidTokenError:
        raise ApiError(401, "invalid_token", "Mã truy cập không hợp lệ. Vui lòng đăng nhập lại.", _WWW)
    if claims.get("role") not in ROLES:
        raise ApiError(401, "invalid_token", "Mã truy cập không hợp lệ. Vui lòng đăng nhập lại.", _WWW)
    return claims


def _actor(claims):
    actor = {"id": claims["sub"], "role": claims["role"], "unit_code": claims.get("unit_code")}
    if claims.get("name"):
        actor["username"] = claims["name"]
    return actor


def decode_token(token):
    """The actor `{id, role, unit_code}` (and `username` for staff) of a valid token, else ApiError 401.
    The signature and expiry only: whether the session still stands is `_session`'s question."""
    return _actor(_claims(token))


async def _session(request, token, pending_ok=False):
    """The actor of a token whose session still stands (gateway/sessions.py), else ApiError."""
    claims = _claims(token)
    sessions = getattr(request.app.state, "sessions", None)
    if sessions is not None:
        try:
            ver = int(claims.get("ver") or 0)
        except (TypeError, ValueError):
            raise ApiError(401, "invalid_token", "Mã truy cập không hợp lệ. Vui lòng đăng nhập lại.", _WWW)
        if not await sessions.valid(claims["sub"], ver):
            raise ApiError(401, "session_ended", "Phiên đăng nhập đã kết thúc (mật khẩu vừa được đổi hoặc "
                           "tài khoản bị khóa). Vui lòng đăng nhập lại.", _WWW)
    if claims.get("pwc") and not pending_ok:
        raise ApiError(403, "password_change_required",
                       "Bạn đang dùng mật khẩu một lần: hãy đặt mật khẩu mới trước khi tiếp tục.")
    return _actor(claims)


async def current_actor(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)):
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "not_authenticated", "Cần đăng nhập để thực hiện thao tác này.", _WWW)
    return await _session(request, credentials.credentials)


async def pending_actor(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)):
    """As current_actor, also for a token that must first change its password (one-time password)."""
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "not_authenticated", "Cần đăng nhập để thực hiện thao tác này.", _WWW)
    return await _session(request, credentials.credentials, pending_ok=True)


def require_roles(*roles):
    """Dependency: the actor, if their role is one of `roles`; else 403 `forbidden`."""

    async def dependency(actor=Depends(current_actor)):
        if actor["role"] not in roles:
            raise ApiError(403, "forbidden", "Bạn không có quyền thực hiện thao tác này.")
        return actor

    return dependency


async def optional_actor(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)):
    """The actor when a token is sent (a bad or ended one is still 401), else None (the public)."""
    if credentials is None or not credentials.credentials:
        return None
    return await _session(request, credentials.credentials)


async def reader(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)):
    """For a public answer that adds something for a signed-in reader (the leaderboard's `me`): the
    actor of a valid token, else None. An expired or bad token reads as the public, never 401, so
    a public page does not send its reader to the login."""
    try:
        return await optional_actor(request, credentials)
    except ApiError:
        return None


# Who may do what (SPEC.md section 7): each role set once, and the route parameter that checks it
# (`actor: Organizer` answers 401/403 before the route runs). Organizers may do everything staff
# can, except score clips.
ORGANIZERS = ("organizer",)
SETUP = ("organizer", "expert")                  # units, question bank, clip uploads
MONITORING = ("organizer", "monitor")            # system health, the gateway's metrics
STATISTICS = ("organizer", "expert", "monitor")  # question difficulty
STAFF = STAFF_ROLES                              # every staff role: the jury, the clip lists
JUDGES = ("judge",)
CONTESTANTS = ("contestant",)

Organizer = Annotated[dict, Depends(require_roles(*ORGANIZERS))]
SetupStaff = Annotated[dict, Depends(require_roles(*SETUP))]
MonitoringStaff = Annotated[dict, Depends(require_roles(*MONITORING))]
StatisticsStaff = Annotated[dict, Depends(require_roles(*STATISTICS))]
Staff = Annotated[dict, Depends(require_roles(*STAFF))]
Judge = Annotated[dict, Depends(require_roles(*JUDGES))]
Contestant = Annotated[dict, Depends(require_roles(*CONTESTANTS))]
Actor = Annotated[dict, Depends(current_actor)]  # anyone signed in; the service decides what they see
PendingActor = Annotated[dict, Depends(pending_actor)]  # also one who must change a one-time password first
ActorOrPublic = Annotated[dict | None, Depends(optional_actor)]
