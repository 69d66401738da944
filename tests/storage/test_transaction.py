"""``Store.transaction`` and ``Store.upsert`` on SQLite and PostgreSQL: all of a block or none of it."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from workbook.content.errors import StoreUnavailable
from workbook.store import Store, now
from workbook.store.schema import tables as t


@pytest.fixture()
def db(any_db_url):
    store = Store(any_db_url)
    yield store
    store.dispose()


def _district(conn, slug: str) -> int:
    return conn.execute(t.districts.insert().values(slug=slug, name=slug.title(), kind="district", synthetic=False,
                                                    created_at=now())).inserted_primary_key[0]


def _session(conn, district_id: int, label: str) -> int:
    return conn.execute(t.sessions.insert().values(
        district_id=district_id, label=label, held_on=dt.date(2026, 1, 5), join_code=f"j-{label}",
        facilitator_code=f"f-{label}", min_group_size=5, show_authors=False, created_at=now())).inserted_primary_key[0]


def test_a_write_transactions_rows_are_visible_after_it(db, any_db_url):
    def fn(conn):
        did = _district(conn, "north-usd")
        _session(conn, did, "first")
        db.upsert(conn, "settings", {"key": "colour"}, {"value": "green"})
        db.upsert(conn, t.settings, {"key": "colour"}, {"value": "blue"})  # the second write of a key updates it
        return did

    did = db.transaction(fn, write=True)
    assert db.district("north-usd").id == did
    assert [s.label for s in db.sessions("north-usd")] == ["first"]
    assert db.setting("colour") == "blue"
    other = Store(any_db_url)  # another connection sees the committed rows
    try:
        assert [s.label for s in other.sessions("north-usd")] == ["first"]
    finally:
        other.dispose()


def test_a_failing_block_writes_nothing(db):
    db.create_district("kept-usd", "Kept")

    def fn(conn):
        did = _district(conn, "lost-usd")
        _session(conn, did, "lost")
        db.upsert(conn, t.settings, {"key": "colour"}, {"value": "red"})
        conn.execute(t.districts.update().where(t.districts.c.slug == "kept-usd").values(name="Renamed"))
        raise RuntimeError("stop halfway")

    with pytest.raises(RuntimeError, match="stop halfway"):  # the block's own error, unchanged
        db.transaction(fn, write=True)
    assert [d.slug for d in db.districts()] == ["kept-usd"]
    assert db.district("kept-usd").name == "Kept"
    assert db.setting("colour") is None
    assert db.transaction(lambda c: c.execute(sa.select(sa.func.count()).select_from(t.sessions)).scalar()) == 0


def _locked() -> OperationalError:
    return OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))


def test_a_lock_conflict_runs_the_block_again_on_a_fresh_transaction(db):
    calls = []

    def fn(conn):
        calls.append(_district(conn, f"try-{len(calls)}"))
        if len(calls) < 3:
            raise _locked()
        return "done"

    assert db.transaction(fn, write=True) == "done"
    assert len(calls) == 3
    assert [d.slug for d in db.districts()] == ["try-2"]  # the two failed attempts left nothing


def test_a_lock_that_never_clears_or_a_lost_database_is_store_unavailable(db):
    def locked(conn):
        _district(conn, "never")
        raise _locked()

    with pytest.raises(StoreUnavailable, match="stayed busy"):
        db.transaction(locked, write=True, attempts=2)

    def gone(conn):
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("unable to open database file"))

    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        db.transaction(gone)
    assert db.districts() == []
