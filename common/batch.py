"""Run many calls of one domain function in one transaction: the service side of the gateway's
request coalescing (gateway/batching.py).

In a deadline rush every submission cost a message in, a worker, a transaction and a message out;
batched, the calls that arrived together share those. Each call still gets exactly the outcome it
would have had alone:

- each call runs in a SAVEPOINT, so a call that raises a DomainError leaves no write behind and
  the others go on;
- any other exception (a lost connection, a deadlock) rolls the whole batch back, and every call
  is then run again alone, each in its own transaction (the functions batched here are safe to
  repeat: a submit is idempotent, a start that did commit answers `attempt_in_progress`);
- on SQLite (the single-machine default, one writer at a time) calls always run alone: pysqlite's
  SAVEPOINT handling is not to be trusted, and there is no rush to serve there.

A call is {"args": [...], "kwargs": {...}, "request_id": ...}, as the gateway sends it.
"""
import logging

from nameko.exceptions import serialize

from common import logs
from common.errors import DomainError

log = logging.getLogger(__name__)

# session.info key of what the calls of one transaction may read once and share (a row they all
# share-lock, say). Dropped when a call is rolled back to its savepoint: the locks it took go with it.
MEMO = "batch_memo"


def _call(fn, uow, call):
    return fn(uow, *(call.get("args") or ()), **(call.get("kwargs") or {}))


def _alone(store, fn, call, hold):
    logs.set_request_id(call.get("request_id"))
    try:
        with store.unit(hold=hold) as uow:
            return _call(fn, uow, call), None
    except Exception as exc:  # every call gets its own error, as a lone RPC would
        if not isinstance(exc, DomainError):
            log.exception("batched call failed")
        return None, exc


def _together(store, fn, calls, hold):
    outcomes = []
    with store.unit(hold=hold) as uow:
        for call in calls:
            logs.set_request_id(call.get("request_id"))
            try:
                with uow.savepoint():
                    outcomes.append((_call(fn, uow, call), None))
            except DomainError as exc:
                uow.session.info.pop(MEMO, None)
                outcomes.append((None, exc))
    return outcomes


def run(store, fn, calls, hold=False):
    """[(result, exception)] for `fn(uow, *args, **kwargs)` of every call, in the calls' order.

    `store`: the service's common.uow.Store; `hold`: keep the events for later (a rush).
    `fn` must raise its DomainErrors for a call's own reasons (not found, not yours, too late...),
    never for the state of the transaction.
    """
    try:
        if len(calls) > 1 and store.engine.dialect.name == "postgresql":
            try:
                return _together(store, fn, calls, hold)
            except Exception:
                log.warning("batch of %d rolled back, running each call alone", len(calls), exc_info=True)
        return [_alone(store, fn, call, hold) for call in calls]
    finally:
        logs.set_request_id(None)


def reply(result=None, exc=None):
    """One call's entry in the batch's reply: what nameko would have sent for it alone."""
    return {"result": None, "error": serialize(exc)} if exc is not None else {"result": result, "error": None}
