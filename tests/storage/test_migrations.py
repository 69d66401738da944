"""A store written by schema version 1 opens in the current workbook with every row intact."""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from workbook.content.errors import StoreUnavailable
from workbook.store import Store, schema

STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"
V1_FILE = STORES / "workbook_v1.sqlite"
V1_TABLES = ("districts", "sessions", "respondents", "spectrum_marks", "team_marks", "notes")
V2_TABLES = ("condition_marks", "action_items", "plan_areas")


def _load_builder():
    spec = importlib.util.spec_from_file_location("make_v1_store", STORES / "make_v1_store.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


v1 = _load_builder()


@pytest.fixture()
def v1_url(any_db_url, tmp_path):
    """A version-1 store: the committed SQLite file (copied), or the same rows built in PostgreSQL."""
    if any_db_url.startswith("sqlite"):
        target = tmp_path / "copy_of_v1.sqlite"
        shutil.copyfile(V1_FILE, target)
        return f"sqlite:///{target}"
    v1.build(any_db_url)
    return any_db_url


# columns later versions add to version-1 tables
ADDED_LATER = {"sessions": {"max_priorities", "current_step", "follows_session_id"},
               "districts": {"engaged_percent"}}


def dump(url: str, tables) -> dict:
    """Every row of ``tables`` in their version-1 columns, read with a plain engine (not the store)."""
    engine = sa.create_engine(url)

    def columns(name):
        return [c for c in schema.metadata.tables[name].c if c.name not in ADDED_LATER.get(name, ())]
    try:
        with engine.connect() as conn:
            return {name: sorted(tuple(r) for r in conn.execute(sa.select(*columns(name))))
                    for name in tables}
    finally:
        engine.dispose()


def versions(url: str) -> list[int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [r.version for r in conn.execute(sa.select(schema.schema_version.c.version))]
    finally:
        engine.dispose()


def test_committed_fixture_is_a_version_1_store():
    with sqlite3.connect(f"file:{V1_FILE}?mode=ro", uri=True) as raw:
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    assert names == {*V1_TABLES, "schema_version"}
    assert V1_FILE.stat().st_size < 200_000


def test_version_1_store_is_upgraded_without_loss(v1_url):
    assert versions(v1_url) == [1]
    before = dump(v1_url, V1_TABLES)
    assert len(before["notes"]) == len(v1.NOTES) and len(before["spectrum_marks"]) == len(v1.SPECTRUM_MARKS)

    store = Store(v1_url)
    try:
        assert versions(v1_url) == [schema.CURRENT_VERSION]
        with store.engine.connect() as conn:
            assert schema.current_version(conn) == schema.CURRENT_VERSION
            assert set(sa.inspect(conn).get_table_names()) >= {*V1_TABLES, *V2_TABLES, "schema_version"}
        assert dump(v1_url, V1_TABLES) == before  # not one v1 row changed

        # ... and everything reads back through the API
        district, session = store.resolve_session("example-usd")
        assert district.name == "Example Unified School District"
        assert (district.schools, district.urbanicity, district.synthetic) == (14, "suburban", True)
        assert district.frl_percent == pytest.approx(38.5)
        assert (session.id, session.label, session.held_on) == (1, "Spring 2024 reflection", dt.date(2024, 3, 14))
        assert session.max_priorities == 3  # version 5: a session from before keeps the workbook's three
        # version 6: a session from before is no follow-up and has no run-of-show step; its district no share
        assert (session.current_step, session.follows_session_id, district.engaged_percent) == (None, None, None)
        store.check_code(session, "v1-facilitator-code-example", facilitator=True)
        store.check_code(session, "v1-join-code-example")

        members = store.respondents(session.id)
        assert [(m.name, m.role) for m in members] == [("Ana Example", "Teacher"),
                                                       ("Benoît Exemple", "Principal / school leader")]
        ana = store.respondent_by_token(session.id, "v1-token-ana-example")

        marks = store.spectrum_marks(session.id)
        got = {(int(r.respondent_id), r.spectrum): (_none(r.current), _none(r.aspiration))
               for r in marks.itertuples()}
        assert got == {(m["respondent_id"], m["spectrum_id"]): (m["current"], m["aspiration"])
                       for m in v1.SPECTRUM_MARKS}
        assert store.team_marks(session.id).to_dict("records") == [
            {"spectrum": "locus_of_control", "current": 2.0, "aspiration": 4.0}]
        for note in v1.NOTES:
            owner = None if note["respondent_id"] == 0 else store.respondent(note["respondent_id"])
            assert store.note(session.id, note["question_id"], owner) == note["text"]

        # old rows take new writes; new rows get fresh ids after the old ones
        store.save_spectrum_mark(ana, "pace", "aspiration", 5)
        marks = store.spectrum_marks(session.id)
        pace = marks[(marks.respondent_id == ana.id) & (marks.spectrum == "pace")].iloc[0]
        assert (pace.current, pace.aspiration) == (3.5, 5.0)
        cleo = store.add_respondent(session.id, "Cleo Example", "Teacher")
        assert cleo.id == 3
        later = store.create_session("example-usd", "Autumn 2024 reflection", dt.date(2024, 10, 2))
        assert later.id == 2 and store.resolve_session("example-usd")[1] == later

        # the version-2 tables work
        with store.engine.begin() as conn:
            conn.execute(schema.tables.condition_marks.insert().values(
                respondent_id=ana.id, condition_id="shared_vision", rating=3.5, priority=True,
                updated_at=v1.STAMP))
            conn.execute(schema.tables.plan_areas.insert().values(
                session_id=session.id, condition_id="shared_vision", position=1, updated_at=v1.STAMP))
            item = conn.execute(schema.tables.action_items.insert().values(
                session_id=session.id, condition_id="shared_vision", horizon="30", position=1,
                text="Name the pilot schools", updated_at=v1.STAMP)).inserted_primary_key[0]
        with store.engine.connect() as conn:
            row = conn.execute(sa.select(schema.tables.action_items).where(
                schema.tables.action_items.c.id == item)).one()
            assert (row.text, row.timeline, row.owner, row.done, row.deleted) == (
                "Name the pilot schools", "", "", False, False)
            assert conn.execute(sa.select(schema.tables.condition_marks.c.rating)).scalar() == 3.5
    finally:
        store.dispose()

    # opening the upgraded store again changes nothing
    after_first_open = dump(v1_url, (*V1_TABLES, *V2_TABLES))
    again = Store(v1_url)
    again.dispose()
    assert versions(v1_url) == [schema.CURRENT_VERSION]
    assert dump(v1_url, (*V1_TABLES, *V2_TABLES)) == after_first_open


def _none(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def test_newer_schema_version_is_refused_naming_both_versions(any_db_url):
    Store(any_db_url).dispose()
    newer = schema.CURRENT_VERSION + 1
    engine = sa.create_engine(any_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(schema.schema_version.update().values(version=newer))
    finally:
        engine.dispose()
    before = dump(any_db_url, (*V1_TABLES, *V2_TABLES))

    with pytest.raises(StoreUnavailable) as info:
        Store(any_db_url)
    message = str(info.value)
    assert f"schema version {newer}" in message
    assert f"({schema.CURRENT_VERSION})" in message
    assert "Upgrade the workbook" in message
    assert versions(any_db_url) == [newer]  # the refusal did not touch the database
    assert dump(any_db_url, (*V1_TABLES, *V2_TABLES)) == before


def test_fresh_database_starts_at_the_current_version(any_db_url):
    Store(any_db_url).dispose()
    assert versions(any_db_url) == [schema.CURRENT_VERSION]
