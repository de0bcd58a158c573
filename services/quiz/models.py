"""Tables owned by the quiz service.

An attempt keeps its question ids, option orders and answers as JSON columns of its own row, so
that start and submit (thousands at once when a round opens) are a handful of single-row queries.
"""
import datetime as dt
import uuid

from sqlalchemy import (JSON, Boolean, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, event, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.outbox import OutboxMixin
from common.time import utcnow
from common.types import UTCDateTime
from common.uow import AuditMixin


def new_id():
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class AuditEntry(AuditMixin, Base):
    """Who closed a round, changed a bank, an exclusion list, a jury, staff or units (uow.record)."""


class Unit(Base):
    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    parent_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    headcount: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """Contestants and staff. `kind` is 'contestant' or 'staff'; `role` the role of the actor."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    username: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)  # staff
    phone: Mapped[str | None] = mapped_column(String(10), unique=True, nullable=True)  # contestants
    id_number: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    full_name: Mapped[str] = mapped_column(String(255))
    unit_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    position: Mapped[str | None] = mapped_column(String(255), nullable=True)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    date_of_birth: Mapped[dt.date | None] = mapped_column(nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The name as searched (schemas.name_key: lower case, no diacritics, đ → d), kept in step with
    # full_name by the mapper events below; indexed for the organizers' search. Compared byte-wise
    # on PostgreSQL (collation "C"), so that one btree serves both the name order and a LIKE 'prefix%'
    # (the migration adds a trigram index for a part of a name, where pg_trgm can be had).
    name_key: Mapped[str | None] = mapped_column(
        String(255).with_variant(String(255, collation="C"), "postgresql"), nullable=True)
    # A deactivated account cannot log in; its tokens ended when it was deactivated (SPEC 6).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # Every token carries the version it was issued at (`ver`); a password change, a reset or a
    # deactivation bumps it, and the gateway refuses a token of an older version.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Set by an organizer's password reset: the one-time password must be replaced at next login.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    # A CCCD registers one contestant; staff CCCDs are checked separately (they are excluded).
    __table_args__ = (
        UniqueConstraint("kind", "id_number", name="uq_users_kind_id_number"),
        # A listing in name order walks it and stops at the page's end; a name typed from its start
        # (LIKE 'nguyen van%') is a range of it.
        Index("ix_users_kind_name_key", "kind", "name_key"),
        Index("ix_users_unit_code", "unit_code"),
    )


def _name_key_in_step(_mapper, _connection, user):
    from services.quiz.schemas import name_key
    user.name_key = name_key(user.full_name)


event.listen(User, "before_insert", _name_key_in_step)
event.listen(User, "before_update", _name_key_in_step)


class Disqualification(Base):
    """A contestant disqualified from one contest (SPEC 6), or reinstated (`active` false: the row
    stays, with the last reason). `version` counts the changes: the events carry it, so that
    scoring's copy keeps the latest state whatever order a redelivery brings them in."""

    __tablename__ = "disqualifications"

    contest_code: Mapped[str] = mapped_column(ForeignKey("contests.code"), primary_key=True)
    contestant_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    by_username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    reinstated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reinstate_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class Exclusion(Base):
    """A CCCD that may not take part in a contest (staff of the contest, support people)."""

    __tablename__ = "exclusions"

    contest_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(12), primary_key=True, index=True)


class JuryMember(Base):
    """A judge on one contest's jury (Ban Giám khảo). A contest with no rows here has the default
    jury, every judge of the platform (SPEC 5), so that one contest's judges never hold back the
    final clip scores of another contest once its organizers name a jury."""

    __tablename__ = "jury_members"

    contest_code: Mapped[str] = mapped_column(ForeignKey("contests.code"), primary_key=True)
    judge_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginFailure(Base):
    """One failed login, counted per `key` ('acct:user:<id>@<address>' or,
    for a name that finds nobody, 'acct:<name>@<address>'; and 'ip:<address>') over a window."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)


class RosterEntry(Base):
    """One person on a unit's staff roster (SPEC 2). A unit with rows here accepts registrations
    only from these CCCDs and takes its headcount from their number; an upload replaces them."""

    __tablename__ = "roster_entries"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(12), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(255))
    position: Mapped[str | None] = mapped_column(String(255), nullable=True)


class RegistrationHit(Base):
    """One registration request, counted per source address over a window (fake-account floods)."""

    __tablename__ = "registration_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_registration_hits_key_at", "key", "at"),)


class Contest(Base):
    __tablename__ = "contests"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    settings: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the first clip of the contest was scored (media's clip_scored): from then on a jury
    # change needs the organizer's confirmation (SPEC 5, domain/jury.py).
    judging_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Round(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contest_code: Mapped[str] = mapped_column(ForeignKey("contests.code"))
    n: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Set by the one quiz instance whose conditional UPDATE wins; round_closed is emitted once.
    close_emitted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Scoring's round_ranked arrived: the round's ranking is final (status "finalized").
    finalized: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("contest_code", "n", name="uq_rounds_contest_n"),)


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    contest_code: Mapped[str] = mapped_column(ForeignKey("contests.code"), index=True)
    text: Mapped[str] = mapped_column(Text)
    text_key: Mapped[str] = mapped_column(String(64))  # hash of the normalised text, for duplicates
    a: Mapped[str] = mapped_column(Text)
    b: Mapped[str] = mapped_column(Text)
    c: Mapped[str] = mapped_column(Text)
    d: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(String(1))
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("contest_code", "text_key", name="uq_questions_contest_text"),)


class Attempt(Base):
    __tablename__ = "attempts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    contest_code: Mapped[str] = mapped_column(String(40))
    round_n: Mapped[int] = mapped_column(Integer)
    contestant_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # in_progress | submitted | graded
    question_ids: Mapped[list] = mapped_column(JSON)
    option_orders: Mapped[dict] = mapped_column(JSON)  # {question_id: ["C", "A", "D", "B"]} (bank letters, shown order)
    # The bank letter of the chosen option, whatever letter the contestant saw: {question_id: "A".."D"}.
    answers: Mapped[dict] = mapped_column(JSON)
    # True: the paper labels the options A–D in the order shown, and the server maps a shown letter
    # to the bank option (so "question → B" means nothing across attempts). False: an attempt started
    # before per-attempt letters, whose paper showed bank letters; it keeps them until it ends.
    per_attempt_keys: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    prediction: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    submit_by: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # deadline + grace
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    correct: Mapped[int | None] = mapped_column(Integer, nullable=True)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (
        Index("ix_attempts_contestant_round", "contestant_id", "contest_code", "round_n"),
        Index("ix_attempts_status_submit_by", "status", "submit_by"),
        # At most one attempt in progress per contestant and contest, enforced by the database so
        # that two concurrent starts cannot both win.
        Index(
            "uq_attempts_one_in_progress", "contestant_id", "contest_code", unique=True,
            postgresql_where=text("status = 'in_progress'"),
            sqlite_where=text("status = 'in_progress'"),
        ),
    )
