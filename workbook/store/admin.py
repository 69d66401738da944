"""Whole sessions and districts at once.

A session's rows for an export, an import written in one transaction, a district deleted with everything
of it, and fictional districts added in bulk.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ..content import codes
from ..content.validation import MAX_PRIORITIES
from . import schema
from .base import District, StoreBase, now

t = schema.tables
SESSION_PARTS = ("notes", "team_marks", "plan_areas", "action_items")
"""The tables keyed by session that :meth:`Admin.session_rows` reads whole (besides members and their marks)."""


def _bulk(conn, table: sa.Table, rows: list[dict]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


class Admin(StoreBase):
    """Data in and out of the workbook in bulk. Uses the accounts part's inserts for districts, sessions, members."""

    if TYPE_CHECKING:  # what this part uses of the accounts part (:class:`~.accounts.Accounts`; Store has both)
        def district(self, slug: str) -> District:
            """The district with this slug, or NotFound."""
            ...

        @staticmethod
        def _insert_district(conn, row: dict, *, synthetic: bool, stamp) -> int: ...

        @staticmethod
        def _insert_session(conn, district_id: int, label: str, held_on: dt.date, *, min_group_size: int,
                            show_authors: bool, stamp, max_priorities: int = MAX_PRIORITIES,
                            follows: int | None = None) -> int: ...

        @staticmethod
        def _insert_respondent(conn, session_id: int, name: str, role: str, *, token: str, stamp) -> int: ...

    def count_districts(self) -> int:
        """How many districts the store holds."""
        return self.transaction(lambda c: c.execute(sa.select(sa.func.count()).select_from(t.districts))
                                .scalar_one())

    def session_rows(self, session_id: int) -> dict[str, list]:
        """Every row of one session, read in one transaction, as rows with the tables' column names.

        Keys: ``members`` (id, name, role, in id order), ``spectrum_marks`` and ``condition_marks`` (of those
        members) and each of :data:`SESSION_PARTS` (deleted action items included).
        """
        def fn(conn):
            people = conn.execute(sa.select(t.respondents.c.id, t.respondents.c.name, t.respondents.c.role).where(
                t.respondents.c.session_id == session_id).order_by(t.respondents.c.id)).all()
            rids = sa.select(t.respondents.c.id).where(t.respondents.c.session_id == session_id)
            out = {"members": people}
            for name in ("spectrum_marks", "condition_marks"):
                table = getattr(t, name)
                out[name] = conn.execute(sa.select(table).where(table.c.respondent_id.in_(rids))).all()
            for name in SESSION_PARTS:
                table = getattr(t, name)
                out[name] = conn.execute(sa.select(table).where(table.c.session_id == session_id)).all()
            return out
        return self.transaction(fn)

    def import_rows(self, *, members: dict[str, tuple[str, str]], district_id: int | None = None,
                    district: dict | None = None, session_id: int | None = None, session: dict | None = None,
                    spectrum_marks=(), condition_marks=(), notes=(), team_marks=(), plan_areas=(),
                    action_items=()) -> int:
        """Write checked rows of one session in one transaction (all or nothing); returns the session's id.

        The rows go into session ``session_id``, or into a new session (``session``: label, held_on,
        min_group_size, show_authors) of district ``district_id``, or of a new district (``district``: the
        fields of ``validation.district_fields``; its slug must be new). ``members`` maps each member's key
        to (name, role); every member is added with a fresh personal token, and rows name their member by
        that key (``member``; a note's empty member is the team's answer). Rows carry the tables' column
        names otherwise. Notes and team marks replace the session's; plan areas replace the session's when
        there are any; action items are added (an empty ``position`` becomes the item's place in the list).
        New sessions get fresh join and facilitator codes; every row is stamped with the same time.
        """
        def fn(conn):
            stamp = now()
            sid = session_id
            if sid is None:
                if session is None:
                    raise TypeError("import_rows needs session_id, or session: the fields of a new session")
                did = district_id
                if did is None:
                    if district is None:
                        raise TypeError("import_rows needs district_id, or district: the fields of a new district")
                    did = self._insert_district(conn, district, synthetic=False, stamp=stamp)
                sid = self._insert_session(conn, did, session["label"], session["held_on"],
                                           min_group_size=session["min_group_size"],
                                           show_authors=session["show_authors"], stamp=stamp,
                                           max_priorities=session.get("max_priorities", MAX_PRIORITIES))
            ids = {key: self._insert_respondent(conn, sid, name, role, token=codes.member_token(), stamp=stamp)
                   for key, (name, role) in members.items()}
            _bulk(conn, t.spectrum_marks, [{"respondent_id": ids[r["member"]], "spectrum_id": r["spectrum_id"],
                                            "current": r["current"], "aspiration": r["aspiration"],
                                            "updated_at": stamp} for r in spectrum_marks])
            _bulk(conn, t.condition_marks, [{"respondent_id": ids[r["member"]], "condition_id": r["condition_id"],
                                             "rating": r["rating"], "priority": r["priority"], "updated_at": stamp}
                                            for r in condition_marks])
            for r in notes:
                self.upsert(conn, t.notes, {"session_id": sid, "respondent_id": ids.get(r["member"], 0),
                                            "question_id": r["question_id"]},
                            {"text": r["text"], "updated_at": stamp})
            for r in team_marks:
                self.upsert(conn, t.team_marks, {"session_id": sid, "spectrum_id": r["spectrum_id"]},
                            {"current": r["current"], "aspiration": r["aspiration"], "updated_at": stamp})
            if plan_areas:
                conn.execute(t.plan_areas.delete().where(t.plan_areas.c.session_id == sid))
                _bulk(conn, t.plan_areas, [{"session_id": sid, "condition_id": r["condition_id"],
                                            "position": r["position"], "updated_at": stamp} for r in plan_areas])
            _bulk(conn, t.action_items, [
                {"session_id": sid, "condition_id": r["condition_id"], "horizon": r["horizon"],
                 "position": i if r["position"] is None else r["position"], "text": r["text"],
                 "timeline": r["timeline"], "owner": r["owner"], "done": r["done"], "deleted": False,
                 "review_on": r.get("review_on"), "updated_at": stamp} for i, r in enumerate(action_items)])
            return sid
        return self.transaction(fn, write=True)

    def delete_district(self, slug: str) -> dict:
        """Remove a district and every row of its sessions in one transaction; returns rows deleted per table."""
        district = self.district(slug)

        def fn(conn):
            sids = sa.select(t.sessions.c.id).where(t.sessions.c.district_id == district.id)
            rids = sa.select(t.respondents.c.id).where(t.respondents.c.session_id.in_(sids))
            counts = {}
            for name, col, sub in (("spectrum_marks", "respondent_id", rids),
                                   ("condition_marks", "respondent_id", rids),
                                   ("notes", "session_id", sids), ("team_marks", "session_id", sids),
                                   ("plan_areas", "session_id", sids), ("action_items", "session_id", sids),
                                   ("respondents", "session_id", sids)):
                table = getattr(t, name)
                counts[name] = conn.execute(table.delete().where(table.c[col].in_(sub))).rowcount
            counts["sessions"] = conn.execute(t.sessions.delete()
                                              .where(t.sessions.c.district_id == district.id)).rowcount
            counts["districts"] = conn.execute(t.districts.delete().where(t.districts.c.id == district.id)).rowcount
            return counts
        return self.transaction(fn, write=True)

    def add_districts_in_bulk(self, districts: list[dict]) -> int:
        """Add whole districts at once, in one transaction: for fictional networks and scale tests.

        Each district is a dict of its columns (slug, name, kind, schools, urbanicity, frl_percent,
        years_scaling, synthetic) plus ``sessions``: dicts of label, held_on, min_group_size, show_authors and
        ``members``, each a dict of name, role and ``marks`` ({spectrum id: (current, aspiration)}). Sessions
        get fresh codes and members fresh tokens. Returns the number of districts added.
        """
        def fn(conn):
            stamp = now()
            for d in districts:
                row = {k: val for k, val in d.items() if k not in ("sessions", "synthetic")}
                did = self._insert_district(conn, row, synthetic=d.get("synthetic", False), stamp=stamp)
                for s in d["sessions"]:
                    sid = self._insert_session(conn, did, s["label"], s["held_on"],
                                               min_group_size=s["min_group_size"], show_authors=s["show_authors"],
                                               stamp=stamp)
                    people = s["members"]
                    _bulk(conn, t.respondents, [{"session_id": sid, "token": codes.member_token(), "name": m["name"],
                                                 "role": m["role"], "created_at": stamp, "updated_at": stamp}
                                                for m in people])
                    ids = conn.execute(sa.select(t.respondents.c.id).where(t.respondents.c.session_id == sid)
                                       .order_by(t.respondents.c.id)).scalars().all()
                    _bulk(conn, t.spectrum_marks, [
                        {"respondent_id": rid, "spectrum_id": spectrum, "current": current, "aspiration": aspiration,
                         "updated_at": stamp}
                        for rid, m in zip(ids, people) for spectrum, (current, aspiration) in m["marks"].items()])
            return len(districts)
        return self.transaction(fn, write=True)
