"""Shared fixtures. Tools absent on a developer's machine skip with a reason; under CI=true they fail."""

from __future__ import annotations

import os
import uuid
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


def pg_database(prefix: str = "wb_"):
    """A fresh database on the PostgreSQL server named by WORKBOOK_TEST_PG_URL: yields its URL, drops it after."""
    base = os.environ.get("WORKBOOK_TEST_PG_URL")
    require(bool(base), "WORKBOOK_TEST_PG_URL is not set (.ci/run starts a PostgreSQL server and sets it)")
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
    """A fresh PostgreSQL database per test on the server named by WORKBOOK_TEST_PG_URL."""
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
    from workbook.content import load_content

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
