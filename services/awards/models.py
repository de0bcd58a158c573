"""Tables owned by the awards service.

An award set keeps its winners and the breakdown it was computed from as JSON on its own row: a
set is small (at most a few dozen winners), is read whole, and is frozen once approved, so a
separate winners table would add joins and nothing else.
"""
import datetime as dt

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.outbox import OutboxMixin
from common.time import utcnow
from common.types import UTCDateTime
from common.uow import AuditMixin


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class AuditEntry(AuditMixin, Base):
    """Who computed, approved or changed the prizes of a contest, and what changed."""


class PrizeTable(Base):
    """A contest's prize structure when an organizer changed it (absent: SPEC's defaults)."""

    __tablename__ = "prize_tables"

    contest: Mapped[str] = mapped_column(String(40), primary_key=True)
    table: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AwardSet(Base):
    """One computed result: the weekly prizes of a round, the video prizes or the collective prizes.

    At most one live set (draft or approved) per (contest, kind, round_key): a recompute replaces
    the draft (new id), an approved set is final and blocks recomputation until it is revoked. A
    revoked set stays on record beside the new draft, so the unique index leaves revoked rows out.
    `round_key` is the round for weekly sets and 0 otherwise, so the index also holds where `round`
    would be NULL.
    """

    __tablename__ = "award_sets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    contest: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    round_key: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))  # draft | approved | revoked
    winners: Mapped[list] = mapped_column(JSON)
    breakdown: Mapped[dict] = mapped_column(JSON)
    # What the computation used (prize table, settings, weights), for the record.
    inputs: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("uq_award_sets_live_contest_kind_round", "contest", "kind", "round_key", unique=True,
              sqlite_where=text("status != 'revoked'"), postgresql_where=text("status != 'revoked'")),
        Index("ix_award_sets_contest_status", "contest", "status"),
    )
