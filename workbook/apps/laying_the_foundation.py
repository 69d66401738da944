"""Laying the Foundation (Reflection Guide 1): values, context and desired outcomes, per member and agreed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import ipywidgets as w

from .. import analysis, charts
from ..analysis import member_labels
from ..content import render
from ..content.frameworks import paragraphs
from ..store import Store
from ..widgets.access import open_app
from ..widgets.chart import PlotView
from ..widgets.identity import Identity
from ..widgets.page import Page, esc, header
from ..widgets.restoring import Restoring
from ..widgets.room import RoomLine
from ..widgets.saver import NoteArea, Saver, team_answer

TITLE = "Laying the Foundation"
PAGE = "laying_the_foundation.ipynb"
LEDE = ("Reflection Guide 1 asks three categories of questions: Driving Values; Context, Culture, &amp; Climate; "
        "and Desired Outcomes. Answer them in your own words. Your answers are saved as you type and feed the "
        "team's agreed answers.")
TEAM_LEDE = ("Every member's answers to Reflection Guide 1, and space for the one answer the team agrees on. List "
             "the team's desired outcomes: the other apps and the district report refer to them. Then look at the "
             "team's current pathway against those outcomes.")


def guide_note(content, open_: bool = False) -> str:
    """What the guide prints before Guide 1's questions, paragraph by paragraph as printed.

    The reflection guides' shared introduction, then Guide 1's: the quotations, "Before looking at tactical
    implementation decisions, ..." and "Here are three categories of questions ...", each a paragraph of its own.
    """
    guides = content.guides
    return render.guide_note(guides.guide_1.title, [*paragraphs(guides.intro), *guides.guide_1.intro_paragraphs],
                             open_=open_)


def numbered(number: int, question) -> str:
    """A guide question numbered as the guide prints it within its category ('1. What values ...')."""
    return f"{number}. {esc(question.text)}"


def _area(value: str = "", height: str = "80px", placeholder: str = "Your answer…") -> NoteArea:
    return NoteArea(value=value, placeholder=placeholder, layout=w.Layout(width="100%", height=height))


class OutcomeText(w.Text):
    """The box of one of the team's desired outcomes; ``index`` is its number (1-based), as the store keeps it."""

    index: int


class FoundationMember(Page):
    """A member's Laying the Foundation page (Reflection Guide 1): their answers to the guide's questions."""

    def __init__(self, store: Store, content, district, session, member=None):
        self.store, self.content, self.session = store, content, session
        self.saver = Saver()
        self.identity = Identity(store, district, session, PAGE, self.saver, member)
        self.areas = []
        cards = []
        for section in content.guides.guide_1.sections:
            boxes = []
            for number, q in enumerate(section.questions, start=1):
                area = _area()
                area.disabled = True
                area.question_id = f"rg1.{q.id}"
                area.observe(self._on_note, "value")
                self.areas.append(area)
                boxes.append(w.VBox([w.HTML(f"<label><strong>{numbered(number, q)}</strong></label>"), area]))
            card = w.VBox([w.HTML(f"<h2>{esc(section.title)}</h2>"), *boxes])
            card.add_class("wb-card")
            cards.append(card)
        self.restoring = Restoring()
        note = guide_note(content)
        # where the room has moved on to, when the facilitator runs the day from the run of show
        self.room = RoomLine(store, session, PAGE)
        super().__init__([header(TITLE, LEDE, f"<p class='wb-muted'>{esc(district.name)} · {esc(session.label)}</p>"
                                 f"{note}"),
                          self.room, self.identity, self.saver.widget, *cards, w.HTML(render.attribution(content))],
                         summary=f"{TITLE}: {district.name}, session {session.label!r}")
        self.identity.on_member(self._unlock)
        self.identity.on_member(lambda m: self.room.follow(m, district.slug))

    def _unlock(self, member) -> None:
        with self.restoring():
            for area in self.areas:
                area.value = self.store.note(self.session.id, area.question_id, member)
                area.disabled = False

    def _on_note(self, change) -> None:
        if self.restoring or self.identity.member is None:
            return
        area, member = change["owner"], self.identity.member
        self.saver.save(("note", area.question_id),
                        lambda: self.store.save_note(self.session.id, area.question_id, change["new"], member))


