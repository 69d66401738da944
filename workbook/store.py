"""Responses in SQL (SQLAlchemy Core): districts, sessions, respondents, marks, notes, plans.

Every write is a keyed upsert in its own short transaction that takes the write lock
up front (SQLite: WAL + ``BEGIN IMMEDIATE`` + ``busy_timeout``; PostgreSQL: retried on
serialization failure and deadlock). A write either commits or raises
:class:`~workbook.errors.StoreUnavailable` / :class:`~workbook.errors.InvalidInput`;
nothing is dropped silently. The database is picked by ``WORKBOOK_DB_URL``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from . import codes, schema
from . import validation as v
from .errors import AccessDenied, InvalidInput, NotFound, StoreUnavailable
from .store_planning import PlanningQueries

t = schema.tables


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
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class District:
    id: int
    slug: str
    name: str
    kind: str
    schools: int | None
    urbanicity: str | None
    frl_percent: float | None
    years_scaling: float | None
    synthetic: bool


@dataclass(frozen=True)
class Session:
    id: int
    district_id: int
    label: str
    held_on: dt.date
    join_code: str
    facilitator_code: str
    min_group_size: int
    show_authors: bool


@dataclass(frozen=True)
class Respondent:
    id: int
    session_id: int
    token: str
    name: str
    role: str


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


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in _RETRYABLE_PG:
        return True
    return "database is locked" in str(exc.orig).lower()


class Store(PlanningQueries):
    """The workbook's database. Create with ``Store()`` (uses ``WORKBOOK_DB_URL``) or ``Store(url)``."""

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
            self._run(schema.migrate, write=True)

    def __repr__(self) -> str:
        return f"Store({redact(self.url)!r})"

    def dispose(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """One round trip to the database (opens the first connection); raises StoreUnavailable if it is down."""
        self._run(lambda c: c.exec_driver_sql("SELECT 1").scalar())

    # ------------------------------------------------------------ plumbing
    def _run(self, fn, *, write: bool = False, attempts: int = 8):
        """Run ``fn(conn)`` in one transaction; retry lock conflicts, translate outages."""
        delay = 0.05
        for attempt in range(attempts):
            try:
                with self.engine.begin() as conn:
                    if write and self.engine.dialect.name == "postgresql":
                        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    return fn(conn)
            except IntegrityError:
                raise
            except DBAPIError as exc:
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

    def _upsert(self, conn, table: sa.Table, keys: dict, values: dict) -> None:
        stmt = schema.insert(conn, table).values(**keys, **values)
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=values)
        conn.execute(stmt)

    # ------------------------------------------------------------ districts
    def create_district(self, slug: str, name: str, kind: str = "district", *, schools=None,
                        urbanicity=None, frl_percent=None, years_scaling=None,
                        synthetic: bool = False) -> District:
        """Add a district (or CMO, private network, other system). The slug must be new."""
        row = v.district_fields(slug=slug, name=name, kind=kind, schools=schools, urbanicity=urbanicity,
                                frl_percent=frl_percent, years_scaling=years_scaling)

        def fn(conn):
            if conn.execute(sa.select(t.districts.c.id).where(t.districts.c.slug == row["slug"])).first():
                raise InvalidInput(f"A district with the slug {row['slug']!r} already exists.")
            conn.execute(t.districts.insert().values(**row, synthetic=synthetic, created_at=now()))
        self._run(fn, write=True)
        return self.district(row["slug"])

    def district(self, slug: str) -> District:
        """The district with this slug, or :class:`NotFound` in plain words."""
        row = self._run(lambda c: c.execute(sa.select(t.districts).where(t.districts.c.slug == slug)).first())
        if row is None:
            raise NotFound(f"There is no district called {slug!r} in this workbook. Check the link you were given.")
        return District(**{f: getattr(row, f) for f in District.__dataclass_fields__})

    def districts(self) -> list[District]:
        rows = self._run(lambda c: c.execute(sa.select(t.districts).order_by(t.districts.c.slug)).all())
        return [District(**{f: getattr(r, f) for f in District.__dataclass_fields__}) for r in rows]

    def district_by_id(self, district_id: int) -> District:
        row = self._run(lambda c: c.execute(sa.select(t.districts).where(t.districts.c.id == district_id)).first())
        if row is None:
            raise NotFound(f"There is no district with id {district_id}.")
        return District(**{f: getattr(row, f) for f in District.__dataclass_fields__})

    # ------------------------------------------------------------ sessions
    def create_session(self, district_slug: str, label: str, held_on: dt.date | None = None, *,
                       min_group_size: int = 5, show_authors: bool = False) -> Session:
        """Start a reflection round for a district; it gets fresh join and facilitator codes."""
        district = self.district(district_slug)
        label = v.text(label, "session label", max_len=200, required=True)
        min_group_size = v.integer(min_group_size, "minimum group size", 1, 100)

        def fn(conn):
            res = conn.execute(t.sessions.insert().values(
                district_id=district.id, label=label, held_on=held_on or dt.date.today(),
                join_code=codes.join_code(), facilitator_code=codes.facilitator_code(),
                min_group_size=min_group_size, show_authors=bool(show_authors), created_at=now()))
            return res.inserted_primary_key[0]
        return self.session(self._run(fn, write=True))

    def session(self, session_id: int) -> Session:
        sid = v.integer(session_id, "session", 1, 2**62)
        row = self._run(lambda c: c.execute(sa.select(t.sessions).where(t.sessions.c.id == sid)).first())
        if row is None:
            raise NotFound(f"There is no session {session_id} in this workbook.")
        return Session(**{f: getattr(row, f) for f in Session.__dataclass_fields__})

    def sessions(self, district_slug: str) -> list[Session]:
        district = self.district(district_slug)
        rows = self._run(lambda c: c.execute(
            sa.select(t.sessions).where(t.sessions.c.district_id == district.id)
            .order_by(t.sessions.c.held_on, t.sessions.c.id)).all())
        return [Session(**{f: getattr(r, f) for f in Session.__dataclass_fields__}) for r in rows]

    def resolve_session(self, district_slug: str, session_id=None) -> tuple[District, Session]:
        """The district and its session (the latest when ``session_id`` is empty)."""
        district = self.district(district_slug)
        if session_id in (None, ""):
            found = self.sessions(district_slug)
            if not found:
                raise NotFound(f"{district.name} has no reflection session yet. Ask the facilitator for a link.")
            return district, found[-1]
        try:
            session = self.session(session_id)
        except InvalidInput:
            raise NotFound(f"{session_id!r} is not a session number. Check the link you were given.") from None
        if session.district_id != district.id:
            raise NotFound(f"Session {session_id} does not belong to {district.name}. Check the link you were given.")
        return district, session

    def update_session(self, session_id: int, *, min_group_size=None, show_authors=None) -> Session:
        values = {}
        if min_group_size is not None:
            values["min_group_size"] = v.integer(min_group_size, "minimum group size", 1, 100)
        if show_authors is not None:
            values["show_authors"] = bool(show_authors)
        if values:
            self._run(lambda c: c.execute(t.sessions.update().where(t.sessions.c.id == session_id)
                                          .values(**values)), write=True)
        return self.session(session_id)

    @staticmethod
    def check_code(session: Session, code: str | None, *, facilitator: bool = False) -> None:
        """Raise :class:`AccessDenied` unless ``code`` opens ``session`` (compared in constant time)."""
        expected = session.facilitator_code if facilitator else session.join_code
        ok = bool(code) and secrets.compare_digest(str(code), expected)
        if not facilitator and not ok and code:
            ok = secrets.compare_digest(str(code), session.facilitator_code)
        if not ok:
            who = "the facilitator's code" if facilitator else "the team's join code"
            raise AccessDenied(f"This link does not carry {who} for this session. Ask the facilitator for the link.")

    # ------------------------------------------------------------ respondents
    def add_respondent(self, session_id: int, name: str, role: str) -> Respondent:
        """Add a team member to a session; returns them with their personal token."""
        name = v.text(name, "name", max_len=120, required=True)
        role = v.role(role)
        self.session(session_id)
        token = codes.member_token()

        def fn(conn):
            stamp = now()
            res = conn.execute(t.respondents.insert().values(
                session_id=session_id, token=token, name=name, role=role, created_at=stamp, updated_at=stamp))
            return res.inserted_primary_key[0]
        return self.respondent(self._run(fn, write=True))

    def respondent(self, respondent_id: int) -> Respondent:
        query = sa.select(t.respondents).where(t.respondents.c.id == respondent_id)
        row = self._run(lambda c: c.execute(query).first())
        if row is None:
            raise NotFound(f"There is no team member {respondent_id}.")
        return Respondent(**{f: getattr(row, f) for f in Respondent.__dataclass_fields__})

    def respondent_by_token(self, session_id: int, token: str) -> Respondent:
        """The member whose personal link carries ``token`` in this session."""
        row = self._run(lambda c: c.execute(sa.select(t.respondents).where(
            t.respondents.c.token == str(token or ""), t.respondents.c.session_id == session_id)).first())
        if row is None:
            raise AccessDenied("This personal link is not valid for this session. Open the team's join link from your "
                               "facilitator and enter your name to start again.")
        return Respondent(**{f: getattr(row, f) for f in Respondent.__dataclass_fields__})

    def respondents(self, session_id: int) -> list[Respondent]:
        rows = self._run(lambda c: c.execute(sa.select(t.respondents).where(
            t.respondents.c.session_id == session_id).order_by(t.respondents.c.id)).all())
        return [Respondent(**{f: getattr(r, f) for f in Respondent.__dataclass_fields__}) for r in rows]

    def update_respondent(self, respondent: Respondent, *, name=None, role=None) -> Respondent:
        respondent = self._member(respondent)
        values = {"updated_at": now()}
        if name is not None:
            values["name"] = v.text(name, "name", max_len=120, required=True)
        if role is not None:
            values["role"] = v.role(role)
        self._run(lambda c: c.execute(t.respondents.update().where(t.respondents.c.id == respondent.id)
                                      .values(**values)), write=True)
        return self.respondent(respondent.id)

    def _facilitator(self, session: Session, code: str | None) -> Session:
        """Re-read the session and check the facilitator's code against the stored one."""
        fresh = self.session(session.id)
        self.check_code(fresh, code, facilitator=True)
        return fresh

    def _member(self, respondent: Respondent, session_id: int | None = None) -> Respondent:
        """Re-read the member from the store: the browser is never trusted for membership."""
        fresh = self.respondent(respondent.id)
        if fresh.token != respondent.token or (session_id is not None and fresh.session_id != session_id):
            raise AccessDenied("That change belongs to another team member; nothing was saved.")
        return fresh

    # ------------------------------------------------------------ spectrum marks
    def save_spectrum_mark(self, respondent: Respondent, spectrum_id: str, field: str, value) -> None:
        """Save one mark ('current' or 'aspiration', 1-5 in steps of 0.5) for one spectrum."""
        spectrum_id = v.spectrum_id(spectrum_id)
        field = v.choice(field, "mark", ("current", "aspiration"))
        value = v.mark(value, f"{field} mark for {spectrum_id}")
        member = self._member(respondent)
        self._run(lambda c: self._upsert(c, t.spectrum_marks,
                                         {"respondent_id": member.id, "spectrum_id": spectrum_id},
                                         {field: value, "updated_at": now()}), write=True)

    def clear_spectrum_mark(self, respondent: Respondent, spectrum_id: str, field: str) -> None:
        spectrum_id = v.spectrum_id(spectrum_id)
        field = v.choice(field, "mark", ("current", "aspiration"))
        member = self._member(respondent)
        self._run(lambda c: c.execute(t.spectrum_marks.update().where(
            t.spectrum_marks.c.respondent_id == member.id, t.spectrum_marks.c.spectrum_id == spectrum_id)
            .values({field: None, "updated_at": now()})), write=True)

    def spectrum_marks(self, session_id: int):
        """All members' marks for a session as a frame: respondent_id, name, role, spectrum, current, aspiration."""
        import pandas as pd

        q = (sa.select(t.respondents.c.id.label("respondent_id"), t.respondents.c.name, t.respondents.c.role,
                       t.spectrum_marks.c.spectrum_id.label("spectrum"), t.spectrum_marks.c.current,
                       t.spectrum_marks.c.aspiration, t.spectrum_marks.c.updated_at)
             .select_from(t.respondents.join(t.spectrum_marks,
                                             t.spectrum_marks.c.respondent_id == t.respondents.c.id))
             .where(t.respondents.c.session_id == session_id)
             .order_by(t.respondents.c.id, t.spectrum_marks.c.spectrum_id))
        rows = self._run(lambda c: c.execute(q).all())
        cols = ["respondent_id", "name", "role", "spectrum", "current", "aspiration", "updated_at"]
        frame = pd.DataFrame(rows, columns=cols)
        frame[["current", "aspiration"]] = frame[["current", "aspiration"]].astype(float)
        return frame

    def member_marks(self, respondent: Respondent) -> dict[str, dict[str, float | None]]:
        """One member's own marks, ``{spectrum_id: {"current": .., "aspiration": ..}}`` (only marked spectra).

        Plain dicts, so a member's page restores itself without loading pandas.
        """
        m = t.spectrum_marks
        rows = self._run(lambda c: c.execute(sa.select(m.c.spectrum_id, m.c.current, m.c.aspiration)
                                             .where(m.c.respondent_id == respondent.id)).all())
        as_float = lambda x: None if x is None else float(x)  # noqa: E731
        return {r.spectrum_id: {"current": as_float(r.current), "aspiration": as_float(r.aspiration)} for r in rows}

    def save_team_mark(self, session: Session, code: str, spectrum_id: str, field: str, value) -> None:
        """The team's agreed mark, recorded by the facilitator (needs the facilitator's code)."""
        session = self._facilitator(session, code)
        spectrum_id = v.spectrum_id(spectrum_id)
        field = v.choice(field, "mark", ("current", "aspiration"))
        value = None if value is None else v.mark(value, f"agreed {field} mark for {spectrum_id}")
        self._run(lambda c: self._upsert(c, t.team_marks, {"session_id": session.id, "spectrum_id": spectrum_id},
                                         {field: value, "updated_at": now()}), write=True)

    def team_marks(self, session_id: int):
        import pandas as pd

        rows = self._run(lambda c: c.execute(sa.select(
            t.team_marks.c.spectrum_id.label("spectrum"), t.team_marks.c.current, t.team_marks.c.aspiration)
            .where(t.team_marks.c.session_id == session_id)).all())
        return pd.DataFrame(rows, columns=["spectrum", "current", "aspiration"]).astype(
            {"current": float, "aspiration": float})

    # ------------------------------------------------------------ notes
    def save_note(self, session_id: int, question_id: str, text: str, respondent: Respondent | None = None) -> None:
        """Save a free-text answer; ``respondent=None`` is the team's agreed answer."""
        question_id = v.text(question_id, "question", max_len=120, required=True)
        body = v.text(text, f"answer to {question_id}", max_len=v.NOTE_MAX, required=False)
        owner = 0
        if respondent is not None:
            owner = self._member(respondent, session_id).id
        self._run(lambda c: self._upsert(c, t.notes, {"session_id": session_id, "respondent_id": owner,
                                                      "question_id": question_id},
                                         {"text": body, "updated_at": now()}), write=True)

    def notes(self, session_id: int):
        """All answers of a session: respondent_id (0 = team), name, role, question_id, text, updated_at."""
        import pandas as pd

        q = (sa.select(t.notes.c.respondent_id, t.respondents.c.name, t.respondents.c.role,
                       t.notes.c.question_id, t.notes.c.text, t.notes.c.updated_at)
             .select_from(t.notes.outerjoin(t.respondents, t.respondents.c.id == t.notes.c.respondent_id))
             .where(t.notes.c.session_id == session_id).order_by(t.notes.c.question_id, t.notes.c.respondent_id))
        rows = self._run(lambda c: c.execute(q).all())
        return pd.DataFrame(rows, columns=["respondent_id", "name", "role", "question_id", "text", "updated_at"])

    def note(self, session_id: int, question_id: str, respondent: Respondent | None = None) -> str:
        owner = respondent.id if respondent is not None else 0
        row = self._run(lambda c: c.execute(sa.select(t.notes.c.text).where(
            t.notes.c.session_id == session_id, t.notes.c.respondent_id == owner,
            t.notes.c.question_id == question_id)).first())
        return row.text if row else ""
