"""Conditions for Scale, Step 1 (Taking Stock & Prioritizing Action): members rate 16 conditions; the team view."""

from __future__ import annotations

from typing import cast

import ipywidgets as w
import pandas as pd

from .. import analysis, charts
from ..analysis import condition_frames, member_labels  # noqa: F401 - the team view's data
from ..content import render
from ..content import validation as v
from ..content.errors import InvalidInput
from ..content.render import counted, number_word
from ..html.conditions import layers_html, lettered_list, question_note, rings_key, step1_note
from ..store import Store
from ..widgets.access import open_app
from ..widgets.chart import PlotView
from ..widgets.identity import Identity
from ..widgets.live import Live
from ..widgets.marks import MarkSlider
from ..widgets.page import Page, card, esc, header, message
from ..widgets.restoring import Restoring
from ..widgets.room import RoomLine
from ..widgets.saver import Saver, team_answer

TITLE = "Conditions for Scale"
PAGE = "conditions_for_scale.ipynb"
def lede(priorities: int) -> str:
    """The member page's introduction, with the session's number of priorities."""
    return ("Around a student-centered design, sixteen conditions in three layers let a system put that design into "
            "action. Mark where your system is today on each condition, from <em>Not aligned at all</em> through "
            f"<em>On our way</em> to <em>Fully aligned</em>, and pick up to {number_word(priorities)} you think are "
            "the highest priority to address. As the guide notes, a priority can be urgent because it is far from "
            "aligned, or a strength that is nearly there (“low-hanging fruit”). How many each member picks is your "
            "facilitator's choice for this session (the workbook suggests three, to keep the team's choice "
            "focused); the guide sets no number. Everything is saved as you go.")


def priority_label(priorities: int) -> str:
    """The checkbox beside each condition: 'One of my top three priorities'."""
    return "My top priority" if priorities == 1 else f"One of my top {number_word(priorities)} priorities"


LEDE = lede(v.MAX_PRIORITIES)
TEAM_LEDE = ("Where each member marked the sixteen conditions, where the team agrees least, and which conditions "
             "the team named as priorities. Use the questions of each layer to talk it through, then plan the "
             "priorities in the action planning app.")


def together_html(step1) -> str:
    """Step 1's instructions after a member's marks (2 and 3), with questions a-c under 3, numbered as printed."""
    rest = step1.outline()[1:]
    items = "".join(f"<li>{esc(step)}{lettered_list(step1) if subs else ''}</li>" for step, subs in rest)
    return (f"<p class='wb-muted'>{esc(step1.title)}, as the guide goes on once each member has marked:</p>"
            f"<ol start='{len(step1.instructions) - len(rest) + 1}'>{items}</ol>")


