"""Presenter view for a projector: the team's pathways and conditions in large type, names hidden."""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from .. import analysis, charts
from ..analysis import condition_frames
from ..content import retreat
from ..links import app_link
from ..store import Store
from ..widgets.access import open_app
from ..widgets.chart import Chart, PlotView
from ..widgets.live import Live
from ..widgets.page import Page, esc
from ..widgets.sharing import qr_svg

TITLE = "Presenter view"
JOIN_APP = "charting_your_path.ipynb"  # what the corner's QR code opens unless the room's step uses another page


def spectrum_strip(spectrum, marks: pd.DataFrame) -> go.Figure:
    """One spectrum, large: each member's marks as markers of their own, the medians as lines (charts.spectrum_dots)."""
    return charts.spectrum_dots(spectrum, marks)


STEP_CSS = """<style>
.wb-present-body { display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: flex-start; }
.wb-present-body > .wb-step-panel { flex: 0 1 38%; min-width: 300px; }
.wb-present-body > .wb-present-chart { flex: 1 1 560px; min-width: 0; }
.wb-present-body.wb-step-only > .wb-step-panel { flex: 1 1 100%; max-width: 60em; }
.wb-step-panel .wb-step-part { font-size: 1rem; color: var(--wb-muted); margin: 4px 0 0; }
.wb-step-panel h2 { font-size: 2rem; line-height: 1.2; margin: 2px 0 6px; }
.wb-step-panel .wb-step-count { font-size: 1.15rem; margin: 0 0 8px; }
.wb-step-panel .wb-step-do { font-size: 1.05rem; color: var(--wb-muted); margin: 0 0 8px; }
.wb-step-panel ol.wb-step-questions { list-style: none; padding: 0; margin: 0; }
.wb-step-panel .wb-step-questions li { font-size: 1.55rem; line-height: 1.3; margin: 0 0 12px; }
.wb-step-panel .wb-step-questions.wb-many li { font-size: 1.05rem; line-height: 1.3; margin: 0 0 6px; }
.wb-step-panel .wb-step-label { font-weight: 700; margin-right: 0.3em; }
.wb-step-panel .wb-step-group { font-size: 1rem; font-weight: 700; color: var(--wb-muted); margin: 4px 0 2px; }
.wb-step-layers { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: 4px 24px; }
.wb-step-layers ul { margin: 0; padding-left: 1.1em; }
.wb-step-panel .wb-step-layers li { font-size: 1.05rem; line-height: 1.3; margin: 0 0 6px; }
.wb-present-body.wb-step-only > .wb-step-panel.wb-step-wide { max-width: none; }
@media (max-width: 700px) { .wb-present-body > .wb-step-panel { flex: 1 1 100%; min-width: 0; } }
</style>"""


def step_panel(content, s, count: str = "") -> str:
    """The projector's words for a step of the run of show: its title, what members do and the guide's questions.

    Every question and instruction is the guide's own text (:func:`workbook.content.retreat.questions`), in large type;
    a step with many questions (the layers') sets them smaller, grouped under each layer's name.
    """
    qs = retreat.questions(content, s)
    items, groups = [], {}
    for ref, label, text in qs:
        if ref.startswith("layer."):  # the layers' questions, each layer a column under its name
            groups.setdefault(label, []).append(f"<li>{esc(text)}</li>")
        else:
            lead = f"<span class='wb-step-label'>{esc(label)}</span>" if label else ""
            items.append(f"<li>{lead}{esc(text)}</li>")
    if groups:
        items.append("<li><div class='wb-step-layers'>" + "".join(
            f"<div><p class='wb-step-group'>{esc(name)}</p><ul>{''.join(lis)}</ul></div>"
            for name, lis in groups.items()) + "</div></li>")
    told = "".join(f"<p class='wb-step-do'>{esc((label + ' ') if label else '')}{esc(text)}</p>"
                   for _ref, label, text in retreat.instructions(content, s))
    many = " wb-many" if len(items) > 5 else ""
    return (f"<div><p class='wb-step-part'>{esc(s.part)}</p><h2>{esc(s.title)}</h2>"
            + (f"<p class='wb-step-count' role='status'>{esc(count)}</p>" if count else "")
            + (told or f"<p class='wb-step-do'>{esc(s.does)}</p>")
            + (f"<ol class='wb-step-questions{many}'>{''.join(items)}</ol>" if items else "") + "</div>")


