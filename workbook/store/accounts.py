"""Districts, their sessions and the sessions' members, and the checks of the codes links carry."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa

from ..content import codes
from ..content import validation as v
from ..content.errors import AccessDenied, InvalidInput, NotFound
from . import schema
from .base import District, Respondent, Session, StoreBase, now, record

t = schema.tables


class Accounts(StoreBase):
    """Who is in the workbook: districts, sessions, members; and who may change what (codes, tokens)."""

    # ------------------------------------------------------------ districts
    def create_district(self, slug: str, name: str, kind: str = "district", *, schools=None,
                        urbanicity=None, frl_percent=None, years_scaling=None, engaged_percent=None,
                        synthetic: bool = False) -> District:
        """Add a district (or CMO, private network, other system). The slug must be new."""
        row = v.district_fields(slug=slug, name=name, kind=kind, schools=schools, urbanicity=urbanicity,
                                frl_percent=frl_percent, years_scaling=years_scaling, engaged_percent=engaged_percent)
        self.transaction(lambda conn: self._insert_district(conn, row, synthetic=synthetic, stamp=now()), write=True)
        return self.district(row["slug"])

    @staticmethod
    def _insert_district(conn, row: dict, *, synthetic: bool, stamp) -> int:
        """Insert a checked district row (``validation.district_fields``) unless its slug is taken; its id."""
        if conn.execute(sa.select(t.districts.c.id).where(t.districts.c.slug == row["slug"])).first():
            raise InvalidInput(f"A district with the slug {row['slug']!r} already exists.")
        res = conn.execute(t.districts.insert().values(**row, synthetic=synthetic, created_at=stamp))
        return res.inserted_primary_key[0]

    def district(self, slug: str) -> District:
        """The district with this slug, or :class:`NotFound` in plain words."""
        row = self.transaction(lambda c: c.execute(sa.select(t.districts).where(t.districts.c.slug == slug)).first())
        if row is None:
            raise NotFound(f"There is no district called {slug!r} in this workbook. Check the link you were given.")
        return record(District, row)

    def districts(self) -> list[District]:
        """Every district, in slug order."""
        rows = self.transaction(lambda c: c.execute(sa.select(t.districts).order_by(t.districts.c.slug)).all())
        return [record(District, r) for r in rows]

    def district_by_id(self, district_id: int) -> District:
        """The district with id ``district_id``; NotFound if there is none."""
        row = self.transaction(lambda c: c.execute(sa.select(t.districts)
                                                   .where(t.districts.c.id == district_id)).first())
        if row is None:
            raise NotFound(f"There is no district with id {district_id}.")
        return record(District, row)

    # ------------------------------------------------------------ sessions
    def create_session(self, district_slug: str, label: str, held_on: dt.date | None = None, *,
                       min_group_size: int | None = None, show_authors: bool | None = None,
                       max_priorities: int | None = None, follows: int | None = None) -> Session:
        """Start a reflection round for a district; it gets fresh join and facilitator codes.

        ``max_priorities`` is how many conditions each member picks as priorities in Step 1 (the guide leaves
        the number to the team; the workbook's default is three). ``follows`` makes it the follow-up of an
        earlier session of the same district: the same team looking again, starting from that session's agreed
        marks and plan; its privacy settings and number of priorities are the earlier session's unless given.
        """
        district = self.district(district_slug)
        label = v.text(label, "session label", max_len=200, required=True)
        earlier = None
        if follows not in (None, ""):
            earlier = self.session(follows)
            if earlier.district_id != district.id:
                raise InvalidInput(f"Session {earlier.id} ({earlier.label!r}) belongs to another district, so "
                                   f"{district.name}'s new session cannot follow it up.")
        if min_group_size is None:
            min_group_size = earlier.min_group_size if earlier else 5
        if show_authors is None:
            show_authors = earlier.show_authors if earlier else False
        if max_priorities is None:
            max_priorities = earlier.max_priorities if earlier else v.MAX_PRIORITIES
        min_group_size = v.integer(min_group_size, "minimum group size", 1, 100)
        max_priorities = v.integer(max_priorities, "number of priorities", 1, v.PRIORITIES_MOST)
        return self.session(self.transaction(lambda conn: self._insert_session(
            conn, district.id, label, held_on or dt.date.today(), min_group_size=min_group_size,
            show_authors=show_authors, max_priorities=max_priorities, stamp=now(),
            follows=earlier.id if earlier else None), write=True))

    @staticmethod
    def _insert_session(conn, district_id: int, label: str, held_on: dt.date, *, min_group_size: int,
                        show_authors: bool, stamp, max_priorities: int = v.MAX_PRIORITIES,
                        follows: int | None = None) -> int:
        """Insert a session with fresh join and facilitator codes; its id."""
        res = conn.execute(t.sessions.insert().values(
            district_id=district_id, label=label, held_on=held_on,
            join_code=codes.join_code(), facilitator_code=codes.facilitator_code(),
            min_group_size=min_group_size, show_authors=bool(show_authors), max_priorities=max_priorities,
            follows_session_id=follows, created_at=stamp))
        return res.inserted_primary_key[0]

    def session(self, session_id: int) -> Session:
        """The session ``session_id``; NotFound if this workbook has none."""
        sid = v.integer(session_id, "session", 1, 2**62)
        row = self.transaction(lambda c: c.execute(sa.select(t.sessions).where(t.sessions.c.id == sid)).first())
        if row is None:
            raise NotFound(f"There is no session {session_id} in this workbook.")
        return record(Session, row)

    def sessions(self, district_slug: str) -> list[Session]:
        """A district's sessions, oldest first (by date held, then id)."""
        district = self.district(district_slug)
        rows = self.transaction(lambda c: c.execute(
            sa.select(t.sessions).where(t.sessions.c.district_id == district.id)
            .order_by(t.sessions.c.held_on, t.sessions.c.id)).all())
        return [record(Session, r) for r in rows]

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

    def followed(self, session: Session) -> Session | None:
        """The earlier session this one follows up, or None (a first session, or the earlier one was deleted)."""
        if not session.follows_session_id:
            return None
        try:
            earlier = self.session(session.follows_session_id)
        except NotFound:
            return None
        return earlier if earlier.district_id == session.district_id else None

    def set_current_step(self, session: Session, code: str | None, step: str | None) -> Session:
        """Move the room to a step of the run of show (facilitator only; None before the start); the session."""
        session = self._facilitator(session, code)
        step = v.step_id(step)
        self.transaction(lambda c: c.execute(t.sessions.update().where(t.sessions.c.id == session.id)
                                             .values(current_step=step)), write=True)
        return self.session(session.id)

    def current_step(self, session_id: int) -> str | None:
        """The step of the run of show the room is on (read fresh: members' pages poll it)."""
        return self.transaction(lambda c: c.execute(sa.select(t.sessions.c.current_step)
                                                    .where(t.sessions.c.id == session_id)).scalar())

    def set_priorities(self, session_id: int, count) -> Session:
        """Set how many priorities each member picks in Step 1 (1 to 16); the session.

        Unlike the privacy settings it may change after members join, but never below what a member has
        already picked (nothing saved is dropped): :class:`InvalidInput` names the most picked and writes nothing.
        """
        count = v.integer(count, "number of priorities", 1, v.PRIORITIES_MOST)
        current = self.session(session_id)

        def fn(conn):
            most = conn.execute(
                sa.select(sa.func.count()).select_from(t.condition_marks.join(
                    t.respondents, t.respondents.c.id == t.condition_marks.c.respondent_id))
                .where(t.respondents.c.session_id == current.id, t.condition_marks.c.priority.is_(True))
                .group_by(t.condition_marks.c.respondent_id).order_by(sa.func.count().desc()).limit(1)).scalar()
            if most and most > count:
                raise InvalidInput(f"Session {current.id} ({current.label!r}): a member has already picked {most} "
                                   f"priorities, so the number cannot go below {most}. Ask them to unpick first.")
            conn.execute(t.sessions.update().where(t.sessions.c.id == current.id).values(max_priorities=count))
        self.transaction(fn, write=True)
        return self.session(session_id)

    def update_session(self, session_id: int, *, min_group_size=None, show_authors=None) -> Session:
        """Change a session's minimum group size and whether authors are shown (either or both); the session.

        Members join under the settings they were shown (names or roles; the smallest group shown), so once a
        member has joined they no longer change: :class:`InvalidInput` says so and nothing is written.
        """
        values = {}
        if min_group_size is not None:
            values["min_group_size"] = v.integer(min_group_size, "minimum group size", 1, 100)
        if show_authors is not None:
            values["show_authors"] = bool(show_authors)
        current = self.session(session_id)
        values = {k: x for k, x in values.items() if getattr(current, k) != x}
        if values and self.respondents(session_id):
            shown = "names" if current.show_authors else "roles, not names"
            raise InvalidInput(
                f"Session {session_id} ({current.label!r}): members joined under its privacy settings (they see "
                f"{shown}; groups smaller than {current.min_group_size} are not shown by role), so they no longer "
                "change. Start a new session for different settings.")
        if values:
            self.transaction(lambda c: c.execute(t.sessions.update().where(t.sessions.c.id == session_id)
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
        return self.respondent(self.transaction(
            lambda conn: self._insert_respondent(conn, session_id, name, role, token=token, stamp=now()), write=True))

    @staticmethod
    def _insert_respondent(conn, session_id: int, name: str, role: str, *, token: str, stamp) -> int:
        """Insert a member with this personal token; their id."""
        res = conn.execute(t.respondents.insert().values(
            session_id=session_id, token=token, name=name, role=role, created_at=stamp, updated_at=stamp))
        return res.inserted_primary_key[0]

    def respondent(self, respondent_id: int) -> Respondent:
        """The team member with id ``respondent_id``; NotFound if there is none."""
        query = sa.select(t.respondents).where(t.respondents.c.id == respondent_id)
        row = self.transaction(lambda c: c.execute(query).first())
        if row is None:
            raise NotFound(f"There is no team member {respondent_id}.")
        return record(Respondent, row)

    def respondent_by_token(self, session_id: int, token: str) -> Respondent:
        """The member whose personal link carries ``token`` in this session."""
        row = self.transaction(lambda c: c.execute(sa.select(t.respondents).where(
            t.respondents.c.token == str(token or ""), t.respondents.c.session_id == session_id)).first())
        if row is None:
            raise AccessDenied("This personal link is not valid for this session. Open the team's join link from your "
                               "facilitator and enter your name to start again.")
        return record(Respondent, row)

    def respondents(self, session_id: int) -> list[Respondent]:
        """A session's team members, in id order."""
        rows = self.transaction(lambda c: c.execute(sa.select(t.respondents).where(
            t.respondents.c.session_id == session_id).order_by(t.respondents.c.id)).all())
        return [record(Respondent, r) for r in rows]

    def update_respondent(self, respondent: Respondent, *, name=None, role=None) -> Respondent:
        """Change a member's name or role (checked against the store first); the member as stored."""
        respondent = self._member(respondent)
        values: dict[str, object] = {"updated_at": now()}
        if name is not None:
            values["name"] = v.text(name, "name", max_len=120, required=True)
        if role is not None:
            values["role"] = v.role(role)
        self.transaction(lambda c: c.execute(t.respondents.update().where(t.respondents.c.id == respondent.id)
                                             .values(**values)), write=True)
        return self.respondent(respondent.id)

    # ------------------------------------------------------------ who may write (used by every part)
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
