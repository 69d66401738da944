"""Presenter view for a projector: the team's pathways and conditions in large type, names hidden."""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from .. import analysis, charts, theme
from ..analysis import condition_frames
from ..html.conditions import rings_key
from ..links import app_link
from ..store import Store
from ..widgets.access import open_app
from ..widgets.chart import PlotView
from ..widgets.live import Live
from ..widgets.page import Page, esc
from ..widgets.sharing import qr_svg

TITLE = "Presenter view"


def spectrum_strip(spectrum, marks: pd.DataFrame) -> go.Figure:
    """One spectrum, large: every member's now and aspiration as dots, the team medians as big markers."""
    data = marks[marks["spectrum"] == spectrum.id]
    fig = go.Figure()
    for i, (field, style) in enumerate((("current", theme.NOW_STYLE), ("aspiration", theme.ASPIRATION_STYLE))):
        vals = data[field].dropna()
        row = ["Now", "Aspiration"][i]
        fig.add_trace(go.Scatter(x=vals, y=[row] * len(vals), mode="markers", name=f"Members, {row.lower()}",
                                 marker=dict(size=18, color=style["color"], symbol=style["symbol"], opacity=0.45),
                                 hovertemplate="%{x}<extra></extra>"))
        if len(vals):
            fig.add_trace(go.Scatter(x=[vals.median()], y=[row], mode="markers", name=f"Median, {row.lower()}",
                                     marker=dict(size=34, color=style["color"], symbol=style["symbol"],
                                                 line=dict(width=3, color="#fff"))))
    fig.update_layout(height=380, font=dict(family=theme.FONT, size=22, color=theme.INK), paper_bgcolor="#fff",
                      plot_bgcolor="#fff", margin=dict(l=170, r=30, t=90, b=60), showlegend=False,
                      title=dict(text=f"Q{spectrum.number} · {spectrum.dimension}", x=0, font=dict(size=30)))
    fig.update_xaxes(range=[0.7, 5.3], tickvals=[1, 2, 3, 4, 5], ticktext=[
        f"1<br>{spectrum.left.plain_label}", "2", "3", "4", f"5<br>{spectrum.right.plain_label}"],
        tickfont=dict(size=20), fixedrange=True)
    fig.update_yaxes(categoryorder="array", categoryarray=["Aspiration", "Now"], fixedrange=True)
    # on a phone: smaller type, the pole names under the ends wrapped, the rows named in a narrow margin
    charts.narrow(fig, layout=dict(
        font=dict(size=14), title=dict(font=dict(size=20)), margin=dict(l=8, r=12, t=60, b=70),
        xaxis=dict(range=[0.3, 5.7], tickfont=dict(size=12), ticktext=[
            f"1<br>{charts.two_lines(spectrum.left.plain_label, 10)}", "2", "3", "4",
            f"5<br>{charts.two_lines(spectrum.right.plain_label, 10)}"]),
        yaxis=dict(automargin=True)))
    return fig


class Presenter(Page):
    """The projector's page: the chart fills the first screen; joining sits in a corner and can be hidden.

    It updates by itself as members mark (:class:`workbook.widgets.live.Live`); names are never shown.
    """

    CHART_HEIGHT = 430  # with the title row and the view buttons, one 1280 x 720 screen

    def __init__(self, store: Store, content, district, session):
        self.store, self.content, self.session = store, content, session
        options = [("All seven", "all")] + [(f"Q{s.number} {s.dimension}", s.id) for s in content.spectra] \
            + [("Conditions", "conditions")]
        self.view = w.ToggleButtons(options=options, description="", style={"button_width": "auto"})
        self.view.add_class("wb-views")
        self.view.observe(lambda _c: self.draw(), "value")
        self.refresh_button = w.Button(description="Refresh", tooltip="Draw again now (it also updates by itself)",
                                       layout=w.Layout(width="auto"))
        self.refresh_button.on_click(lambda _b: self.draw())
        self.plot = PlotView()
        if hasattr(self.plot, "fill"):
            self.plot.fill = 56  # the chart fills the projector's first screen, its one-line caption under it
        self.caption = w.HTML()
        self.count = w.HTML()
        join = app_link("charting_your_path.ipynb", district=district.slug, session=session.id, code=session.join_code)
        self.joiner = w.HTML(f"<div class='wb-join'>{qr_svg(join, 3, border=2)}<div><strong>Join from your own "
                             "device</strong><br>Scan the code, or open:<br>"
                             f"<span class='wb-link'>{esc(join)}</span></div></div>")
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
        self.live = Live(check=lambda: store.session_stamp(session.id), on_change=self.draw)
        super().__init__([head, bar, self.plot, self.caption, self.live],
                         summary=f"{TITLE}: {district.name}, session {session.label!r}")
        self.add_class("wb-presenter")
        self.draw()

    def _toggle_join(self, change) -> None:
        self.joiner.layout.display = "none" if change["new"] else None
        self.hide_join.description = "Show join code" if change["new"] else "Hide join code"

    def draw(self) -> None:
        """Redraw the count of members who charted and the chart of the view picked (conditions, all spectra or one)."""
        marks = self.store.spectrum_marks(self.session.id)
        n = analysis.members_with_marks(marks)
        self.count.value = (f"<span class='wb-count' role='status'><strong>{n}</strong> member{'s' if n != 1 else ''} "
                            "charted</span>")
        view = self.view.value
        if view == "conditions":
            _, csum, _ = condition_frames(self.store, self.content, self.session, False)
            medians = {c: (None if pd.isna(m) else float(m)) for c, m in csum["median"].items()}
            fig = charts.framework_rings(self.content.framework, medians, title="Team median alignment")
            fig.update_layout(font=dict(size=18), height=self.CHART_HEIGHT)
            self.caption.value = rings_key(self.content.framework, medians)
        elif view == "all":
            spread = {f: analysis.summary(marks, f) for f in ("current", "aspiration")}
            fig = charts.team_pathways(self.content.spectra, marks, analysis.median_pathway(marks),
                                       self.store.team_marks(self.session.id), title="The team's median pathway",
                                       spread=spread, members=False)
            fig.update_layout(font=dict(size=18), height=self.CHART_HEIGHT, margin=dict(t=60))
            self.caption.value = ("<p class='wb-muted'>The team's median now and aspiration; the shaded bands "
                                  "show where the middle half of the team marked. Names are never shown.</p>")
        else:
            fig = spectrum_strip(self.content.spectrum(view), marks)
            fig.update_layout(height=self.CHART_HEIGHT)
            self.caption.value = "<p class='wb-muted'>Each dot is one member; the large marker is the median.</p>"
        self.plot.show(fig)


def presenter(store: Store | None = None, params: dict | None = None, content=None) -> Page:
    """The projector page (needs the facilitator's code)."""
    return open_app(TITLE, lambda s, c, d, se, _m, _fac: Presenter(s, c, d, se), store, params, content,
                    facilitator=True)
