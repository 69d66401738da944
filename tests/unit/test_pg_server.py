"""The tests' own PostgreSQL server (tests/pg_server.py) and the closing line naming what was skipped."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

from tests.conftest import not_run_line, require, skip_reason
from tests.pg_server import PgServer, find_bindir

CHROMIUM = "Chromium not found at /usr/bin/chromium"
NO_PG = ("no PostgreSQL server binaries (initdb and pg_ctl in /usr/lib/postgresql/*/bin or on PATH) "
         "and WORKBOOK_TEST_PG_URL is not set: apt-get install postgresql")


@pytest.mark.postgres
def test_a_server_starts_serves_and_is_gone_after_stop():
    bindir = find_bindir()
    require(bindir is not None, NO_PG)
    import sqlalchemy as sa

    server = PgServer(bindir)
    try:
        url = server.start()
        folder, port = server.dir, server.port
        assert url.startswith("postgresql+psycopg://") and f"127.0.0.1:{port}/" in url
        assert folder.is_dir() and (folder / "data" / "PG_VERSION").is_file()
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql('CREATE DATABASE "wb_pg_server_check"')
        engine = sa.create_engine(sa.engine.make_url(url).set(database="wb_pg_server_check"))
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        engine.dispose()
        admin.dispose()
    finally:
        server.stop()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "the server still listens after stop()"
    assert not folder.exists(), "the data directory is left behind"
    server.stop()  # a second stop is harmless


def test_nothing_skipped_prints_no_line():
    assert not_run_line([]) is None
    assert not_run_line([], []) is None


def test_skips_are_grouped_by_cause_with_their_count_and_remedy():
    reasons = [CHROMIUM] * 120 + [NO_PG] * 40 + ["Chromium is not installed"]
    assert not_run_line(reasons) == (
        "not run: 121 browser tests (Chromium not found: apt-get install chromium, or bash .ci/run), "
        "40 PostgreSQL tests (no PostgreSQL server binaries: apt-get install postgresql)")


def test_the_largest_group_comes_first_and_one_test_is_singular():
    line = not_run_line(["haproxy is not installed (apt-get install haproxy; .ci/run installs it)",
                         "Node.js is not installed", "Node.js is not installed"])
    assert line == ("not run: 2 Node.js tests (Node.js not found: apt-get install nodejs), "
                    "1 HAProxy test (HAProxy not found: apt-get install haproxy, or bash .ci/run)")


def test_a_server_that_did_not_start_is_told_apart_from_missing_binaries():
    line = not_run_line(["the PostgreSQL server in /usr/lib/postgresql/15/bin did not start: initdb exited with 1"])
    assert line == ("not run: 1 PostgreSQL test "
                    "(the PostgreSQL server did not start: its error is in the skip reasons)")


def test_an_unknown_reason_is_shown_as_it_is_and_whole_files_are_counted_as_files():
    line = not_run_line(["every kind/setting pair occurs in this seeded network"],
                        ["source documents not found in /work/shared/seeds", "playwright is not installed"])
    assert line == ("not run: 1 test (every kind/setting pair occurs in this seeded network), "
                    "1 test file (source documents not found in /work/shared/seeds), "
                    "1 browser test file (playwright not installed: make test installs the `test` extra)")


def test_the_reason_is_read_from_a_skip_report():
    assert skip_reason(SimpleNamespace(longrepr=("tests/x.py", 3, "Skipped: Node.js is not installed"))) == (
        "Node.js is not installed")
    assert skip_reason(SimpleNamespace(longrepr="Skipped: odd")) == "odd"
