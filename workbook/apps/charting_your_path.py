"""Charting Your Path (Reflection Guide 2): one member marks now and aspiration on the seven spectra."""

from __future__ import annotations

import ipywidgets as w
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_selection import ToggleButtonsStyle
from ipywidgets.widgets.widget_string import TextStyle

from .. import analysis, charts
from ..content import render
from ..html.pathway import gap_list
from ..store import Respondent, Store
from ..widgets.access import open_app
from ..widgets.chart import Chart, PlotView
from ..widgets.identity import Identity
from ..widgets.marks import MarkSlider
from ..widgets.page import Page, esc, header, html, shared, vbox
from ..widgets.restoring import Restoring
from ..widgets.room import RoomLine
from ..widgets.saver import NoteArea, Saver

TITLE = "Charting Your Path"
LEDE = (
    "Mark where your system is <span class='wb-legend-now'>now</span> and where it "
    "<span class='wb-legend-asp'>should be</span> on each of the seven spectra below. Both ends of every "
    "spectrum have real benefits: the question is not “Which side are we on?” but “How will we navigate a path "
    "that optimizes our goals?” Everything you enter is saved as you go."
)
PAGE = "charting_your_path.ipynb"
NOTE_PREFIX = "rg2."
CRITICAL = "rg2.critical"  # the spectrum a member finds the most critical gap on (a note holding its id)
# Reflection Guide 2's two passes, named as the guide names them: the marking instruction draws the current
# pathway, Q2 (an instruction, not a question) the aspirational one. No "Step N": that is the conditions framework's.
PASSES = (("1 · Current pathway", "now"), ("2 · Aspirational pathway", "aspiration"))
PASS_NAMES = render.PASS_NAMES  # the worksheet names its passes the same way


def pass_note(which: str, guide) -> str:
    """The note that opens a pass: its name and the guide's own instruction for it, verbatim.

    The first pass opens with the guide's marking instruction, the second with Q2, the guide's instruction to mark
    an aspirational spot on each spectrum (the question of ``kind`` "instruction").
    """
    if which == "now":
        return (f"<p><strong>{PASS_NAMES['now']}.</strong> {esc(guide.marking_instruction)} <span class='wb-muted'>"
                "The chart connects your marks; then say what you notice.</span></p>")
    instruction = next(q for q in guide.section("pathway").questions if q.kind == "instruction")
    return (f"<p><strong>{PASS_NAMES['aspiration']}.</strong> <span class='wb-notice'>{esc(instruction.text)}</span> "
            "<span class='wb-muted'>Your <span class='wb-legend-now'>now</span> marks stay on the chart; yours "
            "in <span class='wb-legend-asp'>the other colour</span> draw the new pathway. Then look at the gaps."
            "</span></p>")


def progress_line(which: str, now: int, aspirations: int, total: int) -> str:
    """What the member has marked, the pass they are in first: '7 of 7 marked now · 0 of 7 aspirations'."""
    marked_now = f"{now} of {total} marked now"
    if which == "aspiration":
        text = f"{aspirations} of {total} aspirations marked · {marked_now}"
    else:
        text = f"{marked_now} · {aspirations} of {total} aspirations"
    return f"<p class='wb-progress' role='status'>{text}</p>"


def last_time_line(earlier, agreed: dict) -> str:
    """The line above the cards of a follow-up: the grey dashed line is what the team agreed last time.

    ``agreed``: the team's agreed marks then (``current`` and ``aspiration``, each {spectrum id: mark}).
    """
    what = [word for field, word in (("current", "where the system was then (circles)"),
                                     ("aspiration", "where it should be (diamonds)")) if agreed.get(field)]
    return (f"<p class='wb-muted wb-last-time'>This session follows up <strong>{esc(earlier.label)}</strong> "
            f"({render.date_text(earlier.held_on)}). The grey dashed line on your chart is what the team agreed "
            f"then: {' and '.join(what)}. Mark where you see it today.</p>")


