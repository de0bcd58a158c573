"""Request bodies and response shapes of the award endpoints (API.md "Awards")."""
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.schemas import In, Out

Kind = Literal["weekly", "video", "collective"]
Prize = Literal["nhat", "nhi", "ba", "khuyen_khich"]


class ComputeIn(In):
    kind: Kind = Field(description="weekly (giải tuần), video (giải video clip) hoặc collective (giải tập thể)")
    round: int | None = Field(None, ge=1, le=1000, description="Số thứ tự tuần thi; chỉ dùng cho giải tuần")


class RevokeIn(In):
    reason: str = Field(min_length=1, max_length=1000, description="Lý do thu hồi (bắt buộc, ghi vào nhật ký)")


class WinnerOut(Out):
    prize: Prize
    amount_vnd: int
    contestant_id: str | None = None
    unit_code: str | None
    clip_id: str | None = None
    full_name: str | None = None
    details: dict


class AwardSetOut(Out):
    award_set_id: str
    contest: str
    kind: Kind
    round: int | None
    status: Literal["draft", "approved", "revoked"]
    winners: list[WinnerOut]
    total_vnd: int
    computed_at: str
    approved_at: str | None
    approved_by: str | None
    revoked_at: str | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None


class AwardSetAdminOut(AwardSetOut):
    breakdown: dict = Field(description="Chi tiết xét giải: người bị bỏ qua và lý do, xếp hạng clip, số liệu từng đơn vị")


class PrizeRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prize: Prize
    count: int = Field(ge=0, le=50)
    amount_vnd: int = Field(ge=0)


class PrizeTableIn(In):
    weekly: list[PrizeRow] | None = None
    video: list[PrizeRow] | None = None
    collective: list[PrizeRow] | None = None


class PrizeTableOut(Out):
    contest: str
    table: dict[str, list[PrizeRow]]
    totals: dict[str, int]


class BudgetOut(Out):
    contest: str
    rounds: int
    planned: dict[str, int]
    total_vnd: int
    approved_vnd: int
    draft_vnd: int
    remaining_vnd: int
    sets: list[dict]
