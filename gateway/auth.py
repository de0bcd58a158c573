"""JWT bearer tokens (HS256) and the role checks of SPEC.md section 7.

A token carries the actor the services need (`sub` = user id, `role`, `unit_code`), so most requests
need no extra lookup. Services check roles again (common.auth.require).
"""
import time
from typing import Annotated

import jwt
from fastapi import Depends
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
              "iat": now, "exp": now + ttl_s}
    if user.get("username"):
        # The audit log names its actors by login (services record the actor the token carries).
        claims["name"] = user["username"]
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM), ttl_s


def decode_token(token):
    """The actor `{id, role, unit_code}` (and `username` for staff) of a valid token, else ApiError 401."""
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired", "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.", _WWW)
    except jwt.InvalidTokenError:
        raise ApiError(401, "invalid_token", "Mã truy cập không hợp lệ. Vui lòng đăng nhập lại.", _WWW)
    if claims.get("role") not in ROLES:
        raise ApiError(401, "invalid_token", "Mã truy cập không hợp lệ. Vui lòng đăng nhập lại.", _WWW)
    actor = {"id": claims["sub"], "role": claims["role"], "unit_code": claims.get("unit_code")}
    if claims.get("name"):
        actor["username"] = claims["name"]
    return actor


async def current_actor(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)):
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "not_authenticated", "Cần đăng nhập để thực hiện thao tác này.", _WWW)
    return decode_token(credentials.credentials)


def require_roles(*roles):
    """Dependency: the actor, if their role is one of `roles`; else 403 `forbidden`."""

    async def dependency(actor=Depends(current_actor)):
        if actor["role"] not in roles:
            raise ApiError(403, "forbidden", "Bạn không có quyền thực hiện thao tác này.")
        return actor

    return dependency


async def optional_actor(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)):
    """The actor when a token is sent (a bad token is still 401), else None (the public)."""
    if credentials is None or not credentials.credentials:
        return None
    return decode_token(credentials.credentials)


async def reader(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)):
    """For a public answer that adds something for a signed-in reader (the leaderboard's `me`): the
    actor of a valid token, else None. An expired or bad token reads as the public, never 401, so
    a public page does not send its reader to the login."""
    try:
        return await optional_actor(credentials)
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
ActorOrPublic = Annotated[dict | None, Depends(optional_actor)]
