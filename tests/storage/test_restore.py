"""A restore drill on SQLite and a real PostgreSQL: back up a district, lose the store, restore it, open the links.

``workbook backup`` writes the store's own kind of copy (SQLite: a copy of the file; PostgreSQL: ``pg_dump -Fc``
with the client tools of the server's own version, the ones in the server's bin folder), the store is wiped
(file deleted, database dropped and made again, empty), and ``workbook restore`` brings it back. Every row of
every table must be back as it was, and the links made before the backup (join and facilitator codes, personal
tokens, the coach's code, the room's access secret) must open the same data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import pg_base_url, require
from workbook import demo
from workbook.cli import main
from workbook.content.errors import AccessDenied
from workbook.content.frameworks import load_content
from workbook.ownership import PG_BIN_GLOB, pg_tool
from workbook.store import Store
from workbook.store.schema import metadata


def tables(url: str) -> dict[str, list[tuple]]:
    """Every row of every workbook table, sorted, read by an engine of its own."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
            return {name: sorted((tuple(r) for r in conn.execute(sa.select(table)).all()), key=repr)
                    for name, table in metadata.tables.items() if name in present}
    finally:
        engine.dispose()


def seed(store: Store) -> dict:
    """A fictional district: the demo's session (marks, notes, condition marks, a plan with actions), a follow-up
    session with agreed marks, a review date, the coach's code and the room's access secret."""
    codes = demo.seed_demo(store)
    first = store.session(codes["session"])
    items = store.action_items(first.id)
    store.update_action_item(first, first.facilitator_code, int(items.iloc[0]["id"]), review_on=dt.date(2027, 3, 1))
    store.save_team_mark(first, first.facilitator_code, "pace", "current", 3.0)
    again = store.create_session(demo.DEMO_SLUG, "Spring check-in (demo)", dt.date(2027, 4, 20))
    member = store.add_respondent(again.id, "Avery Fictional", "Principal / school leader")
    store.save_spectrum_mark(member, "pace", "current", 4.5)
    store.save_note(again.id, "rg1.q1", "We moved faster than planned.", member)
    content = load_content()
    store.save_condition_rating(member, content.conditions[0].id, 4.0)
    return {"room": store.secret("room_token", 16), "coach": store.coach_code(),
            "sessions": [store.session(first.id), store.session(again.id)],
            "members": store.respondents(first.id) + store.respondents(again.id)}


def check_links(store: Store, links: dict) -> None:
    """Each code and token made before the backup opens the same session and the same member."""
    assert store.setting("room_token") == links["room"]
    store.check_coach_code(links["coach"])
    for session in links["sessions"]:
        stored = store.session(session.id)
        assert stored == session
        store.check_code(stored, session.join_code)
        store.check_code(stored, session.facilitator_code, facilitator=True)
        with pytest.raises(AccessDenied):
            store.check_code(stored, session.join_code + "x")
    for member in links["members"]:
        assert store.respondent_by_token(member.session_id, member.token) == member


