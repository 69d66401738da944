"""Data exchange on SQLite and PostgreSQL: exact round trips, all-or-nothing imports, deleting and backing up."""

from __future__ import annotations

import pytest

from tests.unit.test_exchange import FIXTURES, TABLES, TEAM, counts, full_session, snapshot
from workbook import exchange, ownership
from workbook.content.errors import ImportRejected, WorkbookError
from workbook.store import Store


@pytest.fixture()
def db(any_db_url):
    store = Store(any_db_url)
    yield store
    store.dispose()


@pytest.mark.parametrize("suffix", [".xlsx", ".zip"])
def test_round_trip_after_deleting_the_district(db, tmp_path, suffix):
    info = full_session(db)
    expected = snapshot(db, info["session"])
    path = tmp_path / f"session{suffix}"
    exchange.export_session(db, info["session"], path)
    removed = ownership.delete_district(db, "example-usd")
    assert removed["districts"] == 1 and removed["notes"] >= 9
    assert counts(db) == {name: 0 for name in TABLES}
    summary = exchange.import_session(db, path)
    assert snapshot(db, summary["session"]) == expected
    again = exchange.import_session(db, path, district_slug="example-usd")  # a second session in that district
    assert again["session"] != summary["session"]
    assert snapshot(db, again["session"]) == expected


def test_import_into_existing_session_and_refusals_change_nothing(db, tmp_path):
    info = full_session(db)
    exchange.import_session(db, FIXTURES / "spectrum_marks_with_role.csv", "example-usd", info["session"],
                            code=info["facilitator"])
    assert len(db.respondents(info["session"])) == 12
    before = counts(db)
    bad = tmp_path / "team"
    bad.mkdir()
    for f in TEAM.glob("*.csv"):
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "notes.csv").write_text("member,question_id,text\nAna Example,q,a\nAna Example,q,b\n")
    with pytest.raises(ImportRejected, match="notes, row 3: duplicate member and question_id"):
        exchange.import_session(db, bad)
    assert counts(db) == before


def test_delete_one_district_keeps_the_other(db):
    full_session(db)
    other = exchange.import_session(db, TEAM)
    kept = snapshot(db, other["session"])
    ownership.delete_district(db, "example-usd")
    assert snapshot(db, other["session"]) == kept
    assert [d.slug for d in db.districts()] == ["fixture-usd"]


def test_backup_is_sqlite_only(db, tmp_path):
    db.create_district("tiny", "Tiny district")
    if db.engine.dialect.name == "sqlite":
        assert ownership.backup(db, tmp_path / "b.sqlite")["bytes"] > 0
        copy = Store(f"sqlite:///{tmp_path / 'b.sqlite'}")
        assert [d.slug for d in copy.districts()] == ["tiny"]
        copy.dispose()
    else:
        with pytest.raises(WorkbookError, match="pg_dump"):
            ownership.backup(db, tmp_path / "b.sqlite")
        assert not (tmp_path / "b.sqlite").exists()


def test_a_names_hidden_session_round_trips_by_member_number(db, tmp_path):
    """The default file of a session that hides names has 'Member 1' ... in join order; it comes back so."""
    from workbook.demo import seed_demo

    info = seed_demo(db)  # names hidden, as the demo team's join screen promised
    expected = snapshot(db, info["session"], numbered=True)
    names = [r.name for r in db.respondents(info["session"])]
    path = tmp_path / "hidden.zip"
    exchange.export_session(db, info["session"], path)
    ownership.delete_district(db, "example-usd")
    summary = exchange.import_session(db, path)
    assert snapshot(db, summary["session"], numbered=True) == expected
    assert snapshot(db, summary["session"]) == expected  # the members are now called by their numbers
    assert not set(names) & {r.name for r in db.respondents(summary["session"])}