class Presenter(Page):
    """The projector's page: the chart fills the first screen; joining sits in a corner and can be hidden.

    It updates by itself as members mark, and follows the facilitator's run of show: when the room moves to a
    step (:mod:`workbook.content.retreat`), the page shows that step's title and the guide's own questions beside the
    step's chart, within a poll of the move (:class:`workbook.widgets.live.Live`). Names are never shown.
    """

    CHART_HEIGHT = 430  # with the title row and the view buttons, one 1280 x 720 screen

    def __init__(self, store: Store, content, district, session):
        self.store, self.content, self.session = store, content, session
        options = [("All seven", "all"), ("Now", "now")] + [(f"Q{s.number} {s.dimension}", s.id)
                                                             for s in content.spectra] \
            + [("Conditions", "conditions"), ("Votes", "votes")]
        self.view = w.ToggleButtons(options=options, description="", style={"button_width": "auto"})
        self.view.add_class("wb-views")
        self.view.observe(lambda _c: self._view_picked(), "value")
        self.refresh_button = w.Button(description="Refresh", tooltip="Draw again now (it also updates by itself)",
                                       layout=w.Layout(width="auto"))
        self.refresh_button.on_click(lambda _b: self.draw())
        self.plot = PlotView()
        if isinstance(self.plot, Chart):
            self.plot.fill = 56  # the chart fills the projector's first screen, its one-line caption under it
        self.plot.add_class("wb-present-chart")
        self.caption = w.HTML()
        self.count = w.HTML()
        self.step_html = w.HTML()
        self.step_html.add_class("wb-step-panel")
        self.step = None
        self._following = False
        self.district = district
        self.joiner = w.HTML()
        self._join_app = None
        self._show_join(JOIN_APP)
        self.hide_join = w.ToggleButton(value=False, description="Hide join code", layout=w.Layout(width="auto"),
                                        tooltip="Show or hide the QR code and the link members join with")
        self.hide_join.observe(self._toggle_join, "value")
        title = w.VBox([w.HTML(f"<h1>{esc(district.name)}</h1><p class='wb-sub'>{esc(session.label)}</p>"),
                        w.HBox([self.count, self.refresh_button], layout=w.Layout(align_items="center"))])
        title.add_class("wb-present-title")
        corner = w.HBox([self.joiner, self.hide_join])
        corner.add_class("wb-present-corner")
        head = w.HBox([title, corner])
        head.add_class("wb-present-head")
        bar = w.HBox([self.view])
        bar.add_class("wb-present-bar")
        self.body = w.HBox([self.step_html, self.plot])
        self.body.add_class("wb-present-body")
        self.live = Live(check=self._stamp, on_change=self._changed)
        super().__init__([w.HTML(STEP_CSS, layout=w.Layout(display="none")), head, bar, self.body, self.caption,
                          self.live], summary=f"{TITLE}: {district.name}, session {session.label!r}")
        self.add_class("wb-presenter")
        self.follow(self.live.stamp[1] if isinstance(self.live.stamp, tuple) else None)

    def _stamp(self):
        """What the page shows depends on: the session's marks and answers, and the room's step."""
        return (self.store.session_stamp(self.session.id), self.store.current_step(self.session.id))

    def _changed(self) -> None:
        step = self.live.stamp[1] if isinstance(self.live.stamp, tuple) else self.step
        if step != self.step:
            self.follow(step)
        else:
            self.draw()

    def follow(self, step_id: str | None) -> None:
        """Show the room's step ``step_id`` (None: no step, the views alone) with the chart the step calls for."""
        self.step = step_id
        s = retreat.step(step_id)
        self._following = True
        try:
            if s is not None:
                self.view.value = None if s.view == "none" else s.view
        finally:
            self._following = False
        self.draw()

    def _view_picked(self) -> None:
        if not self._following:
            self.draw()

    def _show_join(self, notebook: str) -> None:
        """The corner's QR code and link: the page members open for the room's step (Charting Your Path before)."""
        if notebook == self._join_app:
            return
        self._join_app = notebook
        d, se = self.district, self.session
        join = app_link(notebook, district=d.slug, session=se.id, code=se.join_code)
        what = ("Join from your own device" if notebook == JOIN_APP
                else f"Open {retreat.APP_TITLES.get(notebook, notebook)} on your own device")
        self.joiner.value = (f"<div class='wb-join'>{qr_svg(join, 3, border=2)}<div><strong>{esc(what)}</strong><br>"
                             f"Scan the code, or open:<br><span class='wb-link'>{esc(join)}</span></div></div>")

    def _toggle_join(self, change) -> None:
        self.joiner.layout.display = "none" if change["new"] else None
        self.hide_join.description = "Show join code" if change["new"] else "Hide join code"

    def draw(self) -> None:
        """Redraw the count of members who charted, the room's step and the chart of the view picked."""
        marks = self.store.spectrum_marks(self.session.id)
        n = analysis.members_with_marks(marks)
        self.count.value = (f"<span class='wb-count' role='status'><strong>{n}</strong> member{'s' if n != 1 else ''} "
                            "charted</span>")
        s = retreat.step(self.step)
        self._show_join(s.app if s is not None and s.app else JOIN_APP)
        if s is None:
            self.step_html.value = ""
            self.step_html.layout.display = "none"
        else:
            finished, members = retreat.progress(self.store, self.session, self.content)[s.id]
            count = (retreat.count_words(s, finished, members) if finished is not None
                     else retreat.record(self.store, self.session, self.content).get(s.id, ""))
            self.step_html.value = step_panel(self.content, s, count)
            self.step_html.layout.display = None
            wide = any(ref.startswith("layer.") for ref in s.questions)  # the layers' questions, in columns
            (self.step_html.add_class if wide else self.step_html.remove_class)("wb-step-wide")
        view = self.view.value
        if view is None:
            self.plot.layout.display = "none"
            self.caption.value = ""
            self.body.add_class("wb-step-only")
            return
        self.plot.layout.display = None
        self.body.remove_class("wb-step-only")
        if view == "votes":
            _, csum, names = condition_frames(self.store, self.content, self.session, False)
            fig = charts.votes(csum, names, title="Priority votes")
            fig.update_layout(font=dict(size=18), height=self.CHART_HEIGHT)
            self.caption.value = ("<p class='wb-muted'>How many members picked each condition as a priority. "
                                  "Names are never shown.</p>")
        elif view == "conditions":
            cmarks = self.store.condition_marks(self.session.id)
            fig = charts.condition_dots(self.content.framework, cmarks, title="The sixteen conditions: every rating")
            fig.update_layout(font=dict(size=15), height=self.CHART_HEIGHT)
            self.caption.value = ("<p class='wb-muted'>Each dot is one member's rating (equal ratings side by side); "
                                  "the bar is the team's median. Names are never shown.</p>")
        elif view in ("all", "now"):
            fields = ("current", "aspiration") if view == "all" else ("current",)
            spread = {f: analysis.summary(marks, f) for f in fields}
            title = "The team's median pathway" if view == "all" else "Where the team sees the system now"
            spec = charts.team_pathways.spec(self.content.spectra, marks, analysis.median_pathway(marks),
                                             self.store.team_marks(self.session.id), title=title, spread=spread,
                                             members=False)
            if view == "now":  # the first pass: nothing of the aspiration, not even its legend entry
                spec["data"] = [t for t in spec.data if "aspiration" not in str(t.get("name", "")).lower()]
            fig = spec.figure()
            fig.update_layout(font=dict(size=18), height=self.CHART_HEIGHT, margin=dict(t=60))
            self.caption.value = ("<p class='wb-muted'>The team's median " + ("now and aspiration" if view == "all"
                                                                              else "now") +
                                  "; the shaded bands show where the middle half of the team marked. Names are "
                                  "never shown.</p>")
        else:
            fig = spectrum_strip(self.content.spectrum(view), marks)
            fig.update_layout(height=self.CHART_HEIGHT)
            self.caption.value = ("<p class='wb-muted'>Each marker is one member (equal marks side by side); "
                                  "the line is the team's median.</p>")
        self.plot.show(fig)


def presenter(store: Store | None = None, params: dict | None = None, content=None) -> Page:
    """The projector page (needs the facilitator's code)."""
    return open_app(TITLE, lambda s, c, d, se, _m, _fac: Presenter(s, c, d, se), store, params, content,
                    facilitator=True)
