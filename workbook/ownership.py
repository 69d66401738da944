"""Data ownership: delete a district's data, back up the store and restore a backup (``workbook`` wires them up).

A backup is the store's own kind of copy: for SQLite a self-contained copy made with SQLite's online backup
API (safe while others write); for PostgreSQL a ``pg_dump -Fc`` archive, made with PostgreSQL's client tools
(``postgresql-client``). :func:`restore` puts one back into an empty store (or, with ``replace``, over what a
store holds), checked first, in one step that either completes or leaves the store as it was. The codes,
personal tokens and the room's access secret are rows like the rest, so every link works again afterwards.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from .content.errors import InvalidInput, WorkbookError
from .content.files import replace_atomic
from .store import Store, redact, schema

SQLITE_MAGIC = b"SQLite format 3\0"
PG_DUMP_MAGIC = b"PGDMP"
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
"""Where Debian puts each PostgreSQL version's tools; searched after ``$PATH``."""
BOOKKEEPING = ("schema_version", "settings", "session_summaries")
"""Tables a store that holds no answers may still have rows in (an empty store: only these have rows)."""


def delete_district(store: Store, slug: str) -> dict:
    """Remove a district and every row of its sessions in one transaction; returns rows deleted per table."""
    return store.delete_district(slug)


# ------------------------------------------------------------------ backup
def backup(store: Store, dest_path) -> dict:
    """A consistent copy of the store at ``dest_path``: ``{"path", "bytes"}``.

    SQLite: a copy made with the online backup API, safe while others write. PostgreSQL: ``pg_dump -Fc`` into a
    ``.dump`` file (the client tools from ``$PATH`` or /usr/lib/postgresql/*/bin, no older than the server).
    The file appears whole or not at all.
    """
    dialect = store.engine.dialect.name
    if dialect == "postgresql":
        if Path(dest_path).suffix != ".dump":
            raise InvalidInput(f"{str(dest_path)!r}: this workbook uses PostgreSQL, whose backup is a pg_dump "
                               "archive; give the file a .dump name (for example --out workbook.dump).")
        return _pg_backup(store, Path(dest_path))
    if dialect != "sqlite":
        raise WorkbookError(f"backup copies SQLite and PostgreSQL stores; this workbook uses {dialect}. "
                            "Use the database's own tools instead.")
    dest = Path(dest_path).resolve()
    live = store.engine.url.database
    if live and live != ":memory:" and Path(live).resolve() == dest:
        raise InvalidInput(f"{str(dest_path)!r} is the live database; choose another file for the backup.")

    def write(tmp):
        raw = store.engine.raw_connection()
        try:
            copy = sqlite3.connect(tmp)
            try:
                driver = raw.driver_connection
                assert driver is not None  # None only once the connection is closed; it was just checked out
                driver.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                status = copy.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                copy.close()
        finally:
            raw.close()
        if status != "ok":
            raise WorkbookError(f"The backup failed its integrity check ({status}); nothing was written.")
    replace_atomic(dest, write)
    return {"path": str(dest), "bytes": dest.stat().st_size}


