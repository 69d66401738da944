"""Data ownership: delete a district's data and back up the store (the ``workbook`` command wires them up)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import InvalidInput, WorkbookError
from .files import replace_atomic
from .store import Store


def delete_district(store: Store, slug: str) -> dict:
    """Remove a district and every row of its sessions in one transaction; returns rows deleted per table."""
    return store.delete_district(slug)


def backup(store: Store, dest_path) -> dict:
    """A consistent copy of an SQLite store (online backup API, safe while others write)."""
    if store.engine.dialect.name != "sqlite":
        raise WorkbookError(f"backup copies SQLite stores only; this workbook uses {store.engine.dialect.name}. "
                            "Use the database's own tools instead (for PostgreSQL: pg_dump).")
    dest = Path(dest_path).resolve()
    live = store.engine.url.database
    if live and live != ":memory:" and Path(live).resolve() == dest:
        raise InvalidInput(f"{str(dest_path)!r} is the live database; choose another file for the backup.")

    def write(tmp):
        raw = store.engine.raw_connection()
        try:
            copy = sqlite3.connect(tmp)
            try:
                raw.driver_connection.backup(copy)
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
