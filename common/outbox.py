"""Transactional outbox: an event is a row written in the same transaction as the change it tells.

Domain code never touches this module: it calls `uow.emit(...)` (common/uow.py), which adds the row,
and the unit of work publishes it once the transaction has committed. A periodic relay
(`EventOutbox.relay_pending`) publishes whatever a crash or a broker outage left behind. An event may
thus be delivered more than once, never lost; every handler is idempotent (keyed by the event's
subject, e.g. the attempt id).

Publishing does not read the rows back: each event is kept in memory from `add` until it is
published, and the "published" marks are written in batches (`flush_marks`), not one transaction
per event: in a deadline rush that extra transaction per event cost as much CPU as the submission
itself (bench/RESULTS.md). If the process dies between a publish and the flush of its mark, the relay
publishes that event again later: a duplicate, which handlers absorb.
"""
import collections
import datetime as dt
import logging
import time
import uuid

from sqlalchemy import JSON, Index, String, func, select, update
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from common.time import utcnow
from common.types import UTCDateTime

log = logging.getLogger(__name__)

# Marks are written at most this long after a publish (or at the next relay, whichever is first).
MARK_BATCH_S = 0.25
# The relay leaves rows younger than this alone: they are either in a transaction that has just
# committed and is being published, or published with their mark not flushed yet.
RELAY_AFTER_S = 10.0
# Events kept in memory between their INSERT and their publish. A rolled-back transaction leaves
# its entries here until the bound pushes them out; they are never published, since only the ids
# of committed transactions are.
MEMORY_LIMIT = 20_000


class OutboxMixin:
    """Mix into a service's declarative Base as `class Outbox(OutboxMixin, Base)`."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @declared_attr.directive
    def __table_args__(cls):
        # A fresh Index per model: one Index object can belong to one table only, and several
        # services' Outbox models meet in one process (tests, tools).
        return (Index("ix_outbox_pending", "published_at", "created_at"),)


class EventOutbox:
    """The outbox table of one service (`model`) and what this process knows about its rows.

    One instance per process and model (the service's StoreProvider holds it); its workers share it.
    `dispatch(event_type, payload)` is nameko's EventDispatcher, given at each call because nameko
    builds one per worker (it carries the worker's request id).
    """

    def __init__(self, model):
        self.model = model
        self._insert = model.__table__.insert()
        self._written = collections.OrderedDict()  # row id -> (event_type, payload), until published
        self._unmarked = {}  # row id -> monotonic time of its publish, until its mark is written
        self._held = {}  # row id -> monotonic time it was held (committed, published later)

    # --- inside the transaction -------------------------------------------------------------

    def add(self, session, event_type, payload, immediate=False):
        """Write an event row in the caller's transaction; returns its id.

        `immediate=True` runs a plain INSERT at once instead of adding an ORM object flushed at
        commit: cheaper, for callers that already hold their write locks (quiz's submit).
        """
        row_id = str(uuid.uuid4())
        self._written[row_id] = (event_type, payload)
        while len(self._written) > MEMORY_LIMIT:
            self._written.popitem(last=False)
        row = {"id": row_id, "event_type": event_type, "payload": payload, "created_at": utcnow()}
        if immediate:
            session.execute(self._insert, dict(row, published_at=None))
        else:
            session.add(self.model(**row))
        return row_id

    def forget(self, ids):
        """These rows were rolled back (a savepoint): they will never be published."""
        for row_id in ids:
            self._written.pop(row_id, None)

    # --- after the commit -------------------------------------------------------------------

    def publish(self, db, dispatch, ids):
        """Publish these committed rows now and schedule their marks. A failure here loses
        nothing: the rows stay pending and the relay sends them later."""
        if not ids:
            return 0
        sent = 0
        try:
            unknown = []
            for row_id in ids:
                event = self._written.pop(row_id, None)
                if event is None:
                    unknown.append(row_id)  # pushed out of memory: read it back below
                    continue
                event_type, payload = event
                dispatch(event_type, dict(payload, event_id=row_id))
                self._unmarked[row_id] = time.monotonic()
                sent += 1
            if unknown:
                sent += self._publish_from_rows(db, dispatch, unknown)
        except Exception:  # broker or database hiccup: the relay will retry
            log.warning("outbox publish deferred to relay", exc_info=True)
        if self._unmarked and time.monotonic() - min(self._unmarked.values()) >= MARK_BATCH_S:
            self.flush_marks(db)
        return sent

    def hold(self, ids):
        """Publish these committed rows later (`publish_held`): their subscribers' work can wait.
        Should the process die meanwhile, the relay sends them (RELAY_AFTER_S)."""
        now = time.monotonic()
        for row_id in ids:
            self._held.setdefault(row_id, now)

    def held_count(self):
        return len(self._held)

    def publish_held(self, db, dispatch, busy, max_hold_s):
        """Publish the held rows: all of them when `busy()` is false, else those held `max_hold_s`
        or longer. Returns how many were published."""
        if not self._held:
            return 0
        if busy():
            cutoff = time.monotonic() - max_hold_s
            ids = [row_id for row_id, since in self._held.items() if since <= cutoff]
        else:
            ids = list(self._held)
        for row_id in ids:
            self._held.pop(row_id, None)
        return self.publish(db, dispatch, ids) if ids else 0

    def _publish_from_rows(self, db, dispatch, ids):
        model = self.model
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

    def flush_marks(self, db):
        """Mark the rows this process has published since the last flush, in one UPDATE."""
        if not self._unmarked:
            return 0
        ids = list(self._unmarked)
        model = self.model
        try:
            with db.session() as session:
                session.execute(update(model).where(model.id.in_(ids), model.published_at.is_(None))
                                .values(published_at=utcnow())
                                .execution_options(synchronize_session=False))
        except Exception:  # database hiccup: keep them for the next flush (or the relay re-sends them)
            log.warning("outbox marks deferred", exc_info=True)
            return 0
        for row_id in ids:
            self._unmarked.pop(row_id, None)
        return len(ids)

    def relay_pending(self, db, dispatch, older_than_s=None, limit=500):
        """Publish rows still pending after `older_than_s` seconds (RELAY_AFTER_S). Run from a timer.

        Flushes this process's marks first, so it does not send again what it has just published.
        On PostgreSQL rows are claimed with SKIP LOCKED so that several instances share the work
        instead of sending the same rows twice.
        """
        self.flush_marks(db)
        older_than_s = RELAY_AFTER_S if older_than_s is None else older_than_s
        cutoff = utcnow() - dt.timedelta(seconds=older_than_s)
        model = self.model
        with db.session() as session:
            query = (
                select(model)
                .where(model.published_at.is_(None), model.created_at < cutoff)
                .order_by(model.created_at)
                .limit(limit)
            )
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            # Rows this process holds (a rush) are publish_held's: sending them here too would
            # only make duplicates.
            rows = [row for row in session.scalars(query).all() if row.id not in self._held]
            for row in rows:
                dispatch(row.event_type, dict(row.payload, event_id=row.id))
                row.published_at = utcnow()
                self._written.pop(row.id, None)
            if rows:
                log.info("outbox relay published %d pending events", len(rows))
            return len(rows)

    def pending_count(self, db):
        model = self.model
        with db.session() as session:
            return session.scalar(select(func.count()).select_from(model).where(model.published_at.is_(None)))