def wipe(url: str) -> None:
    """The store is lost: the SQLite file (and its log) deleted, or the PostgreSQL database dropped and made anew."""
    address = sa.engine.make_url(url)
    if address.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(address.database + suffix).unlink(missing_ok=True)
        return
    admin = sa.create_engine(pg_base_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{address.database}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{address.database}"')
    finally:
        admin.dispose()


def need_client_tools(url: str) -> None:
    if url.startswith("postgresql"):
        with sa.create_engine(url).connect() as conn:
            major = int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000
        try:
            pg_tool("pg_dump", major), pg_tool("pg_restore", major)
        except Exception as exc:
            require(False, f"PostgreSQL's client tools: {exc}")


def test_a_backup_restored_into_an_empty_store_brings_back_every_row_and_every_link(any_db_url, tmp_path, capsys):
    need_client_tools(any_db_url)
    store = Store(any_db_url)
    try:
        links = seed(store)
    finally:
        store.dispose()
    before = tables(any_db_url)
    assert before["action_items"] and before["condition_marks"] and before["notes"] and before["team_marks"]
    assert any(row[-1] == dt.date(2027, 3, 1) for row in before["action_items"]), "the review date is stored"
    copy = tmp_path / ("backup.dump" if any_db_url.startswith("postgresql") else "backup.sqlite")
    assert main(["--db", any_db_url, "backup", "--out", str(copy)]) == 0
    assert copy.stat().st_size > 0

    # a store that holds answers is refused, and keeps them
    store = Store(any_db_url)
    member = links["members"][0]
    store.save_spectrum_mark(member, "pace", "current", 1.0)
    store.dispose()
    changed = tables(any_db_url)
    capsys.readouterr()
    assert main(["--db", any_db_url, "restore", str(copy)]) == 2
    said = capsys.readouterr().err
    assert "is not empty" in said and "--replace" in said and "1 district(s)" in said, said
    assert tables(any_db_url) == changed

    wipe(any_db_url)
    assert main(["--db", any_db_url, "restore", str(copy)]) == 0
    assert "restore:" in capsys.readouterr().out
    assert tables(any_db_url) == before
    store = Store(any_db_url)
    try:
        check_links(store, links)
        store.save_spectrum_mark(member, "pace", "current", 2.0)  # the restored store takes new answers
        assert store.add_respondent(links["sessions"][1].id, "New Fictional", "Teacher leader").id > \
            max(m.id for m in links["members"])
    finally:
        store.dispose()

    # --replace puts the backup back over what the store holds now
    assert main(["--db", any_db_url, "restore", "--replace", str(copy)]) == 0
    assert tables(any_db_url) == before
    if any_db_url.startswith("sqlite"):
        with sa.create_engine(any_db_url).connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_a_file_that_is_not_a_backup_of_this_store_is_refused_plainly_and_nothing_changes(any_db_url, tmp_path,
                                                                                          capsys):
    need_client_tools(any_db_url)
    store = Store(any_db_url)
    try:
        demo.seed_demo(store)
    finally:
        store.dispose()
    pg = any_db_url.startswith("postgresql")
    good = tmp_path / ("good.dump" if pg else "good.sqlite")
    assert main(["--db", any_db_url, "backup", "--out", str(good)]) == 0
    wipe(any_db_url)
    empty = tables(any_db_url)

    garbage = tmp_path / "notes.txt"
    garbage.write_text("minutes of the meeting\n")
    truncated = tmp_path / ("cut.dump" if pg else "cut.sqlite")
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    other = tmp_path / ("other.sqlite" if pg else "other.dump")
    other.write_bytes(b"SQLite format 3\0" + b"\0" * 100 if pg else b"PGDMP" + b"\0" * 100)
    cases = [(tmp_path / "missing.dump", "no such file"), (garbage, "not a"),
             (other, "restore it into an SQLite store" if pg else "restore it into a PostgreSQL store"),
             (truncated, "nothing was restored")]
    for path, words in cases:
        assert main(["--db", any_db_url, "restore", str(path)]) == 2, path
        said = capsys.readouterr().err
        assert said.startswith("workbook restore: ") and str(path.name) in said and words in said, said
        assert tables(any_db_url) == empty, f"{path.name} changed the store"
    assert main(["--db", any_db_url, "restore", str(good)]) == 0


def test_pg_client_tools_come_from_the_servers_bin_folder():
    """The drill's pg_dump and pg_restore are the server's own version, from its bin folder on Debian."""
    from tests.pg_server import find_bindir

    bindir = find_bindir()
    require(bindir is not None and (bindir / "pg_dump").exists(), "no PostgreSQL server binaries with pg_dump "
            "(apt-get install postgresql)")
    if not bindir.parent.name.isdigit():
        pytest.skip(f"{bindir} is not a Debian version folder ({PG_BIN_GLOB})")
    major = int(bindir.parent.name)
    assert pg_tool("pg_dump", major) == (bindir / "pg_dump").resolve()
    assert pg_tool("pg_restore", major) == (bindir / "pg_restore").resolve()
