"""Presenter view for a projector: the team's pathways and conditions in large type, names hidden."""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from .. import analysis, charts, theme
from ..analysis import condition_frames
from ..links import app_link
from ..store import Store
from ..widgets.access import open_app
from ..widgets.base import Page, PlotView, esc, qr_svg

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
    return fig


class Presenter(Page):
    def __init__(self, store: Store, content, district, session):
        self.store, self.content, self.session = store, content, session
        options = [("All seven spectra", "all")] + [(f"Q{s.number} {s.dimension}", s.id) for s in content.spectra] \
            + [("Conditions for scale", "conditions")]
        self.view = w.ToggleButtons(options=options, description="Show", style={"button_width": "auto"})
        self.view.observe(lambda _c: self.draw(), "value")
        self.refresh_button = w.Button(description="Refresh")
        self.refresh_button.on_click(lambda _b: self.draw())
        self.plot = PlotView()
        self.caption = w.HTML()
        join = app_link("charting_your_path.ipynb", district=district.slug, session=session.id, code=session.join_code)
        joiner = w.HTML(f"<div class='wb-card' style='display:flex;gap:24px;align-items:center;flex-wrap:wrap'>"
                        f"{qr_svg(join, 6)}<div><h2>Join from your own device</h2><p>Scan the code or open:</p>"
                        f"<p class='wb-link'>{esc(join)}</p></div></div>")
        super().__init__([w.HTML(f"<h1>{esc(district.name)}: {esc(session.label)}</h1>"), joiner,
                          w.HBox([self.view, self.refresh_button], layout=w.Layout(flex_flow="row wrap")),
                          self.caption, self.plot],
                         summary=f"{TITLE}: {district.name}, session {session.label!r}")
        self.add_class("wb-presenter")
        self.draw()

    def draw(self) -> None:
        marks = self.store.spectrum_marks(self.session.id)
        n = analysis.members_with_marks(marks)
        view = self.view.value
        if view == "conditions":
            _, csum, _ = condition_frames(self.store, self.content, self.session, False)
            medians = {c: (None if pd.isna(m) else float(m)) for c, m in csum["median"].items()}
            fig = charts.framework_rings(self.content.framework, medians, title="Team median alignment")
            fig.update_layout(font=dict(size=18), height=760)
            self.caption.value = "<p>Darker is less aligned; hover a condition for its median.</p>"
        elif view == "all":
            fig = charts.team_pathways(self.content.spectra, marks.iloc[0:0], analysis.median_pathway(marks),
                                       self.store.team_marks(self.session.id), title="The team's median pathway")
            fig.update_layout(font=dict(size=18), height=760)
            self.caption.value = f"<p>{n} member(s) have charted a pathway. Names are never shown here.</p>"
        else:
            fig = spectrum_strip(self.content.spectrum(view), marks)
            self.caption.value = f"<p>{n} member(s). Each dot is one member; the large marker is the median.</p>"
        self.plot.show(fig)


def presenter(store: Store | None = None, params: dict | None = None, content=None) -> Page:
    """The projector page (needs the facilitator's code)."""
    return open_app(TITLE, lambda s, c, d, se, _m, _fac: Presenter(s, c, d, se), store, params, content,
                    facilitator=True)
