"""Request bodies and response shapes of /api/v1 (API.md), for validation and the OpenAPI document.

Response models allow extra fields: services may add fields (API.md: "add freely") and the gateway
passes them on; the documented ones are required, so a service breaking the contract is caught.
"""
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from common import contest_code

Role = Literal["contestant", "organizer", "expert", "judge", "monitor"]
StaffRole = Literal["organizer", "expert", "judge", "monitor"]
# A contest's code as the gateway accepts it (in a path, a query or a body): the one rule of
# common/contest_code.py, so a malformed code is a 422 here and the OpenAPI document shows the rule.
ContestCodeStr = Annotated[str, StringConstraints(pattern=contest_code.PATTERN, max_length=contest_code.MAX_LENGTH)]


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


def _storable(value):
    """False if `value` holds text PostgreSQL cannot store: NUL characters, or lone UTF-16
    surrogates (JSON's "\\ud800" escapes) that are not valid UTF-8. Walks lists and dicts (keys too)."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")  # in C: a lone surrogate fails here (a loop over the characters
        except UnicodeEncodeError:  # in Python cost more than the rest of a submission's validation)
            return False
        return True
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_storable(v) for v in value)
    return True


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _only_storable_text(cls, data):
        # Without this such text reaches a service's database and fails there (500).
        if not _storable(data):
            raise PydanticCustomError("invalid_text", "văn bản chứa ký tự không hợp lệ (ký tự NUL hoặc mã Unicode lỗi)")
        return data


# ---- identity ------------------------------------------------------------------------------
class TokenRequest(In):
    # OAuth2 clients also send grant_type, scope, client_id: ignored, not refused.
    model_config = ConfigDict(extra="ignore")
    username: str = Field(min_length=1, max_length=100, description="Tên đăng nhập, số điện thoại hoặc số CCCD")
    password: str = Field(min_length=1, max_length=200)


class TokenOut(Out):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    role: Role
    expires_in: int
    must_change_password: bool = Field(
        False, description="true sau khi đăng nhập bằng mật khẩu một lần: cần đặt mật khẩu mới (POST /me/password)")


class RegisterIn(In):
    full_name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(min_length=1, max_length=20, description="Số CCCD 12 chữ số")
    phone: str = Field(min_length=1, max_length=20)
    unit_code: str = Field(min_length=1, max_length=50)
    position: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=200)
    date_of_birth: date | None = None


class ContestantOut(Out):
    id: str
    full_name: str
    unit_code: str | None


class MeOut(Out):
    id: str
    role: Role
    full_name: str | None
    unit_code: str | None


class StaffIn(In):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)
    role: StaffRole
    full_name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(min_length=1, max_length=20)
    unit_code: str | None = Field(None, max_length=50)


class UnlockIn(In):
    reason: str | None = Field(None, max_length=500, description="Lý do mở khóa (ghi vào nhật ký)")


class UnlockOut(Out):
    id: str
    cleared: int = Field(description="Số lần đăng nhập sai đã xóa")


class StaffOut(Out):
    id: str
    username: str
    role: StaffRole
    full_name: str
    unit_code: str | None
    active: bool = True


class StaffPatch(In):
    active: bool | None = None
    role: StaffRole | None = None
    unit_code: str | None = Field(None, max_length=50, description="Mã đơn vị; chuỗi rỗng để bỏ đơn vị")
    full_name: str | None = Field(None, min_length=1, max_length=200)
    reason: str | None = Field(None, max_length=500, description="Lý do (ghi vào nhật ký)")


class PasswordResetIn(In):
    reason: str = Field(min_length=1, max_length=500, description="Lý do cấp mật khẩu một lần (ghi vào nhật ký)")


class PasswordResetOut(Out):
    id: str
    temporary_password: str = Field(description="Mật khẩu một lần: chỉ hiện một lần, phải đổi ở lần đăng nhập sau")


class PasswordChangeIn(In):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


# ---- contest setup -------------------------------------------------------------------------
class RoundIn(In):
    opens_at: AwareDatetime
    closes_at: AwareDatetime


class CollectiveWeights(In):
    participation: float = Field(ge=0, le=1)
    quality: float = Field(ge=0, le=1)


class ContestSettings(In):
    # Ranges are checked by the quiz service too; these catch the obvious mistakes early.
    model_config = ConfigDict(extra="allow")
    questions_per_attempt: int | None = Field(None, ge=1)
    time_limit_s: int | None = Field(None, ge=1)
    max_attempts_per_round: int | None = Field(None, ge=1)
    grace_s: int | None = Field(None, ge=0)
    prediction_target: Literal["submitted_attempts", "perfect_attempts"] | None = None
    one_weekly_prize_per_person: bool | None = None
    collective_weights: CollectiveWeights | None = None
    # SPEC 2: "roster" = while the contest is open, only CCCDs on their unit's roster register.
    registration: Literal["open", "roster"] | None = None
    live_board: Literal["scores", "full", "hidden"] | None = Field(
        None, description="Bảng xếp hạng khi tuần thi đang mở: scores (mặc định, ẩn dự đoán), "
                          "full (hiện tất cả) hoặc hidden (không hiện)")
    listed: bool | None = Field(
        None, description="true (mặc định): hội thi hiện trên các trang công khai; false: hội thi thử, "
                          "kiểm thử, chỉ mở được bằng địa chỉ có ?contest=")


class RoundPatch(In):
    n: int = Field(ge=1, le=1000)
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None


class ContestPatch(In):
    """PATCH /admin/contests/{c}: what is sent changes, under SPEC 6's locks (409 `locked`)."""
    title: str | None = Field(None, min_length=1, max_length=300)
    settings: ContestSettings | None = None
    rounds: list[RoundPatch] | None = Field(None, max_length=52)
    reason: str | None = Field(None, max_length=2000)


