"""Framework explorer: browse the seven spectra and the sixteen conditions for scale."""

from __future__ import annotations

import ipywidgets as w

from .. import charts
from ..content import render
from ..content.errors import WorkbookError
from ..content.frameworks import load_content
from ..html.conditions import layer_questions, rings_key
from ..widgets.chart import PlotView
from ..widgets.page import Page, error_page, esc, header

TITLE = "Framework explorer"
LEDE = ("Browse the seven key decisions of <em>Look Both Ways</em>, each a spectrum between two poles that both "
        "have benefits, and the sixteen conditions for scale of the <em>Innovative Learning Implementation "
        "Framework</em>. Pick a spectrum or a layer from the lists.")


def spectrum_html(spectrum) -> str:
    """Everything about one spectrum, with Benefits at a Glance open as a side-by-side table."""
    return (f"<h2>Q{spectrum.number} · {esc(spectrum.dimension)}</h2>"
            f"<p><strong>{esc(spectrum.question)}</strong><br><span class='wb-muted'>{esc(spectrum.title)}</span></p>"
            f"<p>{esc(spectrum.framing)}</p>{render.poles(spectrum)}"
            "<h3>Benefits at a Glance</h3>" + render.benefits_table(spectrum) + render.why(spectrum)
            + "<h3>Examples</h3>" + render.examples(spectrum)
            + "<h3>Lessons learned</h3>" + render.bullet_list(spectrum.lessons)
            + "<h3>Reflection questions</h3>" + render.bullet_list(spectrum.reflection_questions))


def layer_html(layer) -> str:
    """One layer of conditions: its description, a table of its conditions and its reflection questions.

    A question the guide prints garbled reads cleaned, with a note saying what the guide prints.
    """
    rows = "".join(f"<tr><th scope='row'>{esc(c.name)}</th><td>{esc(c.description)}</td></tr>"
                   for c in layer.conditions)
    return (f"<h2>{esc(layer.name)}</h2><p>{esc(layer.description)}</p>"
            "<table class='wb-table'><thead><tr><th scope='col'>Condition</th><th scope='col'>What it means</th></tr>"
            f"</thead><tbody>{rows}</tbody></table><h3>Reflection questions for teams</h3>"
            + layer_questions(layer))


class FrameworkExplorer(Page):
    """The Framework explorer page: pick a spectrum to read all of it, or a layer to see its conditions."""

    def __init__(self, content):
        self.content = content
        self.spectrum = w.Dropdown(description="Spectrum", options=[(f"Q{s.number}: {s.dimension}", s.id)
                                                                     for s in content.spectra],
                                   style={"description_width": "initial"}, layout=w.Layout(width="auto"))
        self.layer = w.Dropdown(description="Condition layer", options=[(layer.name, layer.id)
                                                                         for layer in content.framework.layers],
                                style={"description_width": "initial"})
        self.spectrum_view = w.HTML()
        self.layer_view = w.HTML()
        self.rings = PlotView(charts.framework_rings(content.framework, title="Sixteen conditions in three layers"))
        self.rings_key = w.HTML(render.details("Which condition is which number", rings_key(content.framework)))
        self.spectrum.observe(lambda _c: self._show_spectrum(), "value")
        self.layer.observe(lambda _c: self._show_layer(), "value")
        self._show_spectrum()
        self._show_layer()
        core = content.framework.core
        s_card = w.VBox([self.spectrum, self.spectrum_view])
        s_card.add_class("wb-card")
        c_card = w.VBox([w.HTML(f"<h2>Conditions for scale</h2><p><strong>{esc(core.name)}</strong>: "
                                f"{esc(core.description)}</p>"), self.rings, self.rings_key, self.layer,
                         self.layer_view])
        c_card.add_class("wb-card")
        super().__init__([header(TITLE, LEDE), s_card, c_card, w.HTML(render.attribution(content))],
                         summary=f"{TITLE}: {len(content.spectra)} spectra, {len(content.conditions)} conditions")

    def _show_spectrum(self) -> None:
        self.spectrum_view.value = spectrum_html(self.content.spectrum(self.spectrum.value))

    def _show_layer(self) -> None:
        layer = next(x for x in self.content.framework.layers if x.id == self.layer.value)
        self.layer_view.value = layer_html(layer)


def framework_explorer(content=None) -> Page:
    """The Framework explorer page, or an error page when the content cannot be loaded."""
    try:
        return FrameworkExplorer(content or load_content())
    except WorkbookError as exc:
        return error_page(TITLE, exc)
