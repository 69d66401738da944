"""Action planning, Step 2 (Vision Development and Action Planning), for the team's priority conditions."""

from __future__ import annotations

import datetime as dt

import ipywidgets as w
import pandas as pd

from .. import analysis
from ..analysis import condition_frames
from ..content import render, validation
from ..content.errors import InvalidInput, WorkbookError
from ..content.render import date_text
from ..html.team import outcomes_html, plan_html, step1_ratings_html
from ..store import Store
from ..widgets.access import open_app
from ..widgets.page import Page, card, esc, header, message
from ..widgets.restoring import Restoring
from ..widgets.saver import NoteArea, Saver
from ..widgets.sharing import session_downloads

TITLE = "Action planning"
LEDE = ("For each of the team's priority conditions, set the vision, name the challenges in the way and the data "
        "behind them, think about who should be in the conversation and what resources you have, and list the "
        "actions to take in the short, medium and long term. The priorities start from the team's votes in "
        "Conditions for Scale; change them as the team decides.")
MAX_AREAS = 5
REVIEW_YEARS = 10  # the latest review date a plan takes, in years after its session
REVIEW_QUESTION = "When will the team look at this again?"


def review_on(value, session) -> dt.date | None:
    """An action's review date for a plan of ``session``, checked: none, or a day from the session's to ten years on.

    Raises :class:`InvalidInput` with a plain message for anything else (not a date, before the session, too far).
    """
    day = validation.review_date(value)
    if day is None:
        return None
    first = session.held_on
    try:
        last = first.replace(year=first.year + REVIEW_YEARS)
    except ValueError:  # 29 February
        last = first.replace(year=first.year + REVIEW_YEARS, day=28)
    if not first <= day <= last:
        raise InvalidInput(f"{date_text(day)} is not a review date for this plan: pick a day from "
                           f"{date_text(first)} (the session's day) to {date_text(last)}. Nothing was saved.")
    return day


def _day(value):
    """A stored review date as the date picker takes it (None for none)."""
    return None if value is None or (not isinstance(value, dt.date) and pd.isna(value)) else value


def review_picker(value=None) -> w.DatePicker:
    """The date picker of an action's review date, asking when the team will look at it again."""
    return w.DatePicker(value=_day(value), description="Review on", tooltip=REVIEW_QUESTION,
                        layout=w.Layout(width="auto"))


class ItemRow(w.HBox):
    """One action item: text, timeline, owner, review date, done, move up/down, delete."""

    def __init__(self, plan, row):
        self.plan, self.item_id = plan, int(row.id)
        opts = dict(continuous_update=False)
        self.text = w.Text(value=row.text, description="Action", layout=w.Layout(flex="3 1 240px"), **opts)
        self.timeline = w.Text(value=row.timeline, description="Timeline", layout=w.Layout(flex="1 1 140px"), **opts)
        self.owner = w.Text(value=row.owner, description="Who is responsible", style={"description_width": "initial"},
                            layout=w.Layout(flex="1 1 180px"), **opts)
        self.review = review_picker(getattr(row, "review_on", None))
        self.done = w.Checkbox(value=bool(row.done), description="Done", indent=False, layout=w.Layout(width="80px"))
        self.up = w.Button(description="Move up", layout=w.Layout(width="auto"))
        self.down = w.Button(description="Move down", layout=w.Layout(width="auto"))
        self.delete = w.Button(description="Delete", layout=w.Layout(width="auto"))
        for field in ("text", "timeline", "owner", "done"):
            getattr(self, field).observe(lambda c, f=field: plan.edit(self.item_id, f, c["new"]), "value")
        self.review.observe(lambda c: plan.edit_review(self, c), "value")
        self.up.on_click(lambda _b: plan.move(self.item_id, -1))
        self.down.on_click(lambda _b: plan.move(self.item_id, 1))
        self.delete.on_click(lambda _b: plan.remove(self.item_id, self.text.value))
        super().__init__([self.text, self.timeline, self.owner, self.review, self.done, self.up, self.down,
                          self.delete],
                         layout=w.Layout(flex_flow="row wrap", align_items="center", border_bottom="1px solid #E4E7EB"))


