"""Marks and notes: members' spectrum marks, the team's agreed marks, free-text answers and desired outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import sqlalchemy as sa

from ..content import validation as v
from . import schema
from .base import Respondent, Session, StoreBase, now

if TYPE_CHECKING:
    import pandas as pd

t = schema.tables


class Marks(StoreBase):
    """Charting the path (spectrum marks), the team's agreed marks, notes and the desired outcomes.

    Writes re-check the member (``_member``) or the facilitator's code (``_facilitator``) of the accounts part.
    """

    if TYPE_CHECKING:  # what this part uses of the accounts part (:class:`~.accounts.Accounts`; Store has both)
        def _member(self, respondent: Respondent, session_id: int | None = None) -> Respondent: ...

        def _facilitator(self, session: Session, code: str | None) -> Session: ...

    # ------------------------------------------------------------ what changed
    def session_stamp(self, session_id: int, plan: bool = False) -> tuple:
        """A cheap fingerprint of what a session's team views show, in one round trip to the database.

        It changes whenever a member joins or edits their name or role, a mark, a rating, an answer or an
        agreed mark is saved or cleared, or the session's privacy settings change; the live views
        (:mod:`workbook.widgets.live`) compare it every few seconds and redraw only when it moved. ``plan``:
        it also changes with the action plan (its areas, and an action item added, edited, dated, deleted or
        restored), for the run of show's count of the plan's items; the team views, which show no plan, are
        not redrawn while the plan is written.
        """
        r, sm, cm, n, tm, s = t.respondents, t.spectrum_marks, t.condition_marks, t.notes, t.team_marks, t.sessions
        members = sa.select(r.c.id).where(r.c.session_id == session_id)

        def count_and_latest(table, where):
            return [sa.select(sa.func.count()).select_from(table).where(where).scalar_subquery(),
                    sa.select(sa.func.max(table.c.updated_at)).where(where).scalar_subquery()]

        columns = [*count_and_latest(r, r.c.session_id == session_id),
                   *count_and_latest(sm, sm.c.respondent_id.in_(members)),
                   *count_and_latest(cm, cm.c.respondent_id.in_(members)),
                   *count_and_latest(n, n.c.session_id == session_id),
                   *count_and_latest(tm, tm.c.session_id == session_id),
                   sa.select(s.c.show_authors).where(s.c.id == session_id).scalar_subquery(),
                   sa.select(s.c.min_group_size).where(s.c.id == session_id).scalar_subquery()]
        if plan:
            columns += [*count_and_latest(t.plan_areas, t.plan_areas.c.session_id == session_id),
                        *count_and_latest(t.action_items, t.action_items.c.session_id == session_id)]
        row = self.transaction(lambda c: c.execute(sa.select(*columns)).one())
        return tuple(str(x) if x is not None and not isinstance(x, (int, bool)) else x for x in row)

    # ------------------------------------------------------------ spectrum marks
    def save_spectrum_mark(self, respondent: Respondent, spectrum_id: str, field: str, value) -> None:
        """Save one mark ('current' or 'aspiration', 1-5 in steps of 0.5) for one spectrum."""
        spectrum_id = v.spectrum_id(spectrum_id)
        field = v.choice(field, "mark", ("current", "aspiration"))
        value = v.mark(value, f"{field} mark for {spectrum_id}")
        member = self._member(respondent)
        self.transaction(lambda c: self.upsert(c, t.spectrum_marks,
                                               {"respondent_id": member.id, "spectrum_id": spectrum_id},
                                               {field: value, "updated_at": now()}), write=True)

    def clear_spectrum_mark(self, respondent: Respondent, spectrum_id: str, field: str) -> None:
        """Remove a member's now or aspiration mark on one spectrum."""
        spectrum_id = v.spectrum_id(spectrum_id)
        field = v.choice(field, "mark", ("current", "aspiration"))
        member = self._member(respondent)
        self.transaction(lambda c: c.execute(t.spectrum_marks.update().where(
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
        rows = self.transaction(lambda c: c.execute(q).all())
        cols = ["respondent_id", "name", "role", "spectrum", "current", "aspiration", "updated_at"]
        frame = pd.DataFrame(rows, columns=pd.Index(cols))
        frame[["current", "aspiration"]] = frame[["current", "aspiration"]].astype(float)
        return frame

    def member_marks(self, respondent: Respondent) -> dict[str, dict[str, float | None]]:
        """One member's own marks, ``{spectrum_id: {"current": .., "aspiration": ..}}`` (only marked spectra).

        Plain dicts, so a member's page restores itself without loading pandas.
        """
        m = t.spectrum_marks
        rows = self.transaction(lambda c: c.execute(sa.select(m.c.spectrum_id, m.c.current, m.c.aspiration)
                                                    .where(m.c.respondent_id == respondent.id)).all())
        as_float = lambda x: None if x is None else float(x)  # noqa: E731
        return {r.spectrum_id: {"current": as_float(r.current), "aspiration": as_float(r.aspiration)} for r in rows}

    def save_team_mark(self, session: Session, code: str, spectrum_id: str, field: str, value) -> None:
        """The team's agreed mark, recorded by the facilitator (needs the facilitator's code)."""
        session = self._facilitator(session, code)
        spectrum_id = v.spectrum_id(spectrum_id)
        field = v.choice(field, "mark", ("current", "aspiration"))
        value = None if value is None else v.mark(value, f"agreed {field} mark for {spectrum_id}")
        self.transaction(lambda c: self.upsert(c, t.team_marks, {"session_id": session.id,
                                                                 "spectrum_id": spectrum_id},
                                               {field: value, "updated_at": now()}), write=True)

    def agreed_marks(self, session_id: int) -> dict[str, dict[str, float]]:
        """The team's agreed marks as plain numbers, ``{"current": {spectrum: mark}, "aspiration": {...}}``.

        The same rows as :meth:`team_marks`, without pandas (a member page reads them and never loads pandas).
        """
        rows = self.transaction(lambda c: c.execute(sa.select(
            t.team_marks.c.spectrum_id, t.team_marks.c.current, t.team_marks.c.aspiration)
            .where(t.team_marks.c.session_id == session_id)).all())
        out: dict[str, dict[str, float]] = {"current": {}, "aspiration": {}}
        for spectrum, current, aspiration in rows:
            for field, value in (("current", current), ("aspiration", aspiration)):
                if value is not None:
                    out[field][spectrum] = float(value)
        return out

    def team_marks(self, session_id: int):
        """The team's agreed marks for a session as a frame: spectrum, current, aspiration."""
        import pandas as pd

        rows = self.transaction(lambda c: c.execute(sa.select(
            t.team_marks.c.spectrum_id.label("spectrum"), t.team_marks.c.current, t.team_marks.c.aspiration)
            .where(t.team_marks.c.session_id == session_id)).all())
        return pd.DataFrame(rows, columns=pd.Index(["spectrum", "current", "aspiration"])).astype(
            {"current": float, "aspiration": float})

    # ------------------------------------------------------------ notes
    def save_note(self, session_id: int, question_id: str, text: str, respondent: Respondent | None = None) -> None:
        """Save a free-text answer; ``respondent=None`` is the team's agreed answer."""
        question_id = v.text(question_id, "question", max_len=120, required=True)
        body = v.text(text, f"answer to {question_id}", max_len=v.NOTE_MAX, required=False)
        owner = 0
        if respondent is not None:
            owner = self._member(respondent, session_id).id
        self.transaction(lambda c: self.upsert(c, t.notes, {"session_id": session_id, "respondent_id": owner,
                                                            "question_id": question_id},
                                               {"text": body, "updated_at": now()}), write=True)

    def notes(self, session_id: int):
        """All answers of a session: respondent_id (0 = team), name, role, question_id, text, updated_at."""
        import pandas as pd

        q = (sa.select(t.notes.c.respondent_id, t.respondents.c.name, t.respondents.c.role,
                       t.notes.c.question_id, t.notes.c.text, t.notes.c.updated_at)
             .select_from(t.notes.outerjoin(t.respondents, t.respondents.c.id == t.notes.c.respondent_id))
             .where(t.notes.c.session_id == session_id).order_by(t.notes.c.question_id, t.notes.c.respondent_id))
        rows = self.transaction(lambda c: c.execute(q).all())
        return pd.DataFrame(rows, columns=pd.Index(["respondent_id", "name", "role", "question_id", "text",
                                                    "updated_at"]))

    def note(self, session_id: int, question_id: str, respondent: Respondent | None = None) -> str:
        """A free-text answer (the team's agreed one when ``respondent`` is None); empty if none was saved."""
        owner = respondent.id if respondent is not None else 0
        row = self.transaction(lambda c: c.execute(sa.select(t.notes.c.text).where(
            t.notes.c.session_id == session_id, t.notes.c.respondent_id == owner,
            t.notes.c.question_id == question_id)).first())
        return row.text if row else ""

    # ------------------------------------------------------------ desired outcomes (Reflection Guide 1)
    MAX_OUTCOMES = 8

    def desired_outcomes(self, session_id: int) -> list[str]:
        """The team's agreed desired outcomes, in order (empty entries dropped)."""
        notes = self.notes(session_id)
        team = (notes["respondent_id"] == 0) & notes["question_id"].str.startswith("outcome.")
        rows = cast("pd.DataFrame", notes[team]).copy()  # rows picked by a boolean mask: a frame
        rows["n"] = rows["question_id"].str.split(".").str[1].astype(int)
        return [x for x in rows.sort_values("n")["text"] if x.strip()]

    def save_outcome(self, session_id: int, index: int, text: str) -> None:
        """Save the team's desired outcome number ``index`` (1 to :attr:`MAX_OUTCOMES`)."""
        index = v.integer(index, "outcome number", 1, self.MAX_OUTCOMES)
        self.save_note(session_id, f"outcome.{index}", text)
