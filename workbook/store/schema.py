"""The store's tables and their versioned migrations.

A fresh database gets the current schema; an older one is upgraded step by step,
each step in its own transaction, and ``schema_version`` records how far it got.
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa

metadata = sa.MetaData()
_ts = sa.DateTime

districts = sa.Table(
    "districts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("schools", sa.Integer),
    sa.Column("urbanicity", sa.String(20)),
    sa.Column("frl_percent", sa.Float),
    sa.Column("years_scaling", sa.Float),
    sa.Column("synthetic", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", _ts, nullable=False),
    # share of the system's schools engaged in personalized/blended learning (the survey's grouping), 0-100
    sa.Column("engaged_percent", sa.Float),
)

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("district_id", sa.Integer, sa.ForeignKey("districts.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("join_code", sa.String(64), nullable=False, unique=True),
    sa.Column("facilitator_code", sa.String(64), nullable=False, unique=True),
    sa.Column("min_group_size", sa.Integer, nullable=False, default=5),
    sa.Column("show_authors", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", _ts, nullable=False),
    # how many priorities each member picks in Step 1 (the guide leaves the number to the team)
    sa.Column("max_priorities", sa.Integer, nullable=False, default=3, server_default="3"),
    # the step of the run of show the facilitator has the room on (workbook/content/retreat.py), empty before the start
    sa.Column("current_step", sa.String(40)),
    # the session this one follows up (the same team looking again); its agreed marks and plan are the start
    sa.Column("follows_session_id", sa.Integer),
)

respondents = sa.Table(
    "respondents", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("role", sa.String(60), nullable=False),
    sa.Column("created_at", _ts, nullable=False),
    sa.Column("updated_at", _ts, nullable=False),
)

spectrum_marks = sa.Table(
    "spectrum_marks", metadata,
    sa.Column("respondent_id", sa.Integer, sa.ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("spectrum_id", sa.String(40), primary_key=True),
    sa.Column("current", sa.Float),
    sa.Column("aspiration", sa.Float),
    sa.Column("updated_at", _ts, nullable=False),
)

team_marks = sa.Table(
    "team_marks", metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("spectrum_id", sa.String(40), primary_key=True),
    sa.Column("current", sa.Float),
    sa.Column("aspiration", sa.Float),
    sa.Column("updated_at", _ts, nullable=False),
)

notes = sa.Table(
    "notes", metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    # 0 is the team's agreed answer; otherwise a respondent id (checked by the store before writing)
    sa.Column("respondent_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("question_id", sa.String(120), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_at", _ts, nullable=False),
)

condition_marks = sa.Table(
    "condition_marks", metadata,
    sa.Column("respondent_id", sa.Integer, sa.ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("condition_id", sa.String(60), primary_key=True),
    sa.Column("rating", sa.Float),
    sa.Column("priority", sa.Boolean, nullable=False, default=False),
    sa.Column("updated_at", _ts, nullable=False),
)

action_items = sa.Table(
    "action_items", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("condition_id", sa.String(60), nullable=False),
    sa.Column("horizon", sa.String(10), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("timeline", sa.String(200), nullable=False, default=""),
    sa.Column("owner", sa.String(200), nullable=False, default=""),
    sa.Column("done", sa.Boolean, nullable=False, default=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("updated_at", _ts, nullable=False),
    # when the team will look at this action again
    sa.Column("review_on", sa.Date),
)

plan_areas = sa.Table(
    "plan_areas", metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("condition_id", sa.String(60), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("updated_at", _ts, nullable=False),
)

settings = sa.Table(
    "settings", metadata,
    sa.Column("key", sa.String(60), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# One row per session whose spectrum marks were ever written: ``marks_revision`` counts the writes (bumped by
# database triggers on spectrum_marks and respondents, so every writer counts, whatever code path it takes);
# the summary columns hold what the network overview needs, computed at ``summary_revision``. A summary is
# current only while summary_revision == marks_revision.
session_summaries = sa.Table(
    "session_summaries", metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True,
              autoincrement=False),
    sa.Column("marks_revision", sa.Integer, nullable=False, default=0),
    sa.Column("summary_revision", sa.Integer),
    sa.Column("members", sa.Integer),            # members with at least one "now" mark
    sa.Column("current_medians", sa.Text),       # JSON {spectrum id: median "now" mark}
)

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

tables = SimpleNamespace(**{name: tbl for name, tbl in metadata.tables.items()})


def _v1(conn) -> None:
    """Version 1: districts, sessions, respondents, spectrum and team marks, notes."""
    for tbl in (districts, sessions, respondents, spectrum_marks, team_marks, notes):
        tbl.create(conn, checkfirst=True)


def _v2(conn) -> None:
    """Version 2: conditions for scale and the action plan."""
    for tbl in (condition_marks, action_items, plan_areas):
        tbl.create(conn, checkfirst=True)


def _v3(conn) -> None:
    """Version 3: settings (the coach's code for the network view)."""
    settings.create(conn, checkfirst=True)


_BUMP_SQLITE = ("INSERT INTO session_summaries (session_id, marks_revision) SELECT {sid}, 1 {source} "
                "ON CONFLICT (session_id) DO UPDATE SET marks_revision = session_summaries.marks_revision + 1;")
_OF_MARK = "FROM respondents r JOIN sessions s ON s.id = r.session_id WHERE r.id = {row}.respondent_id"
_OF_MEMBER = "FROM sessions s WHERE s.id = {row}.session_id"
_SQLITE_TRIGGERS = {
    "spectrum_marks_ai": ("AFTER INSERT ON spectrum_marks", [("r.session_id", _OF_MARK, "NEW")]),
    "spectrum_marks_au": ("AFTER UPDATE ON spectrum_marks", [("r.session_id", _OF_MARK, "OLD"),
                                                             ("r.session_id", _OF_MARK, "NEW")]),
    "spectrum_marks_ad": ("AFTER DELETE ON spectrum_marks", [("r.session_id", _OF_MARK, "OLD")]),
    "respondents_au": ("AFTER UPDATE OF session_id ON respondents", [("s.id", _OF_MEMBER, "OLD"),
                                                                     ("s.id", _OF_MEMBER, "NEW")]),
    "respondents_ad": ("AFTER DELETE ON respondents", [("s.id", _OF_MEMBER, "OLD")]),
}
_PG_FUNCTIONS = ("""
CREATE OR REPLACE FUNCTION workbook_bump_session(sid integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF sid IS NOT NULL AND EXISTS (SELECT 1 FROM sessions WHERE id = sid) THEN
    INSERT INTO session_summaries (session_id, marks_revision) VALUES (sid, 1)
    ON CONFLICT (session_id) DO UPDATE SET marks_revision = session_summaries.marks_revision + 1;
  END IF;
END $$""", """
CREATE OR REPLACE FUNCTION workbook_mark_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM workbook_bump_session((SELECT session_id FROM respondents WHERE id = OLD.respondent_id));
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM workbook_bump_session((SELECT session_id FROM respondents WHERE id = NEW.respondent_id));
  END IF;
  RETURN NULL;
END $$""", """
CREATE OR REPLACE FUNCTION workbook_member_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM workbook_bump_session(OLD.session_id);
  IF TG_OP = 'UPDATE' THEN
    PERFORM workbook_bump_session(NEW.session_id);
  END IF;
  RETURN NULL;
END $$""")
_PG_TRIGGERS = (
    ("spectrum_marks_changed", "AFTER INSERT OR UPDATE OR DELETE ON spectrum_marks", "workbook_mark_changed"),
    ("respondents_changed", "AFTER UPDATE OF session_id OR DELETE ON respondents", "workbook_member_changed"),
)


def _v4(conn) -> None:
    """Version 4: per-session summaries for the network overview, with triggers counting every mark write.

    A write to a deleted session's marks is not counted (its summary goes with it). SQLite can hand a deleted
    session's id to the next new session, so there a new or deleted session also drops any summary row under
    its id (the foreign key's cascade only acts with foreign keys on).
    """
    session_summaries.create(conn, checkfirst=True)
    if conn.dialect.name == "postgresql":
        for function in _PG_FUNCTIONS:
            conn.exec_driver_sql(function)
        for name, when, function in _PG_TRIGGERS:
            table = when.rsplit(" ", 1)[1]
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE PROCEDURE {function}()")
        return
    for name, (when, bumps) in _SQLITE_TRIGGERS.items():
        body = " ".join(_BUMP_SQLITE.format(sid=sid, source=source.format(row=row)) for sid, source, row in bumps)
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS sessions_ai")
    conn.exec_driver_sql("CREATE TRIGGER sessions_ai AFTER INSERT ON sessions "
                         "BEGIN DELETE FROM session_summaries WHERE session_id = NEW.id; END")
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS sessions_ad")
    conn.exec_driver_sql("CREATE TRIGGER sessions_ad AFTER DELETE ON sessions "
                         "BEGIN DELETE FROM session_summaries WHERE session_id = OLD.id; END")


def _v5(conn) -> None:
    """Version 5: each session's number of Step 1 priorities (3 for the sessions already there)."""
    if "max_priorities" not in {c["name"] for c in sa.inspect(conn).get_columns("sessions")}:
        conn.exec_driver_sql("ALTER TABLE sessions ADD COLUMN max_priorities INTEGER NOT NULL DEFAULT 3")


_V6_COLUMNS = (("districts", "engaged_percent", "FLOAT", "DOUBLE PRECISION"),
               ("sessions", "current_step", "VARCHAR(40)", "VARCHAR(40)"),
               ("sessions", "follows_session_id", "INTEGER", "INTEGER"),
               ("action_items", "review_on", "DATE", "DATE"))


def _v6(conn) -> None:
    """Version 6: the retreat (the run of show's step, follow-up sessions, review dates, schools engaged)."""
    for table, column, sqlite_type, pg_type in _V6_COLUMNS:
        if column not in {c["name"] for c in sa.inspect(conn).get_columns(table)}:
            kind = pg_type if conn.dialect.name == "postgresql" else sqlite_type
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    # the network's summaries now leave out a spectrum marked by too few members: recompute every stored one
    conn.execute(session_summaries.update().values(summary_revision=None))


MIGRATIONS = [(1, _v1), (2, _v2), (3, _v3), (4, _v4), (5, _v5), (6, _v6)]
CURRENT_VERSION = MIGRATIONS[-1][0]


def insert(conn, table: sa.Table):
    """``INSERT`` for ``table`` in the connection's dialect (PostgreSQL or SQLite), with ``ON CONFLICT`` support."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table)


def current_version(conn) -> int:
    """The schema version the database is at (0 when it has no ``schema_version`` table)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    row = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(row or 0)


def migrate(conn) -> int:
    """Bring the database up to :data:`CURRENT_VERSION`; return the version it started at."""
    if conn.dialect.name == "postgresql":
        # one migrator at a time when several app processes start together
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242)")
    start = current_version(conn)
    if start > CURRENT_VERSION:
        from ..content.errors import StoreUnavailable

        raise StoreUnavailable(f"The database has schema version {start}, newer than this workbook "
                               f"understands ({CURRENT_VERSION}). Upgrade the workbook.")
    if start == 0:
        schema_version.create(conn, checkfirst=True)
    for version, step in MIGRATIONS:
        if version > start:
            step(conn)
            conn.execute(schema_version.delete())
            conn.execute(schema_version.insert().values(version=version))
    return start
