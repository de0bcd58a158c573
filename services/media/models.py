"""Tables owned by the media service.

Times are aware UTC datetimes (common.types.UTCDateTime). Scores are kept in hundredths of a point
(integers), so sums and means are exact.
"""
import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
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
    """Who scored a clip, published or withdrew it, or changed a contest's rubric (common/uow.py)."""


class Clip(Base):
    """One uploaded video. status: uploading → processing → accepted | rejected.

    `upload_id` is the S3 multipart upload the browser sends parts to; `probe_requested_at` is when
    the current probe was queued (the sweep re-queues a probe that stays without a verdict).
    """

    __tablename__ = "clips"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    contest: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(100), nullable=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    declared_size: Mapped[int] = mapped_column(BigInteger)
    part_size: Mapped[int] = mapped_column(BigInteger)
    part_count: Mapped[int] = mapped_column(Integer)
    object_key: Mapped[str] = mapped_column(String(300))
    upload_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    # The parts the uploader reported at completion, [[part_number, etag]]; the probe step joins
    # them (S3 CompleteMultipartUpload can take long for a big file: not on the request path).
    parts: Mapped[list | None] = mapped_column(JSON, nullable=True)
    joined_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="uploading")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    probe_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    probe_attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # What the probe measured (never the form).
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    container: Mapped[str | None] = mapped_column(String(100), nullable=True)
    video_codec: Mapped[str | None] = mapped_column(String(50), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    thumbnail_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    reject_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When the sweep deleted a rejected clip's file from the bucket (the row and its reason stay).
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_clips_contest_status", "contest", "status"),
        Index("ix_clips_status_created", "status", "created_at"),
    )


class Score(Base):
    """One judge's score of one clip, in hundredths of a point; scoring again replaces it."""

    __tablename__ = "scores"

    clip_id: Mapped[str] = mapped_column(String(36), ForeignKey("clips.id", ondelete="CASCADE"), primary_key=True)
    judge_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    judge_unit_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # {criterion: hundredths}, e.g. {"content": 3550, ...}
    points: Mapped[dict] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rubric(Base):
    """A contest's scoring rubric: the maximum of each criterion (SPEC 5 default when no row)."""

    __tablename__ = "rubrics"

    contest: Mapped[str] = mapped_column(String(64), primary_key=True)
    maxima: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScoreLock(Base):
    """Scores of a contest are final (SPEC 5): the video award set was approved. Written once, from
    the awards service's `award_set_approved` event (idempotent: a duplicate finds the row); deleted
    when that set is revoked (`award_set_revoked`)."""

    __tablename__ = "score_locks"

    contest: Mapped[str] = mapped_column(String(64), primary_key=True)
    award_set_id: Mapped[str] = mapped_column(String(64))
    locked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RevokedAwardSet(Base):
    """A video award set the awards service revoked (`award_set_revoked`): its lock was lifted, and
    an `award_set_approved` of that set arriving late (a retried delivery) must not lock again."""

    __tablename__ = "revoked_award_sets"

    award_set_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contest: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
