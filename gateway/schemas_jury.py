"""Request body and answer of the contest jury endpoints (/admin/contests/{contest}/jury).

Kept apart from gateway/schemas.py; the same conventions: inputs forbid unknown fields, outputs
allow the extra fields a service adds.
"""
from pydantic import Field

from gateway.schemas import In, Out


class JuryIn(In):
    usernames: list[str] = Field(min_length=1, max_length=200,
                                 description="Tên đăng nhập của các giám khảo (vai trò judge) trong Ban Giám khảo")
    confirm: bool = Field(False, description="Xác nhận thay đổi Ban Giám khảo sau khi việc chấm đã bắt đầu "
                                             "(thiếu: 409 confirm_required)")
    reason: str | None = Field(None, max_length=500, description="Lý do thay đổi (ghi vào nhật ký)")


class JuryMemberOut(Out):
    id: str
    username: str
    full_name: str
    unit_code: str | None


class JuryOut(Out):
    contest: str
    default: bool = Field(description="true: chưa chỉ định Ban Giám khảo, mọi giám khảo đều chấm (mặc định)")
    judges: list[JuryMemberOut]
    candidates: list[JuryMemberOut] = Field(description="Mọi tài khoản giám khảo (để chọn vào Ban Giám khảo)")
    judging_started: bool = Field(False, description="true: đã có điểm chấm; thay đổi Ban Giám khảo cần confirm: true")
