"""A unit of work: one transaction, the events it announces, the trace it leaves.

Every service declares its store once:

    db = StoreProvider(config.database_url, config.MIGRATIONS_DIR, Outbox, audit_model=AuditEntry)

and a handler gets a `Store`:

    self.db.run(closing.close_round, actor, contest, n)   # close_round(uow, actor, contest, n)
    self.db.read(contests.get_contest, code)              # get_contest(session, code)

A domain function that changes state takes the `UnitOfWork`: `uow.session` for its queries,
`uow.emit(event, payload)` for what it announces (an outbox row in the same transaction, published
by the store once the transaction has committed, never if it rolled back) and
`uow.record(...)` for the audit entry of a change that can move money (SPEC 6). Nobody publishes by
hand and nobody returns outbox ids.
"""
import contextlib
import hashlib
import json
import logging
import uuid

from nameko.events import EventDispatcher
from sqlalchemy import JSON, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column

from common import nameko_patches, prod_secrets
from common.db import Database
from common.outbox import EventOutbox
from common.time import utcnow
from common.types import UTCDateTime

log = logging.getLogger(__name__)

# A broker restart must not kill a busy service (see common/nameko_patches.py).
nameko_patches.apply()


class AuditMixin:
    """Mix into a service's Base as `class AuditEntry(AuditMixin, Base)`: its append-only audit log.

    Each entry carries the hash of the one before it (`prev_hash`) and its own (`hash`, over its
    fields and `prev_hash`), so an entry edited or deleted later breaks the chain (`verify_chain`).
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)  # the chain's order
    id: Mapped[str] = mapped_column(String(36), unique=True)
    at: Mapped[object] = mapped_column(UTCDateTime)
    actor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor_username: Mapped[str | None] = mapped_column(String(128), nullable=True)
    actor_role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    # The contest the change belongs to, when it belongs to one (the reader filters on it; a target
    # such as `award_set:ID` does not name it). Hashed only when set, so older entries still verify.
    contest: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


GENESIS = "0" * 64


def entry_hash(entry, prev_hash):
    """SHA-256 over an entry's fields and the previous entry's hash (canonical JSON)."""
    fields = {
        "id": entry["id"], "at": entry["at"].isoformat(), "actor_id": entry["actor_id"],
        "actor_username": entry["actor_username"], "actor_role": entry["actor_role"],
        "action": entry["action"], "target": entry["target"], "before": entry["before"],
        "after": entry["after"], "reason": entry["reason"], "prev_hash": prev_hash,
    }
    if entry.get("contest") is not None:
        fields["contest"] = entry["contest"]
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


ENTRY_FIELDS = ("id", "at", "actor_id", "actor_username", "actor_role", "action", "target", "contest",
                "before", "after", "reason")


def check_chain(session, model):
    """`(entries, first_bad_seq)`: how many entries the log holds and the seq of the first one whose
    hash does not follow from its fields and its predecessor (None when the whole log is intact).

    An UPDATE of any field breaks that entry's hash; a DELETE breaks the next entry's `prev_hash`
    (and leaves a gap in seq, which is checked too, in case the next one was deleted as well)."""
    prev, expected_seq, count = GENESIS, 1, 0
    for row in session.scalars(select(model).order_by(model.seq)):
        count += 1
        entry = {c: getattr(row, c) for c in ENTRY_FIELDS}
        if row.seq != expected_seq or row.prev_hash != prev or row.hash != entry_hash(entry, prev):
            return count, row.seq
        prev, expected_seq = row.hash, row.seq + 1
    return count, None


def verify_chain(session, model):
    """The seq of the first entry whose hash does not follow from its fields and its predecessor,
    or None when the whole log is intact."""
    return check_chain(session, model)[1]


class UnitOfWork:
    """What a domain function gets for one transaction: `session`, `emit`, `record`."""

    def __init__(self, session, outbox, audit_model=None):
        self.session = session
        self.outbox = outbox
        self.audit_model = audit_model
        self.events = []  # ids of the outbox rows written in this transaction

    def emit(self, event_type, payload, immediate=False):
        """Announce `event_type` with `payload` once this transaction commits (at least once).
        `immediate`: INSERT now rather than at flush (see EventOutbox.add)."""
        self.events.append(self.outbox.add(self.session, event_type, payload, immediate))

    def record(self, actor, action, target, before=None, after=None, reason=None, contest=None):
        """Append an audit entry: who (`actor`: the caller's {id, username, role} or None for the
        platform itself), what (`action`, e.g. "award_set.approve", on `target`, e.g. "award_set:ID"),
        the values before and after, why, and the `contest` it belongs to (for the reader's filter)."""
        if self.audit_model is None:
            raise RuntimeError("this service keeps no audit log (StoreProvider(audit_model=...))")
        model, session = self.audit_model, self.session
        if session.bind.dialect.name == "postgresql":
            # One writer at a time extends the chain; released at commit or rollback.
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext('audit_log'))"))
        last = session.execute(select(model.seq, model.hash).order_by(model.seq.desc()).limit(1)).first()
        prev_hash = last.hash if last else GENESIS
        actor = actor or {}
        entry = {
            "id": str(uuid.uuid4()), "at": utcnow(), "actor_id": _text(actor.get("id")),
            "actor_username": actor.get("username"), "actor_role": actor.get("role"),
            "action": action, "target": target, "contest": contest, "before": before, "after": after,
            "reason": reason,
        }
        session.add(model(seq=(last.seq + 1) if last else 1, prev_hash=prev_hash,
                          hash=entry_hash(entry, prev_hash), **entry))
        session.flush()
        return entry["id"]

    @contextlib.contextmanager
    def savepoint(self):
        """A part of the transaction that can fail alone (request coalescing, common/batch.py):
        on an exception its writes and its events are dropped, the rest goes on."""
        mark = len(self.events)
        try:
            with self.session.begin_nested():
                yield self
        except BaseException:
            self.outbox.forget(self.events[mark:])
            del self.events[mark:]
            raise


