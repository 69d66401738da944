"""Conditions for scale (Step 1: ratings and priorities) and the action plan (Step 2: plan areas, action items)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from ..content import validation as v
from ..content.errors import InvalidInput, NotFound
from . import schema
from .base import Respondent, Session, StoreBase, now

t = schema.tables


class Planning(StoreBase):
    """Step 1 and Step 2. Writes re-check the member or the facilitator's code like the rest of the store."""

    if TYPE_CHECKING:  # what this part uses of the accounts part (:class:`~.accounts.Accounts`; Store has both)
        def _member(self, respondent: Respondent, session_id: int | None = None) -> Respondent: ...

        def _facilitator(self, session: Session, code: str | None) -> Session: ...

    # ------------------------------------------------------------ conditions for scale (Step 1)

    def save_condition_rating(self, respondent, condition_id: str, rating) -> None:
        """One member's Step 1 mark for a condition: 1 (not aligned at all) .. 5 (fully aligned), steps of 0.5."""
        condition_id = v.condition_id(condition_id)
        rating = None if rating is None else v.rating(rating, f"rating for {condition_id}")
        member = self._member(respondent)
        self.transaction(lambda c: self.upsert(c, t.condition_marks,
                                               {"respondent_id": member.id, "condition_id": condition_id},
                                               {"rating": rating, "updated_at": now()}), write=True)

    def save_priority(self, respondent, condition_id: str, chosen: bool) -> None:
        """Pick or unpick a condition as one of this member's priorities (at most the session's number)."""
        condition_id = v.condition_id(condition_id)
        member = self._member(respondent)

        def fn(conn):
            if chosen:
                picked = conn.execute(sa.select(t.condition_marks.c.condition_id).where(
                    t.condition_marks.c.respondent_id == member.id, t.condition_marks.c.priority.is_(True))).scalars()
                others = [p for p in picked if p != condition_id]
                most = conn.execute(sa.select(t.sessions.c.max_priorities)
                                    .where(t.sessions.c.id == member.session_id)).scalar()
                if len(others) >= most:
                    raise InvalidInput(f"Your team picks up to {most} priorities; unpick one first.")
            self.upsert(conn, t.condition_marks, {"respondent_id": member.id, "condition_id": condition_id},
                        {"priority": bool(chosen), "updated_at": now()})
        self.transaction(fn, write=True)

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
        rows = self.transaction(lambda c: c.execute(q).all())
        frame = pd.DataFrame(rows, columns=pd.Index(["respondent_id", "name", "role", "condition", "rating",
                                                     "priority"]))
        frame["rating"] = frame["rating"].astype(float)
        frame["priority"] = frame["priority"].astype(bool)
        return frame

    # ------------------------------------------------------------ action plan (Step 2)
    def plan_areas(self, session_id: int) -> list[str]:
        """The priority conditions the team plans for, in order."""
        rows = self.transaction(lambda c: c.execute(sa.select(t.plan_areas.c.condition_id).where(
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
        self.transaction(fn, write=True)

    def add_action_item(self, session, code: str, condition_id: str, horizon: str, text: str,
                        timeline: str = "", owner: str = "", review_on=None) -> int:
        """Add an action item at the end of its horizon; returns its id. ``review_on``: when the team looks again."""
        session = self._facilitator(session, code)
        row = v.action_item(condition_id=condition_id, horizon=horizon, text=text, timeline=timeline, owner=owner,
                            review_on=review_on)

        def fn(conn):
            last = conn.execute(sa.select(sa.func.max(t.action_items.c.position)).where(
                t.action_items.c.session_id == session.id, t.action_items.c.condition_id == row["condition_id"],
                t.action_items.c.horizon == row["horizon"])).scalar()
            res = conn.execute(t.action_items.insert().values(
                session_id=session.id, position=(last + 1) if last is not None else 0, done=False, deleted=False,
                updated_at=now(), **row))
            return res.inserted_primary_key[0]
        return self.transaction(fn, write=True)

    def _item(self, conn, session, item_id: int):
        row = conn.execute(sa.select(t.action_items).where(t.action_items.c.id == item_id,
                                                           t.action_items.c.session_id == session.id)).first()
        if row is None:
            raise NotFound(f"There is no action item {item_id} in this session.")
        return row

    def update_action_item(self, session, code: str, item_id: int, **fields) -> None:
        """Edit an item's text, timeline, owner, review date, done or deleted flag (deleted items can be restored)."""
        session = self._facilitator(session, code)
        values = {}
        for key, val in fields.items():
            if key == "text":
                values[key] = v.text(val, "action item", max_len=2000, required=True)
            elif key in ("timeline", "owner"):
                values[key] = v.text(val, key, max_len=200, required=False)
            elif key in ("done", "deleted"):
                values[key] = bool(val)
            elif key == "review_on":
                values[key] = v.review_date(val)
            else:
                raise InvalidInput(f"{key!r} is not a field of an action item.")

        def fn(conn):
            self._item(conn, session, item_id)
            conn.execute(t.action_items.update().where(t.action_items.c.id == item_id)
                         .values(**values, updated_at=now()))
        self.transaction(fn, write=True)

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
        self.transaction(fn, write=True)

    def action_items(self, session_id: int, include_deleted: bool = False):
        """The plan's action items.

        Columns: id, condition, horizon, position, text, timeline, owner, done, deleted, review_on (date or None).
        """
        import pandas as pd

        q = sa.select(t.action_items.c.id, t.action_items.c.condition_id.label("condition"), t.action_items.c.horizon,
                      t.action_items.c.position, t.action_items.c.text, t.action_items.c.timeline,
                      t.action_items.c.owner, t.action_items.c.done, t.action_items.c.deleted,
                      t.action_items.c.review_on).where(t.action_items.c.session_id == session_id)
        if not include_deleted:
            q = q.where(t.action_items.c.deleted.is_(False))
        q = q.order_by(t.action_items.c.condition_id, t.action_items.c.horizon, t.action_items.c.position,
                       t.action_items.c.id)
        rows = self.transaction(lambda c: c.execute(q).all())
        return pd.DataFrame(rows, columns=pd.Index(["id", "condition", "horizon", "position", "text", "timeline",
                                                    "owner", "done", "deleted", "review_on"]))
