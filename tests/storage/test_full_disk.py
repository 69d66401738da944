"""A store on a disk that fills up: the save is refused in plain words, kept, and saved once space is freed.

The filesystem is real and small: a 16 MiB tmpfs mounted for the test (``mount -t tmpfs -o size=16m``, which needs
root or CAP_SYS_ADMIN; without it the tests skip, and fail under CI=true). A ballast file fills it to the last
byte; the store is then written through its own API, as a page's save writes it. SQLite's file and log live on
the small disk; PostgreSQL's tables live there in a tablespace (its own log stays on the roomy disk).
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import require
from workbook import demo
from workbook.content.errors import DISK_FULL, StoreUnavailable
from workbook.store import Store
from workbook.store.schema import metadata
from workbook.widgets.saver import Saver

SIZE = "16m"


@pytest.fixture()
def small_disk():
    """A freshly mounted 16 MiB tmpfs; unmounted (and its folder removed) after the test."""
    folder = Path(tempfile.mkdtemp(prefix="workbook-full-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        folder.rmdir()
        require(False, f"cannot mount a {SIZE} tmpfs for the full-disk test (needs root or CAP_SYS_ADMIN): "
                f"{(mounted.stderr or mounted.stdout).strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        folder.rmdir()


def fill(folder: Path) -> Path:
    """A ballast file that takes every free byte of ``folder``'s filesystem (written until ENOSPC)."""
    ballast = folder / "ballast"
    with ballast.open("wb", buffering=0) as f:
        for chunk in (1 << 16, 4096, 512, 1):
            block = b"\0" * chunk
            while True:
                try:
                    f.write(block)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
                    break
    assert os.statvfs(folder).f_bavail == 0, "the ballast left room on the disk"
    return ballast