def _text(value):
    return None if value is None else str(value)


class Store:
    """A service's database as its handlers see it (`self.db`).

    `database`: common.db.Database; `outbox`: the EventOutbox of the service; `dispatch`: nameko's
    EventDispatcher of the worker. Built by StoreProvider for each worker; tests build one directly.
    """

    def __init__(self, database, outbox, dispatch, audit_model=None):
        self.database = database
        self.outbox = outbox
        self.dispatch = dispatch
        self.audit_model = audit_model

    @property
    def engine(self):
        return self.database.engine

    def session(self):
        """A plain transaction (commit on success): for reads, and for writes that announce nothing."""
        return self.database.session()

    @contextlib.contextmanager
    def unit(self, hold=False):
        """One transaction as a UnitOfWork. Its events are published right after the commit, or,
        with `hold`, kept for `publish_held` (a rush: their subscribers' work can wait)."""
        with self.database.session() as session:
            uow = UnitOfWork(session, self.outbox, self.audit_model)
            yield uow
        if hold:
            self.outbox.hold(uow.events)
        else:
            self.outbox.publish(self.database, self.dispatch, uow.events)

    def run(self, fn, *args, **kwargs):
        """`fn(uow, *args, **kwargs)` in one unit of work."""
        with self.unit() as uow:
            return fn(uow, *args, **kwargs)

    def read(self, fn, *args, **kwargs):
        """`fn(session, *args, **kwargs)` in one transaction."""
        with self.database.session() as session:
            return fn(session, *args, **kwargs)

    # --- periodic work ------------------------------------------------------------------------

    def relay(self):
        """Publish the events a crash or a broker outage left pending (run from a timer)."""
        return self.outbox.relay_pending(self.database, self.dispatch)

    def publish_held(self, busy, max_hold_s):
        return self.outbox.publish_held(self.database, self.dispatch, busy, max_hold_s)

    def held_count(self):
        return self.outbox.held_count()

    def flush_marks(self):
        return self.outbox.flush_marks(self.database)

    def pending_count(self):
        return self.outbox.pending_count(self.database)


class StoreProvider(EventDispatcher):
    """The nameko dependency behind `self.db`: the database (migrated at start, `on_start` run
    once under the start-up lock), the service's outbox and the events it publishes.

    It is nameko's EventDispatcher (`<service>.events` exchange) extended with the database, so
    that a service declares the one thing its handlers use.
    """

    def __init__(self, url_factory, migrations_dir, outbox_model, on_start=None, audit_model=None):
        super().__init__()
        self.url_factory = url_factory
        self.migrations_dir = migrations_dir
        self.outbox_model = outbox_model
        self.on_start = on_start
        self.audit_model = audit_model
        self.database = self.outbox = None

    def setup(self):
        service = self.container.service_name
        url = self.url_factory()
        # Before anything connects: a production start with a published password stops here.
        prod_secrets.check_service(service, self.container.config.get("AMQP_URI"), url)
        super().setup()
        self.database = Database(url, self.migrations_dir, self.on_start,
                                 lock_name=f"{service}-startup")
        self.outbox = EventOutbox(self.outbox_model)

    def stop(self):
        if self.database:
            self.outbox.flush_marks(self.database)
            self.database.dispose()
        super().stop()

    def get_dependency(self, worker_ctx):
        return Store(self.database, self.outbox, super().get_dependency(worker_ctx), self.audit_model)