class FoundationTeam(Page):
    """The facilitator's Laying the Foundation team view: members' answers, the team's answers and desired outcomes."""

    def __init__(self, store: Store, content, district, session):
        self.store, self.content, self.session = store, content, session
        self.saver = Saver()
        notes = store.notes(session.id)
        labels = member_labels(None, store.respondents(session.id), session.show_authors, session.min_group_size)
        self.areas = []
        cards = []
        for section in content.guides.guide_1.sections:
            boxes = []
            for number, q in enumerate(section.questions, start=1):
                qid = f"rg1.{q.id}"
                rows = notes[(notes["question_id"] == qid) & (notes["respondent_id"] != 0) & (notes["text"] != "")]
                # named tuples, which pandas types as plain ones
                said = "".join(f"<li><span class='wb-muted'>{esc(labels.get(r.respondent_id, 'Member'))}:</span> "
                               f"{esc(r.text)}</li>" for r in cast(Iterable[Any], rows.itertuples()))
                area = _area(store.note(session.id, qid), placeholder="The team's agreed answer…")
                area.question_id = qid
                area.observe(self._on_note, "value")
                self.areas.append(area)
                boxes.append(w.VBox([w.HTML(f"<h3>{numbered(number, q)}</h3>" + (f"<ul>{said}</ul>" if said else
                                             "<p class='wb-muted'>No member answers yet.</p>")), area]))
            card = w.VBox([w.HTML(f"<h2>{esc(section.title)}</h2>"), *boxes])
            card.add_class("wb-card")
            cards.append(card)
        outcomes = store.desired_outcomes(session.id)
        self.outcomes = [OutcomeText(value=outcomes[i] if i < len(outcomes) else "", description=f"Outcome {i + 1}",
                                     layout=w.Layout(width="100%"), continuous_update=False)
                         for i in range(store.MAX_OUTCOMES)]
        for i, box in enumerate(self.outcomes, start=1):
            box.index = i
            box.observe(self._on_outcome, "value")
        out_card = w.VBox([w.HTML("<h2>The team's desired outcomes</h2><p class='wb-muted'>One per line, as specific "
                                  "as you can: what will change for students, and how will you know?</p>"),
                           *self.outcomes])
        out_card.add_class("wb-card")
        marks = store.spectrum_marks(session.id)
        # plain dicts (charts.Spec): a member's kernel never loads plotly's validators (workbook/widgets/chart.py)
        self.pathway = PlotView(charts.team_pathways.spec(content.spectra, marks.iloc[0:0],
                                                          analysis.median_pathway(marks), store.team_marks(session.id),
                                                          title="The team's current pathway"))
        link = content.guides.guide_2.section("desired_outcomes_link")
        link_boxes = [team_answer(store, session.id, self.saver, f"rg2.{q.id}", f"{i}. {q.text}")
                      for i, q in enumerate(link.questions, start=1)]
        self.areas += [b.children[1] for b in link_boxes]
        # Reflection Guide 2's last questions look back at this guide's desired outcomes: said as Guide 2 says them
        g2 = content.guides.guide_2
        link_card = w.VBox([w.HTML(f"<h2>From Reflection Guide 2, {esc(g2.title)}: your pathway and your desired "
                                   f"outcomes</h2><p>{esc(link.intro)}</p><p class='wb-muted'>The guide's visual is "
                                   "not in its text: here, the team's desired outcomes above and its current pathway "
                                   "below.</p>"), self.pathway, *link_boxes])
        link_card.add_class("wb-card")
        note = guide_note(content, open_=True)
        super().__init__([header(f"{TITLE}: the team", TEAM_LEDE, f"<p class='wb-muted'>{esc(district.name)} · "
                                                                     f"{esc(session.label)}</p>{note}"),
                          *cards, out_card, link_card, self.saver.widget, w.HTML(render.attribution(content))],
                         summary=f"{TITLE} team view: {district.name}, session {session.label!r}")

    def _on_note(self, change) -> None:
        area = change["owner"]
        self.saver.save(("note", area.question_id),
                        lambda: self.store.save_note(self.session.id, area.question_id, change["new"]))

    def _on_outcome(self, change) -> None:
        box = change["owner"]
        self.saver.save(("outcome", box.index),
                        lambda: self.store.save_outcome(self.session.id, box.index, change["new"]))


def laying_the_foundation(store: Store | None = None, params: dict | None = None, content=None) -> Page:
    """Member page (join code or personal link) or, with the facilitator's code, the team's page."""
    return open_app(TITLE, lambda s, c, d, se, m, fac: FoundationTeam(s, c, d, se) if fac
                    else FoundationMember(s, c, d, se, m), store, params, content)