def _annotations(fig: charts.Spec) -> int:
    """How many annotations ``fig``'s layout has (the empty-state hint among them)."""
    return len(fig.layout.get("annotations") or [])


class SpectrumCard(w.VBox):
    """One spectrum: its question and poles, the expandable content, the now slider and the aspiration slider.

    The aspiration slider belongs to the guide's second pass and is made when the page builds that pass
    (``second_pass``, called the first time :attr:`aspiration` is asked for).
    """

    def __init__(self, spectrum, second_pass=None):
        self.spectrum = spectrum
        self._second_pass = second_pass
        self._aspiration: MarkSlider | None = None
        # the card's text travels with its first slider: one widget model fewer per card for the browser to make
        self.now = MarkSlider(label="Now", kind="now", name=f"{spectrum.dimension}, now",
                              left=spectrum.left.plain_label, right=spectrum.right.plain_label, disabled=True,
                              intro=render.spectrum_card(spectrum), layout=shared(w.Layout))
        super().__init__([self.now], layout=shared(w.Layout))
        self.add_class("wb-card")

    @property
    def aspiration(self) -> MarkSlider:
        """The aspiration slider (the page's second pass is built the first time it is asked for)."""
        if self._aspiration is None:
            if self._second_pass is not None:
                self._second_pass()
            if self._aspiration is None:
                return self.add_aspiration()
        return self._aspiration

    @property
    def aspiration_value(self) -> float | None:
        """The aspiration mark, None while it is unmarked or its slider is not made yet."""
        return None if self._aspiration is None else self._aspiration.value

    def add_aspiration(self) -> MarkSlider:
        """Make the aspiration slider (locked as the now slider is) and put it on the card; returns it."""
        spectrum = self.spectrum
        self._aspiration = MarkSlider(label="Aspiration (where we should be)", kind="aspiration",
                                      name=f"{spectrum.dimension}, aspiration", left=spectrum.left.plain_label,
                                      right=spectrum.right.plain_label, disabled=self.now.disabled,
                                      layout=shared(w.Layout))
        self._aspiration.add_class("wb-only-aspiration")
        self.children = (*self.children, self._aspiration)
        return self._aspiration


