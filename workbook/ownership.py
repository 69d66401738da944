"""Data ownership: delete a district's data, back up the store, and the exchange commands of ``workbook``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa

from .errors import InvalidInput, WorkbookError
from .exchange import export_district, export_session, import_session
from .files import replace_atomic
from .schema import tables as t
from .store import Store


def delete_district(store: Store, slug: str) -> dict:
    """Remove a district and every row of its sessions in one transaction; returns rows deleted per table."""
    district = store.district(slug)

    def fn(conn):
        sids = sa.select(t.sessions.c.id).where(t.sessions.c.district_id == district.id)
        rids = sa.select(t.respondents.c.id).where(t.respondents.c.session_id.in_(sids))
        counts = {}
        for name, col, sub in (("spectrum_marks", "respondent_id", rids), ("condition_marks", "respondent_id", rids),
                               ("notes", "session_id", sids), ("team_marks", "session_id", sids),
                               ("plan_areas", "session_id", sids), ("action_items", "session_id", sids),
                               ("respondents", "session_id", sids)):
            table = getattr(t, name)
            counts[name] = conn.execute(table.delete().where(table.c[col].in_(sub))).rowcount
        counts["sessions"] = conn.execute(t.sessions.delete().where(t.sessions.c.district_id == district.id)).rowcount
        counts["districts"] = conn.execute(t.districts.delete().where(t.districts.c.id == district.id)).rowcount
        return counts
    return store._run(fn, write=True)


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


# ------------------------------------------------------------------ command line
def _open(args) -> Store:
    return Store(getattr(args, "db", None) or None)


def _cmd_export(args) -> int:
    store = _open(args)
    district, session = store.resolve_session(args.district, args.session)
    counts = export_session(store, session.id, args.out)
    print(f"export: wrote {district.slug} session {session.id} ({counts['members']} members, "
          f"{counts['notes']} notes, {counts['action_items']} action items) to {args.out}")
    return 0


def _cmd_import(args) -> int:
    s = import_session(_open(args), args.file, args.district, args.session)
    print(f"import: {s['members']} members, {s['marks']} marks, {s['notes']} notes and {s['items']} action items "
          f"into {s['district']} session {s['session']}")
    return 0


def _cmd_district_export(args) -> int:
    result = export_district(_open(args), args.slug, args.out)
    print(f"district export: wrote {result['sessions']} session(s) of {args.slug} to {args.out}")
    return 0


def _cmd_district_delete(args) -> int:
    if not args.yes:
        raise InvalidInput(f"This deletes {args.slug} and every answer of its sessions for good; "
                           "run it again with --yes to confirm (export it first to keep a copy).")
    counts = delete_district(_open(args), args.slug)
    print(f"district delete: removed {args.slug} ({counts['sessions']} session(s), {counts['respondents']} "
          f"member(s), {sum(counts.values())} rows)")
    return 0


def _cmd_backup(args) -> int:
    result = backup(_open(args), args.out)
    print(f"backup: wrote {result['bytes']:,} bytes to {result['path']}")
    return 0


def register(subparsers):
    """Add export, import, district export/delete and backup to the ``workbook`` command's subparsers.

    Returns the ``district`` command's subparsers so the caller can add more district commands.
    """
    p = subparsers.add_parser("export", help="write one session's responses to .xlsx or .zip (CSV)")
    p.add_argument("--district", required=True, help="district slug")
    p.add_argument("--session", default=None, help="session id (default: the latest)")
    p.add_argument("--out", required=True, help="FILE.xlsx or FILE.zip")
    p.set_defaults(fn=_cmd_export)
    p = subparsers.add_parser("import", help="import a session from .xlsx, .zip, a CSV folder or one CSV")
    p.add_argument("file")
    p.add_argument("--district", default=None, help="into this existing district")
    p.add_argument("--session", default=None, help="into this existing session (needs --district)")
    p.set_defaults(fn=_cmd_import)
    p = subparsers.add_parser("district", help="export or delete all of a district's data")
    dsub = p.add_subparsers(dest="district_command", required=True)
    q = dsub.add_parser("export", help="every session of a district, one .xlsx each, in a .zip")
    q.add_argument("slug")
    q.add_argument("--out", required=True, help="FILE.zip")
    q.set_defaults(fn=_cmd_district_export)
    q = dsub.add_parser("delete", help="delete a district and all its sessions' data")
    q.add_argument("slug")
    q.add_argument("--yes", action="store_true", help="confirm the deletion")
    q.set_defaults(fn=_cmd_district_delete)
    p = subparsers.add_parser("backup", help="a consistent copy of an SQLite store")
    p.add_argument("--out", required=True, help="the backup file")
    p.set_defaults(fn=_cmd_backup)
    return dsub