class ConditionRow(w.VBox):
    """One condition on a member's page: its description, an alignment slider and a top-priority checkbox."""

    def __init__(self, condition, layer, scale, priorities: int = v.MAX_PRIORITIES):
        self.condition = condition
        self.slider = MarkSlider(label=condition.name, kind="now", name=f"{condition.name}, alignment",
                                 left=scale.labels[scale.min], right=scale.labels[scale.max],
                                 middle=scale.labels.get((scale.min + scale.max) // 2, ""), disabled=True)
        self.priority = w.Checkbox(description=priority_label(priorities), indent=False, disabled=True,
                                   layout=w.Layout(width="auto"))
        super().__init__([w.HTML(f"<p class='wb-muted' style='margin:8px 0 0'>{esc(condition.description)}</p>"),
                          self.slider, self.priority])


class ConditionsForScale(Page):
    """A member's Step 1 page."""

    def __init__(self, store: Store, content, district, session, member=None):
        self.store, self.content, self.district, self.session = store, content, district, session
        fw = content.framework
        self.saver = Saver()
        self.identity = Identity(store, district, session, PAGE, self.saver, member)
        self.rows = []
        cards = []
        for layer in fw.layers:
            rows = [ConditionRow(c, layer, fw.scale, session.max_priorities) for c in layer.conditions]
            self.rows += rows
            layer_card = w.VBox([w.HTML(f"<h2>{esc(layer.name)}</h2><p>{esc(layer.description)}</p>"), *rows])
            layer_card.add_class("wb-card")
            cards.append(layer_card)
        for row in self.rows:
            row.slider.observe(self._on_rating, "value")
            row.priority.observe(self._on_priority, "value")
        self.progress = w.HTML()
        self.priority_msg = w.HTML()
        # plain dicts (charts.Spec), as every chart of this member page: no plotly validators in its kernel
        self.rings = PlotView(charts.framework_rings.spec(fw,
                                                          title="The framework: sixteen conditions in three layers"))
        self.rings_key = w.HTML(render.details("Which condition is which number", rings_key(fw)))
        self.restoring = Restoring()
        place = f"<p class='wb-muted'>{esc(district.name)} · {esc(session.label)}</p>" + step1_note(fw.step1)
        # where members finish rating: what the guide asks next, with its questions a-c as it prints them
        self.together = card("When everyone has marked", note=together_html(fw.step1))
        # where the room has moved on to, when the facilitator runs the day from the run of show
        self.room = RoomLine(store, session, PAGE)
        super().__init__([header(TITLE, lede(session.max_priorities), place),
                          self.room, self.identity, self.saver.widget, self.rings, self.rings_key, self.progress,
                          self.priority_msg, *cards, self.together,
                          w.HTML(render.attribution(content))],
                         summary=f"{TITLE}: {district.name}, session {session.label!r}")
        self.identity.on_member(self._unlock)
        self.identity.on_member(lambda m: self.room.follow(m, district.slug))
        self._update_progress()

    @property
    def member(self):
        """The member this page belongs to (None until they have joined)."""
        return self.identity.member

    def _unlock(self, member) -> None:
        marks = self.store.condition_marks(self.session.id)
        mine = marks[marks["respondent_id"] == member.id].set_index("condition")
        with self.restoring():
            for row in self.rows:
                cid = row.condition.id
                if cid in mine.index:
                    rating = mine.loc[cid, "rating"]
                    row.slider.value = None if pd.isna(rating) else float(rating)
                    row.priority.value = bool(mine.loc[cid, "priority"])
                row.slider.disabled = row.priority.disabled = False
        self._update_progress()

    def _on_rating(self, change) -> None:
        self._update_progress()
        if self.restoring or self.member is None or change["new"] is None:
            return
        row = next(r for r in self.rows if r.slider is change["owner"])
        member, cid, value = self.member, row.condition.id, change["new"]
        self.saver.save(("rating", cid), lambda: self.store.save_condition_rating(member, cid, value))

    def _on_priority(self, change) -> None:
        if self.restoring or self.member is None:
            return
        row = next(r for r in self.rows if r.priority is change["owner"])
        picked = [r for r in self.rows if r.priority.value]
        if change["new"]:
            self.session = self.store.session(self.session.id)  # the facilitator may have changed the number
        most = self.session.max_priorities
        if change["new"] and len(picked) > most:
            with self.restoring():
                row.priority.value = False
            self.priority_msg.value = message(f"You can pick up to {counted(most, 'priority', 'priorities')}: "
                                              "unpick one first.").value
            return
        self.priority_msg.value = ""
        member, cid, chosen = self.member, row.condition.id, change["new"]
        self.saver.save(("priority", cid), lambda: self.store.save_priority(member, cid, chosen))
        self._update_progress()

    def _update_progress(self) -> None:
        done = sum(r.slider.value is not None for r in self.rows)
        picked = sum(bool(r.priority.value) for r in self.rows)
        self.progress.value = (f"<p class='wb-progress' role='status'>{done} of {len(self.rows)} conditions marked · "
                               f"{picked} of {self.session.max_priorities} priorities picked</p>")


class ConditionsTeam(Page):
    """The facilitator's Step 1 team view."""

    def __init__(self, store: Store, content, district, session):
        self.store, self.content, self.district, self.session = store, content, district, session
        self.saver = Saver()
        self.refresh_button = w.Button(description="Refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.summary = w.HTML()
        self.heat, self.spread, self.votes, self.rings = PlotView(), PlotView(), PlotView(), PlotView()
        self.restoring = Restoring()
        # how many priorities each member picks: the facilitator's choice (the guide sets no number)
        self.priorities = w.BoundedIntText(value=session.max_priorities, min=1, max=v.PRIORITIES_MOST,
                                           description="Priorities each member picks",
                                           style={"description_width": "initial"}, layout=w.Layout(width="auto"))
        self.priorities.observe(self._on_priorities, "value")
        self.priorities_msg = w.HTML("<p class='wb-muted'>The guide leaves the number to the team; the workbook "
                                     "suggests three. Members see a new number when they next pick.</p>")
        self.rings_key = w.HTML()
        self.layers = w.HTML()
        self.notes = []
        layer_cards = []
        for layer in content.framework.layers:
            boxes = []
            for i, q in enumerate(layer.questions, start=1):
                box = team_answer(store, session.id, self.saver, f"step1.{layer.id}.q{i}", q.text, height="70px")
                if q.note:  # the source prints this question garbled: say what it prints
                    box.children[0].value += question_note(q)
                boxes.append(box)
            self.notes += [b.children[1] for b in boxes]
            layer_cards.append(card(f"{layer.name}: reflection questions for teams", *boxes, level=3))
        step1 = content.framework.step1
        # the guide's Step 1 questions (a-c), answered by the team together
        letters = "abcdefgh"
        self.step1_answers = [team_answer(store, session.id, self.saver, f"step1.q{letters[i]}",
                                          f"{letters[i]}. {q}", height="70px")
                              for i, q in enumerate(step1.questions)]
        self.notes += [b.children[1] for b in self.step1_answers]

        super().__init__([
            header(f"{TITLE}: the team", TEAM_LEDE, f"<p class='wb-muted'>{esc(district.name)} · "
                                                     f"{esc(session.label)}</p>"
                   + step1_note(step1, open_=True)),
            w.HBox([self.refresh_button, self.summary], layout=w.Layout(align_items="center")),
            card("Team median by condition", self.rings, self.rings_key), card("Every member's marks", self.heat),
            card("Where the team agrees least", self.spread), card("Layers", self.layers),
            card("Priorities", self.priorities, self.priorities_msg, self.votes),
            card("Step 1: the team's answers", *self.step1_answers,
                 note="<p class='wb-muted'>Together, consider these questions and write down what the team "
                      "concludes.</p>"),
            *layer_cards, self.saver.widget, w.HTML(render.attribution(content)),
        ], summary=f"{TITLE} team view: {district.name}, session {session.label!r}")
        # updates by itself as members rate (a cheap check every 2 s while the page is visible)
        self.live = Live(check=lambda: store.session_stamp(session.id), on_change=self.refresh)
        self.children = (*self.children, self.live)
        self.refresh()

    def _on_priorities(self, change) -> None:
        if self.restoring or change["new"] is None:
            return
        try:
            self.session = self.store.set_priorities(self.session.id, change["new"])
        except InvalidInput as exc:
            with self.restoring():
                self.priorities.value = change["old"]
            self.priorities_msg.value = message(str(exc)).value
            return
        self.priorities_msg.value = (f"<p class='wb-muted' role='status'>Each member now picks up to "
                                     f"{number_word(self.session.max_priorities)}. The guide leaves the number to "
                                     "the team; the workbook suggests three.</p>")

    def refresh(self) -> None:
        """Re-read the session and the members' ratings and redraw the charts, the count and the layers table."""
        content, fw = self.content, self.content.framework
        self.session = self.store.session(self.session.id)
        cmarks, csum, names = condition_frames(self.store, content, self.session, self.session.show_authors)
        # a column is a Series (pandas types a frame's [] as a Series or a frame)
        members = cast(pd.Series, cmarks.dropna(subset=["rating"])["respondent_id"]).nunique()
        self.summary.value = (f"<span role='status'><strong>{counted(members, 'member')}</strong> "
                              f"{'has' if members == 1 else 'have'} rated the conditions.</span>")
        medians = {c: (None if pd.isna(m) else float(m)) for c, m in cast(pd.Series, csum["median"]).items()}
        self.rings.show(charts.framework_rings.spec(fw, medians, title="Team median alignment"))
        self.rings_key.value = rings_key(fw, medians)
        matrix = analysis.condition_matrix(cmarks, list(csum.index))
        self.heat.show(charts.heatmap.spec(matrix, names, fw.scale.labels, numbers=charts.condition_numbers(fw)))
        self.spread.show(charts.condition_spread.spec(csum, names, title=None))
        self.votes.show(charts.votes.spec(csum, names))
        self.layers.value = layers_html(content, csum)


def conditions_for_scale(store: Store | None = None, params: dict | None = None, content=None) -> Page:
    """The member page (join code or personal link) or, with the facilitator's code, the team view."""
    return open_app(TITLE, lambda s, c, d, se, m, fac: ConditionsTeam(s, c, d, se) if fac
                    else ConditionsForScale(s, c, d, se, m), store, params, content)