class AreaPlan(w.VBox):
    """The Step 2 worksheet for one priority condition."""

    def __init__(self, plan, condition):
        self.plan, self.condition = plan, condition
        step2 = plan.content.framework.step2
        prompts = {p.id: p for s in step2.sections for p in s.prompts}
        store, sid = plan.store, plan.session.id
        self.areas = []

        def area(key, label, height="70px"):
            qid = f"plan.{condition.id}.{key}"
            box = NoteArea(value=store.note(sid, qid), layout=w.Layout(width="100%", height=height),
                           placeholder="The team's answer…")
            box.question_id = qid
            box.observe(plan.on_note, "value")
            self.areas.append(box)
            return w.VBox([w.HTML(f"<label><strong>{esc(label)}</strong></label>"), box])

        challenges = []
        slots = prompts["challenges"].slots or 3
        for n in range(1, slots + 1):
            challenges += [area(f"challenge{n}", f"Challenge/problem {n}"),
                           area(f"challenge{n}_data", f"Supporting data for challenge {n}", "50px")]
        self.horizons = w.VBox()
        # what Step 1 found for this area, where the team starts to plan it
        self.ratings = w.HTML(step1_ratings_html(plan.content, condition.id, plan.cmarks, plan.csum,
                                                 plan.session.min_group_size))
        super().__init__([
            w.HTML(f"<h2>{esc(condition.name)}</h2><p class='wb-muted'>{esc(condition.description)}</p>"),
            self.ratings,
            w.HTML(f"<h3>{esc(step2.sections[0].heading)}</h3>"), area("end_state", prompts["end_state"].text, "90px"),
            w.HTML(f"<p>{esc(prompts['challenges'].text)}</p>"), *challenges,
            w.HTML(f"<h3>{esc(step2.sections[1].heading)}</h3>"),
            area("stakeholders", prompts["stakeholders"].text), area("resources", prompts["resources"].text),
            w.HTML(f"<h3>{esc(step2.sections[2].heading)}</h3><p class='wb-muted'>Each action has a review date: "
                   f"{esc(REVIEW_QUESTION.lower())}</p>"), self.horizons])
        self.add_class("wb-card")

    def draw_items(self, items) -> None:
        """Redraw this area's action items, horizon by horizon, each horizon with a row for adding a new item."""
        blocks = []
        for h in self.plan.content.framework.horizons:
            rows = items[(items["condition"] == self.condition.id) & (items["horizon"] == h.id)]
            # values are sent when a field is left, so a quick click on Add never overtakes typed text
            once = dict(continuous_update=False)
            text = w.Text(placeholder="New action item", description="Action", layout=w.Layout(flex="3 1 240px"),
                          **once)
            timeline = w.Text(placeholder="e.g. by March", description="Timeline", layout=w.Layout(flex="1 1 140px"),
                              **once)
            owner = w.Text(description="Who is responsible", style={"description_width": "initial"},
                           layout=w.Layout(flex="1 1 180px"), **once)
            # the review date is picked in the item's own row once it is added (Tab goes from owner to Add)
            add = w.Button(description="Add", button_style="primary")
            add.on_click(lambda _b, h=h.id, t=text, tl=timeline, o=owner:
                         self.plan.add(self.condition.id, h, t.value, tl.value, o.value))
            blocks.append(w.VBox([
                w.HTML(f"<h4>{esc(h.label)} <span class='wb-muted'>({esc(h.hint)})</span></h4>"),
                *[ItemRow(self.plan, r) for r in rows.itertuples()],
                w.HBox([text, timeline, owner, add], layout=w.Layout(flex_flow="row wrap", align_items="center"))]))
        self.horizons.children = blocks