def _pg_backup(store: Store, dest: Path) -> dict:
    dest = dest.resolve()
    major = _server_major(store)
    pg_dump = pg_tool("pg_dump", major)
    conninfo, env = libpq_target(store.engine.url)

    def write(tmp):
        done = subprocess.run([str(pg_dump), "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}",
                               f"--dbname={conninfo}"], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise WorkbookError(f"pg_dump could not back up {redact(store.url)}, so nothing was written: "
                                f"{_last_lines(done.stderr)}")
    replace_atomic(dest, write)
    return {"path": str(dest), "bytes": dest.stat().st_size}


# ------------------------------------------------------------------ restore
def restore(url: str, source, *, replace: bool = False) -> dict:
    """Restore the backup ``source`` into the store at ``url``; what the store holds afterwards.

    The store must be empty (no districts, sessions, members or answers; a schema and settings are fine)
    unless ``replace``. The backup is checked before anything is written: it must be a workbook backup of the
    store's kind (an SQLite copy for SQLite, a ``pg_dump -Fc`` archive for PostgreSQL) and of a schema this
    workbook understands. The restore is one step: it completes, or the store is left as it was. Afterwards
    the schema is brought up to date, as on every start.
    """
    src = Path(source)
    if not src.is_file():
        raise InvalidInput(f"{str(source)!r}: there is no such file to restore.")
    with src.open("rb") as f:
        head = f.read(16)
    target = Store(url, migrate=False)
    engine = target.engine
    dialect = engine.dialect.name
    try:
        if dialect == "sqlite":
            if engine.url.database and engine.url.database != ":memory:":
                if Path(engine.url.database).resolve() == src.resolve():
                    raise InvalidInput(f"{src}: this is the live database itself; restore from a backup copy.")
                Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
            if head.startswith(PG_DUMP_MAGIC):
                raise InvalidInput(f"{src}: this is a PostgreSQL backup (pg_dump); restore it into a PostgreSQL "
                                   "store (WORKBOOK_DB_URL=postgresql+psycopg://…), not into this SQLite one.")
            if head != SQLITE_MAGIC:
                raise InvalidInput(f"{src}: not a workbook backup (neither a copy made by `workbook backup` "
                                   "nor a pg_dump archive).")
            version = _sqlite_backup_version(src)
        elif dialect == "postgresql":
            if head == SQLITE_MAGIC:
                raise InvalidInput(f"{src}: this is an SQLite backup; restore it into an SQLite store "
                                   "(WORKBOOK_DB_URL=sqlite:///PATH), not into this PostgreSQL one.")
            if not head.startswith(PG_DUMP_MAGIC):
                raise InvalidInput(f"{src}: not a PostgreSQL backup (a `pg_dump -Fc` archive, as `workbook "
                                   "backup --out NAME.dump` writes).")
            major = _server_major(target)
            pg_restore = pg_tool("pg_restore", major)
            version = _pg_backup_version(pg_restore, src)
        else:
            raise WorkbookError(f"restore fills SQLite and PostgreSQL stores; this workbook uses {dialect}.")
        if version > schema.CURRENT_VERSION:
            raise InvalidInput(f"{src}: the backup has schema version {version}, newer than this workbook "
                               f"understands ({schema.CURRENT_VERSION}); upgrade the workbook, then restore.")
        held = contents(target)
        if not replace and any(held.values()):
            rest = sum(n for name, n in held.items() if name not in ("districts", "sessions", "respondents"))
            what = (f"{held.get('districts', 0)} district(s), {held.get('sessions', 0)} session(s), "
                    f"{held.get('respondents', 0)} member(s) and {rest} other row(s)")
            raise InvalidInput(f"The store {redact(url)} is not empty: it holds {what}. A restore would replace all "
                               "of it. "
                               "Restore into an empty database, or run again with --replace to replace "
                               "everything in it with the backup (`workbook backup` first keeps a copy).")
        if dialect == "sqlite":
            _sqlite_restore(engine.url, src)
        else:
            _pg_restore(target, pg_restore, src)
    finally:
        target.dispose()
    store = Store(url)  # brings an older backup's schema up to date
    try:
        return {"path": str(src.resolve()), "version": version, **contents(store)}
    finally:
        store.dispose()


def contents(store: Store) -> dict[str, int]:
    """Rows per table of the workbook's answers (its bookkeeping tables aside), for the tables that exist."""
    def count(conn):
        names = [n for n in schema.metadata.tables if n not in BOOKKEEPING and conn.dialect.has_table(conn, n)]
        return {n: conn.exec_driver_sql(f'SELECT count(*) FROM "{n}"').scalar_one() for n in names}
    return store.transaction(count)


def _sqlite_backup_version(src: Path) -> int:
    """The schema version of an SQLite backup, after checking it reads whole; a plain error when it does not."""
    try:
        conn = sqlite3.connect(f"file:{src.resolve()}?mode=ro", uri=True)
        try:
            status = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if status != "ok":
                raise InvalidInput(f"{src}: the backup is damaged ({status}); nothing was restored.")
            has = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone()
            if not has:
                raise InvalidInput(f"{src}: an SQLite file, but not a workbook backup (it has no schema_version "
                                   "table); nothing was restored.")
            return int(conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{src}: the backup cannot be read ({exc}); nothing was restored.") from None


def _sqlite_restore(url, src: Path) -> None:
    """Copy the backup into the live file through SQLite's backup API: under its write lock, all pages or none."""
    live = url.database
    if not live or live == ":memory:":
        raise InvalidInput("The store is an in-memory SQLite database; restore into a file (sqlite:///PATH).")
    Path(live).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{src.resolve()}?mode=ro", uri=True)
    target = sqlite3.connect(live, timeout=30)
    try:
        target.execute("PRAGMA busy_timeout=30000")
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
        status = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if status != "ok":
        raise WorkbookError(f"The restored store failed its integrity check ({status}); restore it again.")


def _pg_backup_version(pg_restore: Path, src: Path) -> int:
    """The schema version stored in a pg_dump archive (0 when none); a plain error for an unreadable archive."""
    listed = subprocess.run([str(pg_restore), "--list", str(src)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise InvalidInput(f"{src}: pg_restore cannot read this archive, so nothing was restored: "
                           f"{_last_lines(listed.stderr)}")
    if not re.search(r"\bTABLE\b\s+\S+\s+schema_version\b", listed.stdout):
        raise InvalidInput(f"{src}: a pg_dump archive, but not of a workbook store (it has no schema_version "
                           "table); nothing was restored.")
    data = subprocess.run([str(pg_restore), "--data-only", "--table=schema_version", "--file=-", str(src)],
                          capture_output=True, text=True)
    versions = [int(line) for line in data.stdout.splitlines() if line.strip().isdigit()]
    return max(versions, default=0)


def _pg_restore(store: Store, pg_restore: Path, src: Path) -> None:
    """``pg_restore`` in one transaction: the archive's tables replace any of the same name, or nothing changes."""
    conninfo, env = libpq_target(store.engine.url)
    store.dispose()  # our own idle connections must not hold locks the restore waits for
    done = subprocess.run([str(pg_restore), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                           "--single-transaction", "--exit-on-error", f"--dbname={conninfo}", str(src)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise WorkbookError(f"pg_restore stopped, and the store is as it was before: {_last_lines(done.stderr)}")


# ------------------------------------------------------------------ PostgreSQL's client tools
def _server_major(store: Store) -> int:
    """The PostgreSQL server's major version (15 for 15.14)."""
    return int(store.transaction(lambda c: c.exec_driver_sql("SHOW server_version_num").scalar_one())) // 10000


def _tool_major(path: Path) -> int:
    """The major version of a PostgreSQL client tool (``pg_dump (PostgreSQL) 15.14`` -> 15); 0 if unknown."""
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    match = re.search(r"\)\s+(\d+)", out)
    return int(match.group(1)) if match else 0


def pg_tool(name: str, server_major: int) -> Path:
    """``pg_dump`` or ``pg_restore`` for a PostgreSQL server of version ``server_major``.

    The same version when there is one, else the oldest newer one (from ``$PATH`` and /usr/lib/postgresql/*/bin);
    a plain error naming the package when there is none.
    """
    found: dict[Path, int] = {}
    for candidate in [shutil.which(name), *glob.glob(f"{PG_BIN_GLOB}/{name}")]:
        if candidate and os.access(candidate, os.X_OK):
            path = Path(candidate).resolve()
            if path not in found:
                found[path] = _tool_major(path)
    if not found:
        raise WorkbookError(f"{name} is not installed, and backups of a PostgreSQL store need it: install "
                            f"PostgreSQL's client tools, the package postgresql-client (apt-get install "
                            f"postgresql-client), version {server_major} or newer.")
    # the same version first, then the oldest newer one; a version's own folder before a wrapper on $PATH
    usable = sorted((major, not str(path).startswith("/usr/lib/postgresql/"), str(path))
                    for path, major in found.items() if major >= server_major)
    if not usable:
        have = ", ".join(sorted({str(m) for m in found.values()}))
        raise WorkbookError(f"{name} {have} is older than the PostgreSQL server ({server_major}) and cannot work "
                            f"with it: install postgresql-client-{server_major} (or newer).")
    return Path(usable[0][2])


def libpq_target(url) -> tuple[str, dict]:
    """A libpq connection string for ``url`` (an engine's URL; its password left out) and the environment with it.

    The password travels in ``PGPASSWORD``, never on a command line others can read.
    """
    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    parts.update({k: v if isinstance(v, str) else v[-1] for k, v in url.query.items()})
    conninfo = " ".join(f"{key}={_quote(str(value))}" for key, value in parts.items() if value not in (None, ""))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _last_lines(text: str, n: int = 4) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return " / ".join(lines[-n:]) or "no message"