class ContestIn(In):
    code: ContestCodeStr = Field(examples=["cchc-2024"])
    title: str = Field(min_length=1, max_length=300)
    rounds: list[RoundIn] = Field(min_length=1)
    settings: ContestSettings | None = None


class RoundOut(Out):
    n: int
    opens_at: str
    closes_at: str
    status: Literal["scheduled", "open", "closed", "finalized"]


class ContestOut(Out):
    code: str
    title: str
    settings: dict
    rounds: list[RoundOut]


class UnitOut(Out):
    code: str
    name: str
    kind: str | None
    parent_code: str | None
    headcount: int | None
    # The imported figure, and the roster's size when the unit uploaded one (then the headcount).
    declared_headcount: int | None = None
    roster_size: int | None = None


class RowError(Out):
    row: int
    message: str


class UnitImportOut(Out):
    created: int
    updated: int
    errors: list[RowError]


class RosterOut(Out):
    unit_code: str
    added: int
    updated: int
    removed: int
    headcount: int
    # Contestants already registered for the unit whose CCCD is not on this roster (to check).
    registered_outside_roster: int = 0
    errors: list[RowError]


class QuestionImportOut(Out):
    created: int
    errors: list[RowError]


class ExclusionsIn(In):
    id_numbers: list[str] = Field(min_length=1, max_length=10000)


class ExclusionsOut(Out):
    excluded: int
    added: int = 0
    errors: list[RowError] = []


# ---- quiz ----------------------------------------------------------------------------------
class OptionOut(Out):
    key: str
    text: str


class QuestionOut(Out):
    id: str
    text: str
    options: list[OptionOut]


class AttemptStartOut(Out):
    attempt_id: str
    deadline: str
    prediction_question: str | None
    questions: list[QuestionOut]


class AttemptResumeOut(AttemptStartOut):
    answers: dict[str, str]
    prediction: int | None


class AnswersIn(In):
    answers: dict[str, str] = Field(default_factory=dict, description="question_id → A, B, C hoặc D")
    prediction: int | None = Field(None, ge=0, description="Câu hỏi dự đoán: số nguyên ≥ 0")


class SubmitIn(In):
    # Missing means "what I autosaved" (SPEC 3): a submit never empties the sheet by leaving it out.
    answers: dict[str, str] | None = Field(None, description="question_id → A, B, C hoặc D; bỏ trống: "
                                                             "chấm các câu trả lời đã tự động lưu")
    prediction: int | None = Field(None, ge=0, description="Câu hỏi dự đoán: số nguyên ≥ 0; bỏ trống: "
                                                           "giữ số đã lưu")


class SaveOut(Out):
    attempt_id: str


class SubmitOut(Out):
    attempt_id: str
    status: str


class AttemptOut(Out):
    attempt_id: str
    contest: str | None = None
    contest_title: str | None = Field(None, description="Tên hội thi (GET /me/attempts)")
    round: int | None = None
    status: Literal["in_progress", "submitted", "graded"]
    correct: int | None
    total: int | None
    duration_ms: int | None
    submitted_at: str | None


# ---- results -------------------------------------------------------------------------------
class LeaderboardRow(Out):
    rank: int
    contestant_id: str
    full_name: str | None
    unit_code: str | None
    correct: int | None
    prediction: int | None
    prediction_diff: int | None
    duration_ms: int | None
    submitted_at: str | None


class MyLeaderboardRow(LeaderboardRow):
    rank: int | None  # None on a live board where the public could not see it (results.live_me)


class LeaderboardOut(Out):
    final: bool
    actual_attempts: int | None
    rows: list[LeaderboardRow]
    me: MyLeaderboardRow | None = None  # only when a contestant's token is sent


class UnitFlag(Out):
    code: Literal["no_headcount", "over_headcount"]
    message: str


class UnitStatsOut(Out):
    unit_code: str
    headcount: int | None
    participants: int
    participation: float | None
    quality: float | None
    zero_results: int
    # Why the participation rate is not what it seems (SPEC 4): no headcount, or more participants
    # than headcount (the rate capped at 100%); empty when the figures agree.
    flags: list[UnitFlag] = []


# ---- operations ----------------------------------------------------------------------------
class ServiceState(Out):
    instances: int
    healthy: bool


class QueueState(Out):
    messages: int | None
    consumers: int | None


class SystemOut(Out):
    services: dict[str, ServiceState]
    queues: dict[str, QueueState]
    # Events parked in <service>.dead-letter after their retries (common/retry.py); None: unknown.
    dead_letters: dict[str, int | None] = {}


class DeadLetterReplayOut(Out):
    service: str
    replayed: int
    remaining: int


# ---- audit log (SPEC 6) -----------------------------------------------------------------------
class AuditEntryOut(Out):
    service: str = Field(description="Which service's chain holds the entry (quiz, media, awards)")
    seq: int = Field(description="Position in that service's chain; (service, seq) names the entry")
    id: str
    at: str
    actor: str = Field(description="Who, readable: `tên đăng nhập (#mã)`, or `hệ thống`")
    actor_id: str | None
    actor_username: str | None
    role: str | None
    action: str
    target: str
    contest: str | None
    before: Any = None
    after: Any = None
    reason: str | None
    hash: str
    prev_hash: str


class AuditServiceCheck(Out):
    service: str
    entries: int
    ok: bool
    first_bad_seq: int | None


class AuditVerifyOut(Out):
    entries: int
    ok: bool
    first_bad_seq: int | None = Field(description="seq of the first entry that breaks its chain")
    first_bad_service: str | None = Field(description="the service whose chain breaks there")
    services: list[AuditServiceCheck]
