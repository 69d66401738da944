"""Shared fixtures. Tools absent on a developer's machine skip with a reason; under CI=true they fail."""

from __future__ import annotations

import atexit
import os
import re
import uuid
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """Skip locally when a tool is missing; in CI a missing tool is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture()
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'workbook.sqlite'}"


_pg_server = None  # the throwaway server of this session (tests/pg_server.py), started by the first PostgreSQL test
_pg_failure: str | None = None


def pg_base_url() -> str:
    """The PostgreSQL server of the tests: WORKBOOK_TEST_PG_URL when set, else one started for this session.

    Started on first use, so a run without PostgreSQL tests starts nothing; stopped and removed at session end.
    """
    global _pg_server, _pg_failure
    base = os.environ.get("WORKBOOK_TEST_PG_URL")
    if base:
        return base
    if _pg_server is None:
        from tests.pg_server import PgServer, find_bindir

        require(_pg_failure is None, _pg_failure or "")
        bindir = find_bindir()
        require(bindir is not None, "no PostgreSQL server binaries (initdb and pg_ctl in /usr/lib/postgresql/*/bin "
                "or on PATH) and WORKBOOK_TEST_PG_URL is not set: apt-get install postgresql")
        server = PgServer(bindir)
        try:
            server.start()
        except Exception as e:
            _pg_failure = f"the PostgreSQL server in {bindir} did not start: {e}"
            require(False, _pg_failure)
        atexit.register(server.stop)  # should the session end without pytest_sessionfinish
        _pg_server = server
    return _pg_server.url


@pytest.hookimpl(trylast=True)  # after pytest's own teardown of the fixtures left (an interrupted run)
def pytest_sessionfinish(session, exitstatus) -> None:
    global _pg_server
    if _pg_server is not None:
        _pg_server.stop()
        _pg_server = None


def pg_database(prefix: str = "wb_"):
    """A fresh database on the tests' PostgreSQL server (pg_base_url): yields its URL, drops it after."""
    base = pg_base_url()
    import sqlalchemy as sa

    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture()
def pg_url() -> str:
    """A fresh PostgreSQL database per test on the tests' PostgreSQL server (pg_base_url)."""
    yield from pg_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request, tmp_path) -> str:
    """Each storage test runs against SQLite and a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workbook.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture()
def store(sqlite_url):
    from workbook.store import Store

    s = Store(sqlite_url)
    yield s
    s.dispose()


@pytest.fixture()
def content():
    from workbook.content.frameworks import load_content

    return load_content()


def run_async(coro):
    """Run ``coro`` to completion on an event loop of its own, in a thread of its own.

    ``asyncio.run`` refuses to start while another loop runs in the calling thread, and the
    browser tests' Playwright (sync API) keeps one running in the main thread for the session.
    """
    import asyncio
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


# What a skip reason names: (pattern, the tests it skips, why and what enables them). The first match wins.
NOT_RUN = [
    (r"chromium", "browser tests", "Chromium not found: apt-get install chromium, or bash .ci/run"),
    (r"playwright", "browser tests", "playwright not installed: make test installs the `test` extra"),
    (r"PostgreSQL server .* did not start", "PostgreSQL tests",
     "the PostgreSQL server did not start: its error is in the skip reasons"),
    (r"PostgreSQL|WORKBOOK_TEST_PG_URL", "PostgreSQL tests",
     "no PostgreSQL server binaries: apt-get install postgresql"),
    (r"haproxy", "HAProxy tests", "HAProxy not found: apt-get install haproxy, or bash .ci/run"),
    (r"Node\.js", "Node.js tests", "Node.js not found: apt-get install nodejs"),
    (r"opencv", "QR code tests", "OpenCV not installed: make test installs the `test` extra"),
]


def not_run_line(test_reasons, file_reasons=()) -> str | None:
    """One line naming what was skipped, grouped by cause (largest first), each with its count and remedy; or None.

    ``test_reasons`` holds one skip reason per skipped test, ``file_reasons`` one per test file skipped whole.
    """
    groups: Counter = Counter()
    for reasons, whole_file in ((test_reasons, False), (file_reasons, True)):
        for reason in reasons:
            rule = next((r for r in NOT_RUN if re.search(r[0], reason, re.IGNORECASE)), None)
            label, why = (rule[1], rule[2]) if rule else ("tests", reason)
            groups[(label.replace("tests", "test files") if whole_file else label, why)] += 1
    if not groups:
        return None
    parts = []
    for (label, why), n in sorted(groups.items(), key=lambda item: -item[1]):
        parts.append(f"{n} {label if n > 1 else label.replace('tests', 'test').replace('files', 'file')} ({why})")
    return "not run: " + ", ".join(parts)


def skip_reason(report) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Close the run with one line saying which tests were skipped, why, and what would run them."""
    skipped = terminalreporter.stats.get("skipped", [])
    line = not_run_line([skip_reason(r) for r in skipped if not isinstance(r, pytest.CollectReport)],
                        [skip_reason(r) for r in skipped if isinstance(r, pytest.CollectReport)])
    if line:
        terminalreporter.write_line(line, yellow=True)
