"""The store's base: the engine, one transaction at a time with retries, keyed upserts, and the records it returns.

Every write runs in one short transaction that takes the write lock up front (SQLite: WAL + ``BEGIN
IMMEDIATE`` + ``busy_timeout``; PostgreSQL: retried on serialization failure and deadlock). A write either
commits or raises :class:`~workbook.content.errors.StoreUnavailable` / :class:`~workbook.content.errors.InvalidInput`;
nothing is dropped silently. The parts of the store (accounts, marks, planning, network, admin) are mixins
on :class:`StoreBase`; :class:`workbook.store.Store` combines them.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ..content.errors import DISK_FULL, StoreUnavailable
from ..content.validation import MAX_PRIORITIES
from . import schema

T = TypeVar("T")


def default_db_url() -> str:
    """``$WORKBOOK_DB_URL``, else an SQLite file in the user's data folder (outside any git tree)."""
    url = os.environ.get("WORKBOOK_DB_URL")
    if url:
        return url
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    path = base / "look-both-ways" / "workbook.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def redact(url: str) -> str:
    """The URL with any password replaced, safe to print."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown by its scheme only
        return url.split(":", 1)[0] + ":…"


def now() -> dt.datetime:
    """The time stamps the store writes: UTC, without a time zone."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class District:
    """A district (or CMO, network) as stored: slug, name, kind and what is known of its size and context."""

    id: int
    slug: str
    name: str
    kind: str
    schools: int | None
    urbanicity: str | None
    frl_percent: float | None
    years_scaling: float | None
    synthetic: bool
    engaged_percent: float | None = None


@dataclass(frozen=True)
class Session:
    """A district's reflection session: label, date, join and facilitator codes, privacy settings."""

    id: int
    district_id: int
    label: str
    held_on: dt.date
    join_code: str
    facilitator_code: str
    min_group_size: int
    show_authors: bool
    max_priorities: int = MAX_PRIORITIES
    current_step: str | None = None
    follows_session_id: int | None = None


@dataclass(frozen=True)
class Respondent:
    """A team member of a session: the token of their personal link, name and role."""

    id: int
    session_id: int
    token: str
    name: str
    role: str


def record(cls, row):
    """A District, Session or Respondent from a row of its table."""
    return cls(**{f: getattr(row, f) for f in cls.__dataclass_fields__})


def _sqlite_setup(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_RETRYABLE_PG = {"40001", "40P01"}


_DISK_FULL_PG = "53100"  # PostgreSQL's disk_full
_SQLITE_FULL = 13  # SQLITE_FULL: "database or disk is full"


def _disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (a driver error, or an OSError) says the store's disk is full."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, OSError):
        return orig.errno in (errno.ENOSPC, errno.EDQUOT)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code == _DISK_FULL_PG or getattr(orig, "sqlite_errorcode", None) == _SQLITE_FULL:
        return True
    text = str(orig).lower()
    return "database or disk is full" in text or "no space left on device" in text


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in _RETRYABLE_PG:
        return True
    return "database is locked" in str(exc.orig).lower()


class StoreBase:
    """The database connection every part of the store shares: ``transaction``, ``upsert`` and the engine."""

    def __init__(self, url: str | None = None, *, migrate: bool = True):
        self.url = url or default_db_url()
        kwargs: dict = {"future": True}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["connect_args"] = {"connect_timeout": 5} if "postgresql" in self.url else {}
        try:
            self.engine = sa.create_engine(self.url, **kwargs)
        except Exception as exc:
            raise StoreUnavailable(f"Cannot use the database {redact(self.url)}: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            _sqlite_setup(self.engine)
        if migrate:
            self.transaction(schema.migrate, write=True)

    def __repr__(self) -> str:
        return f"Store({redact(self.url)!r})"

    def dispose(self) -> None:
        """Close the store's connections (its engine's pool)."""
        self.engine.dispose()

    def ping(self) -> None:
        """One round trip to the database (opens the first connection); raises StoreUnavailable if it is down."""
        self.transaction(lambda c: c.exec_driver_sql("SELECT 1").scalar())

    def transaction(self, fn: Callable[[sa.Connection], T], *, write: bool = False, attempts: int = 8) -> T:
        """Run ``fn(conn)`` in one transaction and return what it returns.

        Everything ``fn`` does commits together when it returns, or not at all when it raises (the exception
        goes on to the caller). ``write=True`` marks a transaction that writes: on SQLite every transaction
        takes the write lock up front (``BEGIN IMMEDIATE``), on PostgreSQL a writing one runs at READ COMMITTED.
        A lock conflict (SQLite "database is locked", PostgreSQL serialization failure or deadlock) rolls
        back and runs ``fn`` again on a fresh transaction, up to ``attempts`` times with growing pauses, so
        ``fn`` must do nothing but database work (it may run more than once). A database that cannot be
        reached, or that stays busy through every attempt, raises :class:`~workbook.content.errors.StoreUnavailable`
        (nothing was saved); so does a full disk (SQLite's SQLITE_FULL or ENOSPC, PostgreSQL's disk_full), with
        the words of :data:`~workbook.content.errors.DISK_FULL`. Integrity errors and other database errors are
        raised as they are.
        """
        delay = 0.05
        for attempt in range(attempts):
            try:
                with self.engine.begin() as conn:
                    if write and self.engine.dialect.name == "postgresql":
                        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    return fn(conn)
            except IntegrityError:
                raise
            except OSError as exc:  # the driver writing a file of its own (SQLite's WAL) on a full disk
                if _disk_full(exc):
                    raise StoreUnavailable(DISK_FULL) from exc
                raise
            except DBAPIError as exc:
                if _disk_full(exc):  # rolled back whole: nothing of it was written, and the store stays intact
                    raise StoreUnavailable(DISK_FULL) from exc
                if exc.connection_invalidated or not _retryable(exc):
                    if isinstance(exc, OperationalError) or exc.connection_invalidated:
                        raise StoreUnavailable(
                            "The workbook's database cannot be reached right now, so nothing was saved. "
                            "Your entry is still on screen: try again in a moment."
                        ) from exc
                    raise
                if attempt == attempts - 1:
                    raise StoreUnavailable(
                        "The database stayed busy and the save did not go through; please try again."
                    ) from exc
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")


    @staticmethod
    def upsert(conn: sa.Connection, table: sa.Table | str, key: dict, values: dict) -> None:
        """Insert a row, or update ``values`` of the row with this ``key`` (its primary key columns), on ``conn``.

        ``table`` is a table of :mod:`workbook.store.schema` or its name. Use it inside :meth:`transaction`.
        """
        if isinstance(table, str):
            table = schema.metadata.tables[table]
        stmt = schema.insert(conn, table).values(**key, **values)
        stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=values)
        conn.execute(stmt)
