"""Tables owned by the scoring service. Every time is an aware UTC datetime (common.types.UTCDateTime)."""
import datetime as dt

from sqlalchemy import BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.outbox import OutboxMixin
from common.time import utcnow
from common.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class AnswerKey(Base):
    """Scoring's copy of the quiz bank's keys, fed by `bank_changed` (or fetched on a miss)."""

    __tablename__ = "answer_keys"

    contest: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(8))


class GradedAttempt(Base):
    """One submitted attempt, graded once: the attempt id is the primary key, so a duplicate
    delivery of `attempt_submitted` cannot add a second row."""

    __tablename__ = "graded_attempts"

    attempt_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contest: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(Integer)
    contestant_id: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(255))
    unit_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    correct: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    prediction: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    duration_ms: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    graded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_graded_round", "contest", "round", "contestant_id"),
        Index("ix_graded_contest_contestant", "contest", "contestant_id"),
    )


class RoundResult(Base):
    """What `round_closed` told us about a round, and its final outcome once ranked.

    status: `pending` (closed, waiting for all grades) → `final` (ranked at `finalized_at`,
    `round_ranked` emitted).
    """

    __tablename__ = "round_results"

    contest: Mapped[str] = mapped_column(String(64), primary_key=True)
    round: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    submitted_attempts: Mapped[int] = mapped_column(Integer)
    prediction_target: Mapped[str] = mapped_column(String(32))
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    actual: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ranked_contestants: Mapped[int | None] = mapped_column(Integer, nullable=True)
    finalized_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_round_results_status", "status"),)


class RankingRow(Base):
    """The final ranking of a round, one row per contestant (their counted attempt), written once
    when the round is ranked; `position` is the row's place in SPEC order (ties share `rank`)."""

    __tablename__ = "round_rankings"

    contest: Mapped[str] = mapped_column(String(64), primary_key=True)
    round: Mapped[int] = mapped_column(Integer, primary_key=True)
    contestant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    attempt_id: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(255))
    unit_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    correct: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    prediction: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    prediction_diff: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    duration_ms: Mapped[int] = mapped_column(BigInteger)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_round_rankings_position", "contest", "round", "position"),)


class Unit(Base):
    """Last known copy of the quiz service's units (code → headcount), refreshed on every stats
    call; used when quiz does not answer so the statistics page still works."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    headcount: Mapped[int] = mapped_column(Integer, default=0)


class Disqualification(Base):
    """Scoring's copy of quiz's disqualifications (SPEC 6), fed by `contestant_disqualified` and
    `contestant_reinstated`: a disqualified contestant's attempts stay graded here but count in no
    board, ranking or unit statistic of the contest. `version` is quiz's count of changes: an
    event older than the copy changes nothing (redeliveries, reordering)."""

    __tablename__ = "disqualifications"

    contest: Mapped[str] = mapped_column(String(64), primary_key=True)
    contestant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    disqualified: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