class ActionPlanning(Page):
    """The Action planning page: the team's priority areas, each with its Step 2 worksheet and action items."""

    def __init__(self, store: Store, content, district, session, code: str):
        self.store, self.content, self.district, self.session, self.code = store, content, district, session, code
        self.saver = Saver()
        self.restoring = Restoring()  # the page's own updates are not saved
        self.notice = w.HTML()
        self.undo = w.Button(description="Undo delete", layout=w.Layout(display="none"))
        self.undo.on_click(lambda _b: self.restore())
        self._deleted = None
        # a plan is for a priority condition or, as the guide allows, for a whole layer
        options = ([("—", "")] + [(c.name, c.id) for c in content.conditions]
                   + [(f"Whole layer: {layer.name}", layer.id) for layer in content.framework.layers])
        self.pickers = [w.Dropdown(description=f"Priority {i + 1}", options=options,
                                   style={"description_width": "initial"}) for i in range(MAX_AREAS)]
        self.use_votes = w.Button(description="Use the team's top votes")
        self.use_votes.on_click(lambda _b: self.set_areas(self.top_votes()))
        self.area_box = w.VBox()
        areas = store.plan_areas(session.id)
        if not areas:
            areas = self.top_votes()
            if areas:
                store.set_plan_areas(session, code, areas)
        self._set_pickers(areas)
        for p in self.pickers:
            p.observe(lambda _c: self._picked(), "value")
        pick_card = w.VBox([w.HTML("<h2>Priority conditions</h2><p class='wb-muted'>Plan for a condition, or for a "
                                   "whole layer (its vision for how the layer will change to support your model)."
                                   "</p>"), w.HBox(self.pickers).add_class("wb-wrap"),
                            self.use_votes])
        pick_card.add_class("wb-card")
        step2 = content.framework.step2
        note = render.guide_note(step2.title, [step2.intro], open_=True)
        # the vision each plan's first question starts from: the team's desired outcomes (Laying the Foundation)
        notes = store.notes(session.id)
        team = notes[notes["respondent_id"] == 0].set_index("question_id")["text"].to_dict()
        self.outcomes = w.HTML(outcomes_html(content, store.desired_outcomes(session.id), team))
        vision = card("The team's vision", self.outcomes,
                      note="<p class='wb-muted'>Each plan below starts from it: its first question asks for the "
                           "end state given the team's vision for teaching and learning.</p>")
        # a follow-up session starts from the plan the team made last time
        self.earlier = store.followed(session)
        before = []
        if self.earlier is not None:
            self.last_plan = w.HTML(plan_html(content, store.plan_areas(self.earlier.id),
                                              store.action_items(self.earlier.id)))
            before = [card(f"Last time's plan ({self.earlier.label}, {date_text(self.earlier.held_on)})",
                           self.last_plan, note="<p class='wb-muted'>What the team planned in the session this one "
                                                "follows up: review it before planning again.</p>")]
        super().__init__([header(TITLE, LEDE, f"<p class='wb-muted'>{esc(district.name)} · {esc(session.label)}</p>"
                                 f"{note}"),
                          vision, *before, pick_card, w.HBox([self.notice, self.undo]), self.saver.widget,
                          self.area_box,
                          session_downloads(store, session, content), w.HTML(render.attribution(content))],
                         summary=f"{TITLE}: {district.name}, session {session.label!r}")
        self.draw()

    def top_votes(self) -> list[str]:
        """The conditions with the most priority votes from Conditions for Scale (at most three)."""
        _, csum, _ = condition_frames(self.store, self.content, self.session, False)
        return analysis.top_priorities(csum, 3)

    def _set_pickers(self, areas) -> None:
        with self.restoring():
            for i, p in enumerate(self.pickers):
                p.value = areas[i] if i < len(areas) else ""

    def _picked(self) -> None:
        if self.restoring:
            return
        chosen = []
        for p in self.pickers:
            if p.value and p.value not in chosen:
                chosen.append(p.value)
        self.set_areas(chosen)

    def set_areas(self, areas) -> None:
        """Save ``areas`` as the plan's priority areas and redraw; a refused change is shown, nothing else changes."""
        try:
            self.store.set_plan_areas(self.session, self.code, areas)
        except WorkbookError as exc:
            self.notice.value = message(str(exc)).value
            return
        self._set_pickers(areas)
        self.draw()

    def draw(self) -> None:
        """Draw a worksheet for each planned area, or a notice while none is picked."""
        areas = self.store.plan_areas(self.session.id)
        self.cmarks, self.csum, _ = condition_frames(self.store, self.content, self.session, False)
        self.plans = [AreaPlan(self, self.content.plan_area(cid)) for cid in areas]
        if not self.plans:
            self.area_box.children = [w.HTML("<p class='wb-notice'>No priority conditions yet: pick them above, or "
                                             "ask members to vote in Conditions for Scale.</p>")]
            return
        self.area_box.children = self.plans
        self.draw_items()

    def draw_items(self) -> None:
        """Re-read the action items and redraw them in every area's worksheet."""
        items = self.store.action_items(self.session.id)
        for plan in self.plans:
            plan.draw_items(items)

    def on_note(self, change) -> None:
        """Save an edited worksheet answer as the team's note for its question."""
        area = change["owner"]
        self.saver.save(("note", area.question_id),
                        lambda: self.store.save_note(self.session.id, area.question_id, change["new"]))

    def add(self, condition_id, horizon, text, timeline, owner, review=None) -> None:
        """Add an action item (``review``: its review date) and redraw the items; a refused item is shown instead."""
        try:
            self.store.add_action_item(self.session, self.code, condition_id, horizon, text, timeline, owner,
                                       review_on=review_on(review, self.session))
        except WorkbookError as exc:
            self.notice.value = message(str(exc)).value
            return
        self.clear_notice()
        self.draw_items()

    def clear_notice(self) -> None:
        """Take down the last notice and the Undo it offered: the team has moved on to another change."""
        self.notice.value = ""
        self.undo.layout.display = "none"
        self._deleted = None

    def edit(self, item_id, field, value) -> None:
        """Save one field of an action item (text, timeline, owner, review date or done)."""
        self.clear_notice()
        self.saver.save(("item", item_id, field),
                        lambda: self.store.update_action_item(self.session, self.code, item_id, **{field: value}))

    def edit_review(self, row, change) -> None:
        """Save an item's new review date; a refused one is said plainly, the picker goes back, nothing is saved."""
        if self.restoring:
            return
        try:
            day = review_on(change["new"], self.session)
        except WorkbookError as exc:
            self.notice.value = message(str(exc)).value
            self.undo.layout.display = "none"
            with self.restoring():
                row.review.value = change["old"]
            return
        self.edit(row.item_id, "review_on", day)

    def move(self, item_id, step) -> None:
        """Move an action item up (step -1) or down (+1) within its horizon and redraw."""
        self.clear_notice()
        self.store.move_action_item(self.session, self.code, item_id, step)
        self.draw_items()

    def remove(self, item_id, text) -> None:
        """Delete an action item, say so and offer to undo the delete."""
        self.store.update_action_item(self.session, self.code, item_id, deleted=True)
        self._deleted = item_id
        self.notice.value = f"<p class='wb-notice' role='status'>Deleted “{esc(text)}”.</p>"
        self.undo.layout.display = ""
        self.draw_items()

    def restore(self) -> None:
        """Bring back the last deleted action item (the Undo delete button)."""
        if self._deleted is None:
            return
        self.store.update_action_item(self.session, self.code, self._deleted, deleted=False)
        self._deleted = None
        self.undo.layout.display = "none"
        # a confirmation that fades by itself (theme.py: .wb-transient): it must not stay on screen as if current
        self.notice.value = "<p class='wb-notice wb-transient' role='status'>Restored.</p>"
        self.draw_items()


def action_planning(store: Store | None = None, params: dict | None = None, content=None) -> Page:
    """The team's action plan (needs the facilitator's code)."""
    return open_app(TITLE, lambda s, c, d, se, _m, fac: ActionPlanning(s, c, d, se, fac), store, params, content,
                    facilitator=True)
