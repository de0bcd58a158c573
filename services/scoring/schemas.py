"""Incoming event payloads (validated) and the shape of RPC answers."""
import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.time import as_utc, iso


class _Event(BaseModel):
    # Ids are strings on the wire; accept a number too rather than drop an event over it.
    # `event_id` and any field added later by the sender are ignored.
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore")


class AttemptSubmitted(_Event):
    attempt_id: str = Field(min_length=1, max_length=64)
    contest: str = Field(min_length=1, max_length=64)
    round: int = Field(ge=1)
    contestant_id: str = Field(min_length=1, max_length=64)
    full_name: str = ""
    unit_code: str | None = None
    question_ids: list[str]
    answers: dict[str, str | None] = {}
    prediction: int | None = Field(default=None, ge=0)
    started_at: dt.datetime
    submitted_at: dt.datetime
    duration_ms: int = Field(ge=0)
    auto_submitted: bool = False

    @field_validator("started_at", "submitted_at")
    @classmethod
    def _utc(cls, value):
        return as_utc(value)

    @field_validator("answers", "full_name", mode="before")
    @classmethod
    def _none_is_empty(cls, value, info):
        # quiz sends null for a contestant it cannot name, and may send null answers
        if value is None:
            return {} if info.field_name == "answers" else ""
        return value


class RoundClosed(_Event):
    contest: str = Field(min_length=1, max_length=64)
    round: int = Field(ge=1)
    closes_at: dt.datetime | None = None
    submitted_attempts: int = Field(ge=0)
    prediction_target: Literal["submitted_attempts", "perfect_attempts"]
    questions_per_attempt: int | None = None

    @field_validator("closes_at")
    @classmethod
    def _utc(cls, value):
        return as_utc(value)


class DisqualificationChanged(_Event):
    """`contestant_disqualified` and `contestant_reinstated` from quiz."""
    contest: str = Field(min_length=1, max_length=64)
    contestant_id: str = Field(min_length=1, max_length=64)
    disqualified: bool
    version: int = Field(ge=1)


class BankChanged(_Event):
    contest: str = Field(min_length=1, max_length=64)
    keys: dict[str, str]


def leaderboard_row(rank, contestant_id, full_name, unit_code, correct, prediction, prediction_diff,
                    duration_ms, submitted_at):
    return {
        "rank": rank,
        "contestant_id": contestant_id,
        "full_name": full_name,
        "unit_code": unit_code,
        "correct": correct,
        "prediction": prediction,
        "prediction_diff": prediction_diff,
        "duration_ms": duration_ms,
        "submitted_at": iso(submitted_at),
    }