def rows(path: Path) -> dict[str, list]:
    """Every row of every table of the store file, read by a connection of its own, sorted."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {name: sorted(map(repr, conn.execute(f'SELECT * FROM "{name}"').fetchall()))
                for name in metadata.tables}


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def quiet(path: Path) -> None:
    """What a store looks like after a quiet spell: its write-ahead log checkpointed into the file and emptied.

    A later save then needs new disk space for the log, which is what a full disk refuses.
    """
    with sqlite3.connect(path) as conn:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0 and path.with_name(path.name + "-wal").stat().st_size == 0


def test_a_save_on_a_full_disk_is_refused_in_plain_words_and_saved_when_space_returns(small_disk):
    path = small_disk / "workbook.sqlite"
    store = Store(f"sqlite:///{path}")
    try:
        demo.seed_demo(store)
        session = store.sessions(demo.DEMO_SLUG)[0]
        member = store.respondents(session.id)[0]
        quiet(path)
        before = rows(path)
        ballast = fill(small_disk)

        with pytest.raises(StoreUnavailable) as refused:  # one change: a member's mark
            store.save_spectrum_mark(member, "pace", "current", 1.0)
        assert str(refused.value) == DISK_FULL
        assert "disk is full" in str(refused.value) and "tell the facilitator" in str(refused.value)
        with pytest.raises(StoreUnavailable) as big:  # many rows in one transaction: none of them is written
            store.add_districts_in_bulk([{
                "slug": f"full-{i}", "name": f"Full {i}", "kind": "district", "synthetic": True,
                "sessions": [{"label": "s", "held_on": session.held_on, "min_group_size": 5, "show_authors": False,
                              "members": [{"name": f"M{j}", "role": "Teacher", "marks": {"pace": (2.0, 4.0)}}
                                          for j in range(40)]}]} for i in range(20)])
        assert str(big.value) == DISK_FULL
        assert rows(path) == before, "a refused save left part of itself in the store"
        assert store.member_marks(member)["pace"]["current"] != 1.0  # the store still reads

        ballast.unlink()  # the facilitator frees space
        store.save_spectrum_mark(member, "pace", "current", 1.0)
        assert store.member_marks(member)["pace"]["current"] == 1.0
        assert integrity(path) == "ok"
        after = rows(path)
        assert {k: v for k, v in after.items() if k not in ("spectrum_marks", "session_summaries")} == \
            {k: v for k, v in before.items() if k not in ("spectrum_marks", "session_summaries")}
    finally:
        store.dispose()
    assert integrity(path) == "ok"


class Clock:
    """Stands in for the kernel's event loop: keeps the Saver's next automatic retry until told to run it."""

    def __init__(self):
        self.waiting = []

    def __call__(self, delay, fn):
        self.waiting.append(fn)

        class Handle:
            def cancel(self_inner):
                if fn in self.waiting:
                    self.waiting.remove(fn)

        return Handle()

    def run(self) -> None:
        assert len(self.waiting) == 1, self.waiting
        self.waiting.pop()()


def test_a_page_keeps_a_change_the_full_disk_refused_and_saves_it_by_itself_once_space_is_freed(small_disk):
    path = small_disk / "workbook.sqlite"
    store = Store(f"sqlite:///{path}")
    try:
        demo.seed_demo(store)
        session = store.sessions(demo.DEMO_SLUG)[0]
        member = store.respondents(session.id)[0]
        quiet(path)
        ballast = fill(small_disk)

        clock = Clock()
        saver = Saver(schedule=clock)
        note = "We agreed to start with two schools. " * 40
        assert saver.save(("note", "rg1.q1"), lambda: store.save_note(session.id, "rg1.q1", note, member)) is False
        assert ("note", "rg1.q1") in saver.pending, "the refused change was dropped"
        assert "Waiting to save (1 change)" in saver.status.value
        clock.run()  # an automatic retry while the disk is still full: still waiting, still kept
        assert ("note", "rg1.q1") in saver.pending and saver.retries == 1
        assert store.note(session.id, "rg1.q1", member) == ""

        ballast.unlink()
        clock.run()
        assert not saver.pending and "All changes saved" in saver.status.value
        assert store.note(session.id, "rg1.q1", member) == note.strip()
        with sa.create_engine(f"sqlite:///{path}").connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        store.dispose()


def test_a_postgresql_store_on_a_full_disk_refuses_the_save_in_the_same_words_and_takes_it_later(small_disk):
    """PostgreSQL's disk_full (its tables in a tablespace on the small disk; its log stays on a roomy one)."""
    from tests.conftest import pg_base_url

    base = sa.engine.make_url(pg_base_url())
    require(base.host in ("127.0.0.1", "localhost", "::1"), "the tests' PostgreSQL server is on another machine, "
            "so its tablespace cannot be put on this machine's small disk")
    if os.geteuid() == 0:  # the server runs as the postgres user (tests/pg_server.py, .ci/postgres.sh)
        import shutil

        shutil.chown(small_disk, "postgres")
    name = f"wb_full_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE TABLESPACE {name} LOCATION '{small_disk}'")
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TABLESPACE {name}')
        url = base.set(database=name).render_as_string(hide_password=False)
        store = Store(url)
        try:
            demo.seed_demo(store)
            session = store.sessions(demo.DEMO_SLUG)[0]
            member = store.respondents(session.id)[0]
            ballast = fill(small_disk)
            note = "A long note that needs new pages of its own. " * 400
            with pytest.raises(StoreUnavailable) as refused:
                for i in range(1, 200):  # the tables' free pages run out within a few notes
                    store.save_note(session.id, f"rg1.full{i}", note, member)
            assert str(refused.value) == DISK_FULL
            assert "No space left on device" in str(refused.value.__cause__)
            saved = int(store.notes(session.id)["question_id"].str.startswith("rg1.full").sum())
            assert store.note(session.id, f"rg1.full{saved + 1}", member) == "", "a refused save left a row"

            ballast.unlink()
            store.save_note(session.id, f"rg1.full{saved + 1}", note, member)
            assert store.note(session.id, f"rg1.full{saved + 1}", member) == note.strip()
        finally:
            store.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f"DROP TABLESPACE IF EXISTS {name}")
        admin.dispose()


def test_without_a_small_disk_sqlites_own_size_limit_fails_a_save_the_same_way(tmp_path):
    """SQLite's page limit (``PRAGMA max_page_count``) raises the same SQLITE_FULL as a full disk, on any machine."""
    path = tmp_path / "workbook.sqlite"
    store = Store(f"sqlite:///{path}")
    try:
        demo.seed_demo(store)
        session = store.sessions(demo.DEMO_SLUG)[0]
        pages = store.transaction(lambda c: c.exec_driver_sql("PRAGMA page_count").scalar())
        store.transaction(lambda c: c.exec_driver_sql(f"PRAGMA max_page_count={pages}").all())
        before = rows(path)
        with pytest.raises(StoreUnavailable) as refused:
            store.save_note(session.id, "rg1.big", "x" * 19_000)
        assert str(refused.value) == DISK_FULL
        assert rows(path) == before
        store.transaction(lambda c: c.exec_driver_sql(f"PRAGMA max_page_count={pages * 4}").all())
        store.save_note(session.id, "rg1.big", "x" * 19_000)
        assert store.note(session.id, "rg1.big") == "x" * 19_000
        assert integrity(path) == "ok"
    finally:
        store.dispose()
