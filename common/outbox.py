"""Transactional outbox: an event is a row written in the same transaction as the change it tells.

After the transaction commits, the service publishes the rows it just wrote (`publish`); a periodic
relay (`relay_pending`) publishes whatever a crash or a broker outage left behind. An event may thus
be delivered more than once, never lost; every handler is idempotent (keyed by the event's subject,
e.g. the attempt id).

`publish` does not read the rows back: `add` keeps each event in memory until it is published, and
the "published" marks are written in batches (`flush_marks`), not one transaction per event. A
deadline rush publishes thousands of events a second, and that extra transaction per event cost as
much CPU as the submission itself (bench/RESULTS.md). If the process dies between a publish and the
flush of its mark, the relay publishes that event again later: a duplicate, which handlers absorb.
"""
import collections
import datetime as dt
import logging
import time
import uuid

from sqlalchemy import JSON, DateTime, Index, String, select, update
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

log = logging.getLogger(__name__)


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


class OutboxMixin:
    """Mix into a service's declarative Base as `class Outbox(OutboxMixin, Base)`."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    @declared_attr.directive
    def __table_args__(cls):
        # A fresh Index per model: one Index object can belong to one table only, and several
        # services' Outbox models meet in one process (tests, tools).
        return (Index("ix_outbox_pending", "published_at", "created_at"),)


_inserts = {}  # model -> its INSERT statement, built once (SQLAlchemy memoizes its cache key)

# Events this process wrote (row id -> (event_type, payload)), kept until published. A rolled-back
# transaction leaves its entries here until the bound pushes them out; they are never published,
# since only committed ids reach `publish`.
_MEMORY_LIMIT = 20_000
_written = collections.OrderedDict()
# Rows published but not marked yet: model -> {row id: monotonic time of the publish}.
_unmarked = collections.defaultdict(dict)
# Marks are written at most this long after a publish (or at the next relay, whichever is first).
MARK_BATCH_S = 0.25
# The relay leaves rows younger than this alone: they are either in a transaction that has just
# committed and is being published, or published with their mark not flushed yet.
RELAY_AFTER_S = 10.0


# Committed rows whose publication waits for a quieter moment: model -> {row id: monotonic time}.
_held = collections.defaultdict(dict)


def _remember(row_id, event_type, payload):
    _written[row_id] = (event_type, payload)
    while len(_written) > _MEMORY_LIMIT:
        _written.popitem(last=False)


def add(session, model, event_type, payload, immediate=False):
    """Queue an event inside the caller's transaction; returns the row id.

    `immediate=True` runs a plain INSERT at once instead of adding an ORM object flushed at commit:
    cheaper (quiz's submit uses it, thousands of times in a deadline rush), for callers that already
    hold their write locks. The default keeps the row unflushed until commit.
    """
    row_id = str(uuid.uuid4())
    _remember(row_id, event_type, payload)
    if not immediate:
        session.add(model(id=row_id, event_type=event_type, payload=payload, created_at=utcnow()))
        return row_id
    statement = _inserts.get(model)
    if statement is None:
        statement = _inserts[model] = model.__table__.insert()
    session.execute(statement, {"id": row_id, "event_type": event_type, "payload": payload,
                                "created_at": utcnow(), "published_at": None})
    return row_id


def _as_aware(value):
    # SQLite gives naive datetimes back; every stored time is UTC.
    return value if value is None or value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def publish(db, model, dispatch, ids):
    """Publish the given outbox rows now (their transaction committed) and schedule their marks.

    A failure here loses nothing: the rows stay pending and the relay sends them later.
    """
    if not ids:
        return 0
    sent = 0
    try:
        unknown = []
        for row_id in ids:
            event = _written.pop(row_id, None)
            if event is None:
                unknown.append(row_id)  # pushed out of memory: read it back below
                continue
            event_type, payload = event
            dispatch(event_type, dict(payload, event_id=row_id))
            _unmarked[model][row_id] = time.monotonic()
            sent += 1
        if unknown:
            sent += _publish_from_rows(db, model, dispatch, unknown)
    except Exception:  # broker or database hiccup: the relay will retry
        log.warning("outbox publish deferred to relay", exc_info=True)
    pending = _unmarked.get(model)
    if pending and time.monotonic() - min(pending.values()) >= MARK_BATCH_S:
        flush_marks(db, model)
    return sent


def hold(model, ids):
    """Publish these committed rows later (`publish_held`): their subscribers' work can wait.
    Should the process die meanwhile, the relay sends them (RELAY_AFTER_S)."""
    now = time.monotonic()
    for row_id in ids:
        _held[model].setdefault(row_id, now)


def held_count(model):
    return len(_held.get(model) or ())


def publish_held(db, model, dispatch, busy, max_hold_s):
    """Publish the held rows: all of them when `busy()` is false, else those held `max_hold_s` or
    longer. Returns how many were published."""
    held = _held.get(model)
    if not held:
        return 0
    if busy():
        cutoff = time.monotonic() - max_hold_s
        ids = [row_id for row_id, since in held.items() if since <= cutoff]
    else:
        ids = list(held)
    for row_id in ids:
        held.pop(row_id, None)
    return publish(db, model, dispatch, ids) if ids else 0


def _publish_from_rows(db, model, dispatch, ids):
    with db.session() as session:
        # One statement claims and reads the rows. The transaction commits only after every
        # dispatch returned, so a failed publish leaves the rows pending for the relay.
        rows = session.execute(
            update(model)
            .where(model.id.in_(list(ids)), model.published_at.is_(None))
            .values(published_at=utcnow())
            .returning(model.id, model.event_type, model.payload)
            .execution_options(synchronize_session=False)
        ).all()
        for row_id, event_type, payload in rows:
            dispatch(event_type, dict(payload, event_id=row_id))
        return len(rows)


def flush_marks(db, model):
    """Mark the rows this process has published since the last flush, in one UPDATE."""
    pending = _unmarked.get(model)
    if not pending:
        return 0
    ids = list(pending)
    try:
        with db.session() as session:
            session.execute(update(model).where(model.id.in_(ids), model.published_at.is_(None))
                            .values(published_at=utcnow()).execution_options(synchronize_session=False))
    except Exception:  # database hiccup: keep them for the next flush (or the relay re-sends them)
        log.warning("outbox marks deferred", exc_info=True)
        return 0
    for row_id in ids:
        pending.pop(row_id, None)
    return len(ids)


def relay_pending(db, model, dispatch, older_than_s=RELAY_AFTER_S, limit=500):
    """Publish rows still pending after `older_than_s` seconds. Run from a nameko timer.

    Flushes this process's marks first, so it does not send again what it has just published.
    On PostgreSQL rows are claimed with SKIP LOCKED so that several instances share the work
    instead of sending the same rows twice.
    """
    flush_marks(db, model)
    cutoff = utcnow() - dt.timedelta(seconds=older_than_s)
    with db.session() as session:
        query = (
            select(model)
            .where(model.published_at.is_(None), model.created_at < cutoff)
            .order_by(model.created_at)
            .limit(limit)
        )
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        held = _held.get(model) or {}
        # Held by this process (a rush): publish_held sends them; sending them here too would only
        # make duplicates.
        rows = [row for row in session.scalars(query).all() if row.id not in held]
        for row in rows:
            dispatch(row.event_type, dict(row.payload, event_id=row.id))
            row.published_at = utcnow()
            _written.pop(row.id, None)
        if rows:
            log.info("outbox relay published %d pending events", len(rows))
        return len(rows)


def pending_count(db, model):
    from sqlalchemy import func

    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(model.published_at.is_(None)))