class ChartingYourPath(Page):
    """The member's page, in Reflection Guide 2's two passes: now marks first, then aspirations and the gaps.

    Build with :func:`charting_your_path`, which reads the link's parameters.
    """

    def __init__(self, store: Store, content, district, session, member: Respondent | None = None):
        self.store, self.content, self.district, self.session = store, content, district, session
        self.member = member
        self.saver = Saver()
        self.restoring = Restoring()  # the page's own updates are not saved
        spectra = content.spectra
        self.cards = [SpectrumCard(s, self.second_pass) for s in spectra]
        # the pathway as plain dicts (charts.Spec), never a go.Figure: plotly's validators (a 3 MB JSON file,
        # about 10 MiB) then stay out of every member's kernel; the tests validate the same figure
        self._chart: charts.Spec | None = None
        self.current: dict[str, float | None] = {s.id: None for s in spectra}
        self.aspiration_marks: dict[str, float | None] = {s.id: None for s in spectra}

        self.identity = Identity(store, district, session, PAGE, self.saver, member,
                                 verb="Start charting")
        self.name, self.role, self.start = self.identity.name, self.identity.role, self.identity.start
        self.identity_msg, self.link = self.identity.msg, self.identity.link
        self.progress = self.pass_note = html()  # one status: the pass's note, then the progress
        self._note = ""
        self.pass_ = "now"
        self._marked = (0, 0)  # spectra marked now, aspirations marked
        self.plot = PlotView()
        if isinstance(self.plot, Chart):
            self.plot.fit = 0.4  # stays in view above the cards on a tablet
        # the second pass (aspiration sliders, gap list, most critical gap and Q3) is built when the member
        # gets there (second_pass): the page opens with fewer widgets for the browser to make before the chart
        self._second: list | None = None
        self._questions = {q.id: q for q in content.guides.guide_2.section("pathway").questions}
        first = self._question_box(self._questions["p1"])
        self.passes = w.ToggleButtons(options=[label for label, _ in PASSES], value=PASSES[0][0],
                                      tooltips=[PASS_NAMES["now"], PASS_NAMES["aspiration"]],
                                      style=shared(ToggleButtonsStyle, button_width="auto"),
                                      layout=shared(w.Layout))
        self.passes.observe(lambda c: self.show_pass(dict(PASSES)[c["new"]]), "value")

        for card in self.cards:
            card.now.observe(self._on_mark, "value")

        chart = vbox([self.plot])
        chart.add_class("wb-path-chart")
        first.add_class("wb-only-now")
        self._first = [first]
        # the guide's questions come after the seven marks of each pass, as in the printed guide; the chart
        # alone sits beside the cards, so it is never taller than the screen and stays in view while marking
        self.rest = vbox([first])
        self.rest.add_class("wb-path-rest")
        # the two columns are laid out by the stylesheet (.wb-path in workbook/content/theme.py), not by layout models
        # a follow-up starts from the last session: the team's agreed marks then, a muted pathway on the chart,
        # and a line above the cards that says so (a first session, or nothing agreed then: neither)
        self.earlier = store.followed(session)
        self.last_time, self.last_time_name = self._agreed_last_time()
        self.last_time_note = None if self.last_time is None else html(last_time_line(self.earlier, self.last_time))
        marks = vbox([self.passes, self.pass_note, *([self.last_time_note] if self.last_time_note else []),
                      *self.cards, self.rest])
        marks.add_class("wb-path-marks")
        side = vbox([chart])
        side.add_class("wb-path-side")
        body = w.Box([marks, side], layout=shared(w.Layout))
        body.add_class("wb-path")
        self.body = body
        title = f"{district.name} · {session.label}"
        g2 = content.guides.guide_2
        guide = render.guide_note(g2.title, [g2.intro, g2.marking_instruction])
        # where the room has moved on to, when the facilitator runs the day from the run of show
        self.room = RoomLine(store, session, PAGE)
        super().__init__([header(TITLE, LEDE, f"<p class='wb-muted'>{esc(title)}</p>{guide}"), self.room, self.identity,
                          self.saver.widget, body, html(render.attribution(content))],
                         summary=f"{TITLE}: {district.name}, session {session.label!r}")
        if member is not None:
            self._restore(member)
        self.identity.on_member(lambda m: self._unlock())
        self.identity.on_member(lambda m: self.room.follow(m, district.slug))
        self._redraw()
        # a returning member lands where they left off: on the aspirations once they have marked any
        self.show_pass("aspiration" if any(v is not None for v in self.aspiration_marks.values()) else "now")

    def _agreed_last_time(self) -> tuple[dict | None, str]:
        """The team's agreed marks of the session this one follows up, and their name on the chart.

        Only the marks the team agreed (no member's own); None when this is no follow-up or nothing was agreed.
        """
        if self.earlier is None:
            return None, ""
        agreed = self.store.agreed_marks(self.earlier.id)  # plain numbers: the member page never loads pandas
        if not any(agreed.values()):
            return None, ""
        return agreed, f"Agreed last time ({self.earlier.label}, {render.date_text(self.earlier.held_on)})"

    def show_pass(self, which: str) -> None:
        """Show the guide's pass ``which`` ('now' or 'aspiration'): its sliders and its questions."""
        label = next(lbl for lbl, key in PASSES if key == which)
        if self.passes.value != label:
            self.passes.value = label  # observed: comes back here
            return
        if which == "aspiration":
            self.second_pass()
        self.pass_ = which
        # one class on the page's body decides what shows (the stylesheet hides the other pass's parts): one
        # message, and no layout of a widget that hides is ever shared with one that stays
        self.body._dom_classes = tuple(c for c in self.body._dom_classes if not c.startswith("wb-on-")) \
            + (f"wb-on-{which}",)
        self._note = pass_note(which, self.content.guides.guide_2)
        self._status()

    def second_pass(self) -> None:
        """Build the guide's second pass, once.

        The aspiration sliders, the gap list, the most critical gap and Q3, with the member's saved answers,
        locked as the first pass is. Q2, the guide's instruction to mark the aspirations, opens the pass as its
        note (:func:`pass_note`).
        """
        if self._second is not None:
            return
        self._second = []  # from here on the cards' ``aspiration`` is built, not asked for again
        sliders = [card.add_aspiration() for card in self.cards]
        spectra = self.content.spectra
        self._gaps = html()
        self._critical = w.Dropdown(options=[("Choose a spectrum…", "")] + [(s.dimension, s.id) for s in spectra],
                                    value="", description="The most critical gap, in my view",
                                    style=shared(DescriptionStyle, description_width="initial"),
                                    disabled=self.member is None, layout=shared(w.Layout, width="100%"))
        # Q2 is the guide's instruction that opens this pass (its note above the cards), not a question here
        parts = [self._gaps, self._critical, self._question_box(self._questions["p3"])]
        for part in parts:
            part.add_class("wb-only-aspiration")
        if self.member is not None:
            with self.restoring():
                for area in self._areas(parts):
                    area.value = self.store.note(self.session.id, area.question_id, self.member)
                critical = self.store.note(self.session.id, CRITICAL, self.member)
                self._critical.value = critical if critical in {s.id for s in spectra} else ""
        for slider in sliders:
            slider.observe(self._on_mark, "value")
        self._critical.observe(self._on_critical, "value")
        self._second = parts
        self.rest.children = (*self.rest.children, *parts)
        if self._chart is not None:
            self._link(sliders, "Aspiration")
        self._show_gaps()

    @property
    def questions(self) -> list[w.VBox]:
        """The answer boxes of the guide's pathway questions, Q1 and Q3, in its order (Q2 is an instruction).

        The second pass is built if it is not yet.
        """
        self.second_pass()
        assert self._second is not None  # second_pass() has built it
        by_id = {box.children[1].question_id: box for box in self._first + self._second
                 if isinstance(box, w.VBox) and isinstance(box.children[1], w.Textarea)}
        return [by_id[NOTE_PREFIX + q.id] for q in self._questions.values() if q.kind == "question"]

    @property
    def gaps(self) -> w.HTML:
        """The member's gaps, largest first (second pass)."""
        self.second_pass()
        return self._gaps

    @property
    def critical(self) -> w.Dropdown:
        """The spectrum the member finds the most critical gap on (second pass)."""
        self.second_pass()
        return self._critical

    # ---------------------------------------------------------------- identity
    def _question_box(self, q) -> w.VBox:
        """A guide question's answer box (an instruction takes none: it opens its pass, see :func:`pass_note`)."""
        area = NoteArea(placeholder="Your thoughts…", layout=shared(w.Layout, width="100%", height="90px"),
                        style=shared(TextStyle), disabled=self.member is None)
        area.question_id = NOTE_PREFIX + q.id
        area.observe(self._on_note, "value")
        label = html(f"<label><strong>{esc(q.text)}</strong></label>")
        return vbox([label, area])

    def _areas(self, boxes=None):
        """The answer boxes among ``boxes`` (default: every question of both passes, built if need be)."""
        boxes = self.questions if boxes is None else boxes
        return [box.children[1] for box in boxes if isinstance(box, w.VBox) and isinstance(box.children[1], w.Textarea)]

    def _on_start(self, _button=None) -> None:
        self.identity.begin()

    @property
    def member(self):
        """The member this page belongs to (None until they have joined)."""
        return self.identity.member if hasattr(self, "identity") else self._member

    @member.setter
    def member(self, value):
        self._member = value

    def _unlock(self) -> None:
        self.start.layout.display = "none"
        for card in self.cards:
            card.now.disabled = False
            if card._aspiration is not None:
                card._aspiration.disabled = False
        for area in self._areas(self._first + (self._second or [])):
            area.disabled = False
        if self._second is not None:
            self._critical.disabled = False

    def _restore(self, member: Respondent) -> None:
        mine = self.store.member_marks(member)
        if any(row.get("aspiration") is not None for row in mine.values()):
            self.second_pass()  # the member lands on the second pass, where they left off
        with self.restoring():
            for card in self.cards:
                row = mine.get(card.spectrum.id, {})
                card.now.value = row.get("current")
                if card._aspiration is not None:
                    card._aspiration.value = row.get("aspiration")
            for area in self._areas(self._first):
                area.value = self.store.note(self.session.id, area.question_id, member)

    # ---------------------------------------------------------------- marks and notes
    def _on_mark(self, change) -> None:
        slider = change["owner"]
        card = next(c for c in self.cards if slider is c.now or slider is c._aspiration)
        field = "current" if slider is card.now else "aspiration"
        (self.current if field == "current" else self.aspiration_marks)[card.spectrum.id] = change["new"]
        self._redraw()
        if self.restoring or self.member is None or change["new"] is None:
            return
        member, sid, value = self.member, card.spectrum.id, change["new"]
        self.saver.save(("mark", sid, field), lambda: self.store.save_spectrum_mark(member, sid, field, value))

    def _on_note(self, change) -> None:
        if self.restoring or self.member is None:
            return
        area, member = change["owner"], self.member
        self.saver.save(("note", area.question_id),
                        lambda: self.store.save_note(self.session.id, area.question_id, change["new"], member))

    def _on_critical(self, change) -> None:
        if self.restoring or self.member is None:
            return
        member, value = self.member, change["new"] or ""
        self.saver.save(("note", CRITICAL), lambda: self.store.save_note(self.session.id, CRITICAL, value, member))

    def _redraw(self) -> None:
        for card in self.cards:
            self.current[card.spectrum.id] = card.now.value
            self.aspiration_marks[card.spectrum.id] = card.aspiration_value
        # the chart first (it is what the member watches); built once, later moves change the two pathway
        # traces (and drop the empty-state hint once), and only those are sent again
        if self._chart is None:
            self._chart = charts.pathway.spec(self.content.spectra, self.current, self.aspiration_marks,
                                              last_time=self.last_time, last_time_name=self.last_time_name)
            self.plot.show(self._chart)
            self._link([card.now for card in self.cards], "Now")
            if self._second is not None:
                self._link([card.aspiration for card in self.cards], "Aspiration")
        else:
            hints = _annotations(self._chart)
            charts.update_pathway(self._chart, self.content.spectra, self.current, self.aspiration_marks)
            moved = [i for i, t in enumerate(self._chart.data) if t.get("name") in ("Now", "Aspiration")]
            self.plot.show(self._chart, traces=moved, layout=_annotations(self._chart) != hints)
        self._marked = (sum(v is not None for v in self.current.values()),
                        sum(v is not None for v in self.aspiration_marks.values()))
        self._status()
        self._show_gaps()

    def _status(self) -> None:
        """The status line: the pass's note, then what the member has marked, the pass they are in first."""
        self.progress.value = self._note + progress_line(self.pass_, *self._marked, len(self.cards))

    def _show_gaps(self) -> None:
        if self._second is not None:
            self._gaps.value = gap_list(self.content, analysis.ranked_gaps(self.current, self.aspiration_marks))

    def _link(self, sliders, line: str) -> None:
        """The browser moves a point as soon as its slider moves; the kernel's redraw confirms it."""
        assert self._chart is not None  # linked once the chart is drawn (_redraw, second_pass)
        trace = next(i for i, t in enumerate(self._chart.data) if t.get("name") == line)
        for point, (card, slider) in enumerate(zip(self.cards, sliders, strict=True)):
            self.plot.link(slider, trace, point, charts.point_texts(card.spectrum, slider.min, slider.max, slider.step))


def charting_your_path(store: Store | None = None, params: dict | None = None, content=None) -> Page:
    """Build the app from the page's link (``?district=&session=&code=`` or a personal ``&me=`` token)."""
    return open_app(TITLE, lambda s, c, d, se, m, _fac: ChartingYourPath(s, c, d, se, m), store, params, content)
