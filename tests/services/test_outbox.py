"""common/outbox.py: events are published from memory after the commit, their rows marked in
batches, and the relay still sends what a crash or a broker outage left (never lost, at worst twice).

Uses the awards service's Outbox model on SQLite and PostgreSQL (the `db_url` fixture); each test
gets a fresh EventOutbox, as a fresh process would have.
"""
import datetime as dt
from unittest import mock

import pytest
from sqlalchemy import event, select

from common import outbox
from common.db import Database
from services.awards.models import Outbox
from services.awards import config


@pytest.fixture
def box():
    return outbox.EventOutbox(Outbox)


@pytest.fixture
def db(db_url):
    database = Database(db_url, config.MIGRATIONS_DIR)
    yield database
    database.dispose()


def add(db, box, event_type="award_set_approved", **payload):
    with db.session() as session:
        return box.add(session, event_type, payload or {"award_set_id": "a-1"})


def marked(db, row_id):
    with db.session() as session:
        return session.get(Outbox, row_id).published_at is not None


def age(db, seconds):
    with db.session() as session:
        for row in session.scalars(select(Outbox)):
            row.created_at = row.created_at - dt.timedelta(seconds=seconds)


def count_statements(db):
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    return statements


def test_publish_sends_from_memory_and_marks_in_a_later_batch(db, box):
    row_id = add(db, box, award_set_id="a-1")
    dispatch = mock.Mock()
    statements = count_statements(db)
    with mock.patch.object(outbox, "MARK_BATCH_S", 3600):
        assert box.publish(db, dispatch, [row_id]) == 1
    dispatch.assert_called_once_with("award_set_approved", {"award_set_id": "a-1", "event_id": row_id})
    assert statements == []  # no read back, no mark yet: the database was not touched
    assert not marked(db, row_id)
    assert box.flush_marks(db) == 1
    assert marked(db, row_id)
    assert box.flush_marks(db) == 0


def test_marks_are_flushed_by_a_publish_once_the_oldest_waited_long_enough(db, box):
    first, second = add(db, box), add(db, box)
    dispatch = mock.Mock()
    with mock.patch.object(outbox, "MARK_BATCH_S", 0):
        box.publish(db, dispatch, [first])
        box.publish(db, dispatch, [second])
    assert marked(db, first) and marked(db, second)


def test_relay_does_not_resend_what_this_process_published(db, box):
    row_id = add(db, box)
    dispatch = mock.Mock()
    with mock.patch.object(outbox, "MARK_BATCH_S", 3600):
        box.publish(db, dispatch, [row_id])
    age(db, 60)
    assert box.relay_pending(db, dispatch) == 0  # its mark is flushed first
    assert dispatch.call_count == 1 and marked(db, row_id)


def test_relay_sends_rows_left_unpublished_once_they_are_old_enough(db, box):
    row_id = add(db, box)  # the process died after the commit, before publishing
    box._written.pop(row_id)
    dispatch = mock.Mock()
    assert box.relay_pending(db, dispatch) == 0  # younger than RELAY_AFTER_S
    age(db, outbox.RELAY_AFTER_S + 1)
    assert box.relay_pending(db, dispatch) == 1
    dispatch.assert_called_once_with("award_set_approved", {"award_set_id": "a-1", "event_id": row_id})
    assert marked(db, row_id)


def test_relay_leaves_the_rows_this_process_holds_to_publish_held(db, box):
    row_id = add(db, box)
    box.hold([row_id])  # a rush: held in memory, longer than the relay waits
    age(db, outbox.RELAY_AFTER_S + 1)
    dispatch = mock.Mock()
    assert box.relay_pending(db, dispatch) == 0
    assert box.publish_held(db, dispatch, busy=lambda: False, max_hold_s=60) == 1
    assert box.relay_pending(db, dispatch) == 0
    dispatch.assert_called_once_with("award_set_approved", {"award_set_id": "a-1", "event_id": row_id})


def test_a_row_no_longer_in_memory_is_read_back_and_marked(db, box):
    row_id = add(db, box)
    box._written.pop(row_id)  # pushed out of the bounded memory
    dispatch = mock.Mock()
    assert box.publish(db, dispatch, [row_id]) == 1
    dispatch.assert_called_once_with("award_set_approved", {"award_set_id": "a-1", "event_id": row_id})
    assert marked(db, row_id)


def test_a_failed_publish_leaves_the_row_to_the_relay(db, box):
    row_id = add(db, box)
    broken = mock.Mock(side_effect=ConnectionResetError("broker gone"))
    assert box.publish(db, broken, [row_id]) == 0
    box.flush_marks(db)
    assert not marked(db, row_id)
    age(db, outbox.RELAY_AFTER_S + 1)
    dispatch = mock.Mock()
    assert box.relay_pending(db, dispatch) == 1
    assert marked(db, row_id)


def test_a_rolled_back_event_is_never_published(db, box):
    with pytest.raises(RuntimeError):
        with db.session() as session:
            row_id = box.add(session, "award_set_approved", {"award_set_id": "x"})
            raise RuntimeError("the change failed")
    # The service never publishes the ids of a failed transaction; the relay finds no row.
    age(db, outbox.RELAY_AFTER_S + 1)
    dispatch = mock.Mock()
    assert box.relay_pending(db, dispatch) == 0
    with db.session() as session:
        assert session.get(Outbox, row_id) is None


def test_held_rows_wait_while_busy_unless_held_long_enough(db, box):
    first, second = add(db, box), add(db, box)
    box.hold([first, second])
    dispatch = mock.Mock()
    assert box.publish_held(db, dispatch, busy=lambda: True, max_hold_s=3600) == 0
    assert box.held_count() == 2 and dispatch.call_count == 0
    assert box.publish_held(db, dispatch, busy=lambda: True, max_hold_s=0) == 2  # held long enough
    assert box.held_count() == 0
    assert sorted(c.args[1]["event_id"] for c in dispatch.call_args_list) == sorted([first, second])
