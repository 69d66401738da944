"""The whole workbook: its settings and secrets, the coach's code, and the network view across districts."""

from __future__ import annotations

import functools
import json
import secrets

import sqlalchemy as sa

from ..analysis import median
from ..content import codes
from ..content.errors import AccessDenied
from ..content.validation import NETWORK_MIN_GROUP
from . import schema
from .base import StoreBase

t = schema.tables


class Network(StoreBase):
    """Settings of the whole workbook and what the coaches see of every district."""

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
        return self.transaction(fn, write=True)

    def setting(self, key: str) -> str | None:
        """A stored setting, or None."""
        row = self.transaction(lambda c: c.execute(sa.select(t.settings.c.value)
                                                   .where(t.settings.c.key == key)).first())
        return None if row is None else row.value

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting (replacing an earlier value)."""
        self.transaction(lambda c: self.upsert(c, t.settings, {"key": key}, {"value": str(value)}), write=True)

    # ------------------------------------------------------------ network (coaches)
    def coach_code(self) -> str:
        """The code that opens the network view of every district (made on first use)."""
        return self.secret("coach_code")

    def check_coach_code(self, code: str | None) -> None:
        """Raise AccessDenied unless ``code`` is the coach's code."""
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
        rows = self.transaction(lambda c: c.execute(q).all())
        frame = pd.DataFrame(rows, columns=pd.Index(["district", "session_id", "held_on", "respondent_id", "role",
                                                     "spectrum", "current", "aspiration"]))
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
            return rows, stale, _current_marks(conn, sorted(stale)), _min_groups(conn, sorted(stale))

        rows, stale, marks, groups = self.transaction(read)
        fresh = {sid: _summarise(marks.get(sid, []), groups.get(sid, NETWORK_MIN_GROUP)) for sid in stale}
        if fresh:
            self.transaction(lambda conn: _store_summaries(conn, stale, fresh), write=True)
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
        table = pd.DataFrame([r[:width] for r in rows], columns=pd.Index(_DISTRICT_COLUMNS)).set_index("slug")
        return table, out

    def district_table(self):
        """Every district's segments: slug (index), name, kind, schools, urbanicity, frl_percent, years_scaling."""
        import pandas as pd

        q = sa.select(*[t.districts.c[name] for name in _DISTRICT_COLUMNS])
        rows = self.transaction(lambda conn: conn.execute(q).all())
        return pd.DataFrame(rows, columns=pd.Index(_DISTRICT_COLUMNS)).set_index("slug")


_CHUNK = 500  # session ids per IN (...) list
_DISTRICT_COLUMNS = ("slug", "name", "kind", "schools", "urbanicity", "frl_percent", "years_scaling", "synthetic",
                     "engaged_percent")


def _min_groups(conn, session_ids: list[int]) -> dict[int, int]:
    """The fewest marks a median of each session needs before a coach sees it (its own minimum, or the network's)."""
    out: dict[int, int] = {}
    for i in range(0, len(session_ids), _CHUNK):
        q = sa.select(t.sessions.c.id, t.sessions.c.min_group_size).where(
            t.sessions.c.id.in_(session_ids[i:i + _CHUNK]))
        out.update({sid: max(NETWORK_MIN_GROUP, int(size or 0)) for sid, size in conn.execute(q)})
    return out


def _current_marks(conn, session_ids: list[int]) -> dict[int, list]:
    """The "now" marks of these sessions: {session id: [(respondent id, spectrum id, mark), ...]}."""
    r, m = t.respondents, t.spectrum_marks
    out: dict[int, list] = {}
    for i in range(0, len(session_ids), _CHUNK):
        q = (sa.select(r.c.session_id, m.c.respondent_id, m.c.spectrum_id, m.c.current)
             .select_from(r.join(m, m.c.respondent_id == r.c.id))
             .where(r.c.session_id.in_(session_ids[i:i + _CHUNK]), m.c.current.is_not(None)))
        result = conn.execute(q)
        try:  # plain tuples from the driver: no column here needs a result processor (ids, text, float);
            rows = result.cursor.fetchall()  # building a Row for each of ~140 marks a session doubles the read
        finally:
            result.close()
        for sid, rid, spectrum, mark in rows:
            out.setdefault(sid, []).append((rid, spectrum, mark))
    return out


@functools.lru_cache(maxsize=20_000)
def _parse_medians(text: str) -> tuple:
    """A stored summary's medians as (spectrum, median) pairs; parsed once per distinct text in a process."""
    return tuple(json.loads(text).items())


def _summarise(marks: list, min_group: int = NETWORK_MIN_GROUP) -> tuple[int, dict]:
    """Members who marked "now" and the median "now" mark per spectrum, from (respondent, spectrum, mark).

    A spectrum marked by fewer than ``min_group`` members has no median: a coach never sees a figure made of a
    few members' marks (one member's mark would be that member's answer).
    """
    by_spectrum: dict[str, list[float]] = {}
    for _rid, spectrum, mark in marks:
        by_spectrum.setdefault(spectrum, []).append(float(mark))
    medians = {spectrum: median(values) for spectrum, values in sorted(by_spectrum.items())
               if len(values) >= min_group}
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
