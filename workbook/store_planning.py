"""The store's Step 1, Step 2, desired-outcome and network queries (mixed into :class:`~workbook.store.Store`).

Kept apart from the core store so each module stays readable; every method runs
through the core's ``_run`` (one transaction, lock up front, retries) and re-checks
membership and codes like the rest of the store.
"""

from __future__ import annotations

import functools
import json
import secrets
import statistics

import sqlalchemy as sa

from . import codes, schema
from . import validation as v
from .errors import AccessDenied, InvalidInput, NotFound

t = schema.tables


def now():
    from .store import now as _now

    return _now()


class PlanningQueries:
    """Conditions for scale, the action plan, desired outcomes and the network view."""

    # ------------------------------------------------------------ conditions for scale (Step 1)
    MAX_PRIORITIES = v.MAX_PRIORITIES

    def save_condition_rating(self, respondent, condition_id: str, rating) -> None:
        """One member's Step 1 mark for a condition: 1 (not aligned at all) .. 5 (fully aligned), steps of 0.5."""
        condition_id = v.condition_id(condition_id)
        rating = None if rating is None else v.rating(rating, f"rating for {condition_id}")
        member = self._member(respondent)
        self._run(lambda c: self._upsert(c, t.condition_marks,
                                         {"respondent_id": member.id, "condition_id": condition_id},
                                         {"rating": rating, "updated_at": now()}), write=True)

    def save_priority(self, respondent, condition_id: str, chosen: bool) -> None:
        """Pick or unpick a condition as one of this member's (at most three) priorities."""
        condition_id = v.condition_id(condition_id)
        member = self._member(respondent)

        def fn(conn):
            if chosen:
                picked = conn.execute(sa.select(t.condition_marks.c.condition_id).where(
                    t.condition_marks.c.respondent_id == member.id, t.condition_marks.c.priority.is_(True))).scalars()
                others = [p for p in picked if p != condition_id]
                if len(others) >= self.MAX_PRIORITIES:
                    raise InvalidInput(f"You can pick up to {self.MAX_PRIORITIES} priorities; unpick one first.")
            self._upsert(conn, t.condition_marks, {"respondent_id": member.id, "condition_id": condition_id},
                         {"priority": bool(chosen), "updated_at": now()})
        self._run(fn, write=True)

    def condition_marks(self, session_id: int):
        """Every member's Step 1 marks: respondent_id, name, role, condition, rating, priority."""
        import pandas as pd

        q = (sa.select(t.respondents.c.id.label("respondent_id"), t.respondents.c.name, t.respondents.c.role,
                       t.condition_marks.c.condition_id.label("condition"), t.condition_marks.c.rating,
                       t.condition_marks.c.priority)
             .select_from(t.respondents.join(t.condition_marks,
                                             t.condition_marks.c.respondent_id == t.respondents.c.id))
             .where(t.respondents.c.session_id == session_id)
             .order_by(t.respondents.c.id, t.condition_marks.c.condition_id))
        rows = self._run(lambda c: c.execute(q).all())
        frame = pd.DataFrame(rows, columns=["respondent_id", "name", "role", "condition", "rating", "priority"])
        frame["rating"] = frame["rating"].astype(float)
        frame["priority"] = frame["priority"].astype(bool)
        return frame

    # ------------------------------------------------------------ action plan (Step 2)
    def plan_areas(self, session_id: int) -> list[str]:
        """The priority conditions the team plans for, in order."""
        rows = self._run(lambda c: c.execute(sa.select(t.plan_areas.c.condition_id).where(
            t.plan_areas.c.session_id == session_id).order_by(t.plan_areas.c.position)).scalars().all())
        return list(rows)

    def set_plan_areas(self, session, code: str, condition_ids: list[str]) -> None:
        """Replace the plan's priority conditions, or whole layers (facilitator only)."""
        session = self._facilitator(session, code)
        ids = [v.plan_area_id(c) for c in condition_ids]
        if len(set(ids)) != len(ids):
            raise InvalidInput("A condition or layer can appear only once in the plan.")

        def fn(conn):
            conn.execute(t.plan_areas.delete().where(t.plan_areas.c.session_id == session.id))
            for i, cid in enumerate(ids):
                conn.execute(t.plan_areas.insert().values(session_id=session.id, condition_id=cid, position=i,
                                                          updated_at=now()))
        self._run(fn, write=True)

    def add_action_item(self, session, code: str, condition_id: str, horizon: str, text: str,
                        timeline: str = "", owner: str = "") -> int:
        """Add an action item at the end of its horizon; returns its id."""
        session = self._facilitator(session, code)
        row = v.action_item(condition_id=condition_id, horizon=horizon, text=text, timeline=timeline, owner=owner)

        def fn(conn):
            last = conn.execute(sa.select(sa.func.max(t.action_items.c.position)).where(
                t.action_items.c.session_id == session.id, t.action_items.c.condition_id == row["condition_id"],
                t.action_items.c.horizon == row["horizon"])).scalar()
            res = conn.execute(t.action_items.insert().values(
                session_id=session.id, position=(last + 1) if last is not None else 0, done=False, deleted=False,
                updated_at=now(), **row))
            return res.inserted_primary_key[0]
        return self._run(fn, write=True)

    def _item(self, conn, session, item_id: int):
        row = conn.execute(sa.select(t.action_items).where(t.action_items.c.id == item_id,
                                                           t.action_items.c.session_id == session.id)).first()
        if row is None:
            raise NotFound(f"There is no action item {item_id} in this session.")
        return row

    def update_action_item(self, session, code: str, item_id: int, **fields) -> None:
        """Edit an item's text, timeline, owner, done or deleted flag (deleted items can be restored)."""
        session = self._facilitator(session, code)
        values = {}
        for key, val in fields.items():
            if key == "text":
                values[key] = v.text(val, "action item", max_len=2000, required=True)
            elif key in ("timeline", "owner"):
                values[key] = v.text(val, key, max_len=200, required=False)
            elif key in ("done", "deleted"):
                values[key] = bool(val)
            else:
                raise InvalidInput(f"{key!r} is not a field of an action item.")

        def fn(conn):
            self._item(conn, session, item_id)
            conn.execute(t.action_items.update().where(t.action_items.c.id == item_id)
                         .values(**values, updated_at=now()))
        self._run(fn, write=True)

    def move_action_item(self, session, code: str, item_id: int, step: int) -> None:
        """Move an item up (step -1) or down (+1) within its horizon."""
        session = self._facilitator(session, code)

        def fn(conn):
            item = self._item(conn, session, item_id)
            siblings = conn.execute(sa.select(t.action_items.c.id).where(
                t.action_items.c.session_id == session.id, t.action_items.c.condition_id == item.condition_id,
                t.action_items.c.horizon == item.horizon, t.action_items.c.deleted.is_(False))
                .order_by(t.action_items.c.position, t.action_items.c.id)).scalars().all()
            i = siblings.index(item_id)
            j = max(0, min(len(siblings) - 1, i + step))
            siblings.insert(j, siblings.pop(i))
            for pos, ident in enumerate(siblings):
                conn.execute(t.action_items.update().where(t.action_items.c.id == ident).values(position=pos))
        self._run(fn, write=True)

    def action_items(self, session_id: int, include_deleted: bool = False):
        """The plan's action items: id, condition, horizon, position, text, timeline, owner, done, deleted."""
        import pandas as pd

        q = sa.select(t.action_items.c.id, t.action_items.c.condition_id.label("condition"), t.action_items.c.horizon,
                      t.action_items.c.position, t.action_items.c.text, t.action_items.c.timeline,
                      t.action_items.c.owner, t.action_items.c.done, t.action_items.c.deleted
                      ).where(t.action_items.c.session_id == session_id)
        if not include_deleted:
            q = q.where(t.action_items.c.deleted.is_(False))
        q = q.order_by(t.action_items.c.condition_id, t.action_items.c.horizon, t.action_items.c.position,
                       t.action_items.c.id)
        rows = self._run(lambda c: c.execute(q).all())
        return pd.DataFrame(rows, columns=["id", "condition", "horizon", "position", "text", "timeline", "owner",
                                           "done", "deleted"])

    # ------------------------------------------------------------ desired outcomes (Reflection Guide 1)
    MAX_OUTCOMES = 8

    def desired_outcomes(self, session_id: int) -> list[str]:
        """The team's agreed desired outcomes, in order (empty entries dropped)."""
        notes = self.notes(session_id)
        rows = notes[(notes["respondent_id"] == 0) & notes["question_id"].str.startswith("outcome.")].copy()
        rows["n"] = rows["question_id"].str.split(".").str[1].astype(int)
        return [x for x in rows.sort_values("n")["text"] if x.strip()]

    def save_outcome(self, session_id: int, index: int, text: str) -> None:
        index = v.integer(index, "outcome number", 1, self.MAX_OUTCOMES)
        self.save_note(session_id, f"outcome.{index}", text)

    # ------------------------------------------------------------ settings of the whole workbook
    def secret(self, key: str, nbytes: int = 12) -> str:
        """A random secret stored under ``key`` (made on first use, the same ever after)."""
        def fn(conn):
            row = conn.execute(sa.select(t.settings.c.value).where(t.settings.c.key == key)).first()
            if row:
                return row.value
            # several servers starting at once on one store (a convening) may all get here: the first one's wins
            conn.execute(schema.insert(conn, t.settings).values(key=key, value=codes.secret(nbytes))
                         .on_conflict_do_nothing(index_elements=["key"]))
            return conn.execute(sa.select(t.settings.c.value).where(t.settings.c.key == key)).scalar_one()
        return self._run(fn, write=True)

    def setting(self, key: str) -> str | None:
        """A stored setting, or None."""
        row = self._run(lambda c: c.execute(sa.select(t.settings.c.value).where(t.settings.c.key == key)).first())
        return None if row is None else row.value

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting (replacing an earlier value)."""
        self._run(lambda c: self._upsert(c, t.settings, {"key": key}, {"value": str(value)}), write=True)

    # ------------------------------------------------------------ network (coaches)
    def coach_code(self) -> str:
        """The code that opens the network view of every district (made on first use)."""
        return self.secret("coach_code")

    def check_coach_code(self, code: str | None) -> None:
        if not code or not secrets.compare_digest(str(code), self.coach_code()):
            raise AccessDenied("The network view needs the coach's link (it carries the coach's code).")

    def network_marks(self, latest_only: bool = True):
        """Spectrum marks of every district (each one's latest session by default), one row per member mark.

        Columns: district, session_id, held_on, respondent_id, role, spectrum, current, aspiration.
        """
        import pandas as pd

        s, d, r, m = t.sessions, t.districts, t.respondents, t.spectrum_marks
        q = (sa.select(d.c.slug.label("district"), s.c.id.label("session_id"), s.c.held_on,
                       r.c.id.label("respondent_id"), r.c.role, m.c.spectrum_id.label("spectrum"), m.c.current,
                       m.c.aspiration)
             .select_from(d.join(s, s.c.district_id == d.c.id).join(r, r.c.session_id == s.c.id)
                          .join(m, m.c.respondent_id == r.c.id)))
        if latest_only:
            latest = (sa.select(s.c.district_id, sa.func.max(s.c.id).label("sid")).group_by(s.c.district_id)
                      .subquery())
            q = q.where(s.c.id.in_(sa.select(latest.c.sid)))
        rows = self._run(lambda c: c.execute(q).all())
        frame = pd.DataFrame(rows, columns=["district", "session_id", "held_on", "respondent_id", "role", "spectrum",
                                            "current", "aspiration"])
        frame[["current", "aspiration"]] = frame[["current", "aspiration"]].astype(float)
        return frame

    def network_summaries(self):
        """Each district's latest session in a few numbers: one dict per district that has a session.

        Keys: district (slug), session_id, members (members with at least one "now" mark) and medians
        ({spectrum id: median "now" mark}, spectra nobody marked left out).

        Summaries are kept in ``session_summaries`` and reused while the session's marks are unchanged:
        triggers count every write to a session's marks (``marks_revision``), and a summary computed at an
        older count is recomputed from that session's marks alone, then stored for the next caller. A cold
        store therefore pays for every session once; afterwards only sessions whose marks changed are read.
        """
        return self.network_view()[1]

    def network_view(self):
        """What the network overview reads, in one pass over the districts: ``(district_table(), summaries)``.

        ``summaries`` as :meth:`network_summaries` returns them.
        """
        import pandas as pd

        s, d, ss = t.sessions, t.districts, t.session_summaries
        latest = sa.select(s.c.district_id, sa.func.max(s.c.id).label("sid")).group_by(s.c.district_id).subquery()
        q = (sa.select(*[d.c[name] for name in _DISTRICT_COLUMNS], latest.c.sid, ss.c.marks_revision,
                       ss.c.summary_revision, ss.c.members, ss.c.current_medians)
             .select_from(d.outerjoin(latest, latest.c.district_id == d.c.id)
                          .outerjoin(ss, ss.c.session_id == latest.c.sid))
             .order_by(d.c.slug))
        width = len(_DISTRICT_COLUMNS)

        def read(conn):
            # revisions first, marks second: a write landing in between makes the stored summary look old
            # (recomputed next time), never a new-looking summary of old marks
            rows = conn.execute(q).all()
            stale = {r[width]: r[width + 1] for r in rows
                     if r[width] is not None and (r[width + 2] is None or r[width + 2] != r[width + 1])}
            return rows, stale, _current_marks(conn, sorted(stale))

        rows, stale, marks = self._run(read)
        fresh = {sid: _summarise(marks.get(sid, [])) for sid in stale}
        if fresh:
            self._run(lambda conn: _store_summaries(conn, stale, fresh), write=True)
        out = []
        for r in rows:
            sid, members, medians = r[width], r[width + 3], r[width + 4]
            if sid is None:
                continue
            if sid in fresh:
                members, medians = fresh[sid][0], dict(fresh[sid][1])
            else:
                medians = dict(_parse_medians(medians))
            out.append({"district": r[0], "session_id": sid, "members": members, "medians": medians})
        table = pd.DataFrame([r[:width] for r in rows], columns=list(_DISTRICT_COLUMNS)).set_index("slug")
        return table, out

    def district_table(self):
        """Every district's segments: slug (index), name, kind, schools, urbanicity, frl_percent, years_scaling."""
        import pandas as pd

        q = sa.select(*[t.districts.c[name] for name in _DISTRICT_COLUMNS])
        rows = self._run(lambda conn: conn.execute(q).all())
        return pd.DataFrame(rows, columns=list(_DISTRICT_COLUMNS)).set_index("slug")


_CHUNK = 500  # session ids per IN (...) list
_DISTRICT_COLUMNS = ("slug", "name", "kind", "schools", "urbanicity", "frl_percent", "years_scaling", "synthetic")


def _current_marks(conn, session_ids: list[int]) -> dict[int, list]:
    """The "now" marks of these sessions: {session id: [(respondent id, spectrum id, mark), ...]}."""
    r, m = t.respondents, t.spectrum_marks
    out: dict[int, list] = {}
    for i in range(0, len(session_ids), _CHUNK):
        q = (sa.select(r.c.session_id, m.c.respondent_id, m.c.spectrum_id, m.c.current)
             .select_from(r.join(m, m.c.respondent_id == r.c.id))
             .where(r.c.session_id.in_(session_ids[i:i + _CHUNK]), m.c.current.is_not(None)))
        for row in conn.execute(q).all():  # fetched at once: row by row costs three times as much
            out.setdefault(row[0], []).append(row[1:])
    return out


@functools.lru_cache(maxsize=20_000)
def _parse_medians(text: str) -> tuple:
    """A stored summary's medians as (spectrum, median) pairs; parsed once per distinct text in a process."""
    return tuple(json.loads(text).items())


def _summarise(marks: list) -> tuple[int, dict]:
    """Members who marked "now" and the median "now" mark per spectrum, from (respondent, spectrum, mark)."""
    by_spectrum: dict[str, list[float]] = {}
    for _rid, spectrum, mark in marks:
        by_spectrum.setdefault(spectrum, []).append(float(mark))
    medians = {spectrum: float(statistics.median(values)) for spectrum, values in sorted(by_spectrum.items())}
    return len({rid for rid, _s, _m in marks}), medians


def _store_summaries(conn, revisions: dict[int, int | None], fresh: dict[int, tuple]) -> None:
    """Keep each new summary under the revision it was computed at, unless the marks changed meanwhile.

    ``revisions`` holds the marks_revision read before the marks (None: the session had no row yet).
    """
    ss, s = t.session_summaries, t.sessions
    rows = [{"sid": sid, "rev": revisions[sid] or 0, "n": fresh[sid][0],
             "json": json.dumps(fresh[sid][1], sort_keys=True)} for sid in sorted(fresh)]
    summary = {"summary_revision": sa.bindparam("rev", type_=sa.Integer),
               "members": sa.bindparam("n", type_=sa.Integer), "current_medians": sa.bindparam("json", type_=sa.Text)}
    known = [r for r in rows if revisions[r["sid"]] is not None]
    if known:  # still at the revision we read, or a write came in between and it stays stale
        conn.execute(ss.update().where(ss.c.session_id == sa.bindparam("sid", type_=sa.Integer),
                                       ss.c.marks_revision == sa.bindparam("rev", type_=sa.Integer))
                     .values(**summary), known)
    new = [r for r in rows if revisions[r["sid"]] is None]
    if new:  # no row yet: add one at revision 0 unless a write made one meanwhile or the session is gone
        pick = (sa.select(s.c.id, sa.literal(0, sa.Integer), *summary.values())
                .where(s.c.id == sa.bindparam("sid", type_=sa.Integer)))
        stmt = schema.insert(conn, ss).from_select(["session_id", "marks_revision", *summary], pick)
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["session_id"]), new)
