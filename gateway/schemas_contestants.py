"""Bodies and answers of the contestant search and disqualification routes (API.md "Disqualification
and audit")."""
from pydantic import Field

from gateway.schemas import In, Out


class ContestantOut(Out):
    id: str
    full_name: str
    id_number: str | None
    phone: str | None
    unit_code: str | None
    position: str | None
    registered_at: str | None
    active: bool
    # The contests the person is disqualified from (for the page's buttons).
    disqualified_in: list[str] = []


class DisqualificationIn(In):
    contestant_id: str = Field(min_length=1, max_length=64)
    # Required, checked by quiz (422 `reason_required` for a missing or blank one).
    reason: str | None = Field(None, max_length=1000, description="Lý do (bắt buộc)")


class ReinstateIn(In):
    reason: str | None = Field(None, max_length=1000, description="Lý do (bắt buộc)")


class DisqualificationOut(Out):
    contestant_id: str
    reason: str
    at: str
    by: str
