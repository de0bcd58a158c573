"""Role checks inside services (the gateway checks too; services do not trust the wire blindly)."""
from common.errors import Forbidden, Unauthorized

ROLES = ("contestant", "organizer", "expert", "judge", "monitor")
STAFF_ROLES = ("organizer", "expert", "judge", "monitor")


def require(actor, *roles):
    """Raise unless `actor` holds one of `roles`. Returns the actor for chaining."""
    if not actor or not actor.get("id"):
        raise Unauthorized("not_authenticated", "Cần đăng nhập.")
    if roles and actor.get("role") not in roles:
        raise Forbidden("forbidden", "Bạn không có quyền thực hiện thao tác này.")
    return actor
