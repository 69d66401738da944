"""Charts on the apps' pages: a plotly figure kept in place and redrawn with ``Plotly.react``.

Under Voila a chart is a small widget (:class:`Chart`) whose state is the figure's JSON. The
browser draws it with the plotly.js the workbook's Voila template loads from the server itself:
the smallest bundle that draws the page's charts (``workbook/assets.py``; no CDN, works
offline). The template asks for that script at the top of the page, so it downloads while the
kernel is still running the notebook, and a redraw updates the existing chart instead of
rebuilding it: a slider move costs one small message and a ``Plotly.react`` diff.

Outside Voila (JupyterLab, nbval, papermill) there is no such script, so :func:`PlotView`
returns the plain :class:`MimePlotView`: plotly's own mime bundle in an ``Output``.
"""

from __future__ import annotations

import json
import os
from typing import cast

import anywidget
import ipywidgets as w
import traitlets

from ..assets import FULL  # loaded by the chart itself when the page has no plotly.js (every trace type)
from ..charts import Spec

_ESM = r"""
// plotly.js comes from the page (the template's <script id="wb-plotly-js">); add the tag if it is missing
function plotlyReady(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__wbPlotly) {
    window.__wbPlotly = new Promise((resolve, reject) => {
      let tag = document.getElementById('wb-plotly-js');
      if (!tag) {
        tag = document.createElement('script');
        tag.id = 'wb-plotly-js';
        tag.async = true;
        tag.src = src;
        document.head.append(tag);
      }
      const started = performance.now();
      const poll = setInterval(() => {
        if (window.Plotly) { clearInterval(poll); resolve(window.Plotly); }
        else if (performance.now() - started > 120000) {
          clearInterval(poll); reject(new Error('plotly.js did not load'));
        }
      }, 25);
      tag.addEventListener('load', () => { if (window.Plotly) { clearInterval(poll); resolve(window.Plotly); } });
      tag.addEventListener('error', () => { clearInterval(poll); reject(new Error('plotly.js could not be loaded')); });
    });
  }
  return window.__wbPlotly;
}

async function render({ model, el }) {
  const gd = document.createElement('div');
  gd.className = 'wb-chart plotly-graph-div';
  gd.style.width = '100%';
  el.style.width = '100%';
  el.append(gd);
  function label() {
    const text = model.get('label');
    if (text) { gd.setAttribute('role', 'figure'); gd.setAttribute('aria-label', text); }
  }
  label();
  let Plotly;
  try {
    Plotly = await plotlyReady(model.get('src'));
  } catch (err) {
    gd.textContent = 'The chart could not be drawn (' + err.message + '). Reload the page to try again.';
    gd.className = 'wb-error';
    return;
  }
  // sliders linked to points of the chart: their value as this browser knows it (ahead of the kernel)
  const linked = [], asked = new Set();
  async function link() {
    // links can be added later (a page builds its second pass's sliders when the member gets there)
    for (const ln of model.get('links') || []) {
      const key = ln.model + ' ' + ln.trace + ' ' + ln.point;
      if (asked.has(key)) continue;
      asked.add(key);
      try {
        const slider = await model.widget_manager.get_model(ln.model);
        linked.push({ ...ln, slider });
        slider.on('change:value', soon);
      } catch (err) { console.error('workbook chart: linked slider not found', err); }
    }
  }
  // the linked point as this browser knows it: x from its slider, and the hover text the kernel gave for
  // that value (``texts``), so the point the browser moves reads exactly as the kernel's figure will
  function pointOf(ln) {
    const v = ln.slider.get('value');
    const x = (v === null || v === undefined) ? null : v;
    const texts = ln.texts || null;
    return { x, text: texts ? (x === null ? '' : texts[String(x)]) : undefined };
  }
  function ahead(data) {
    // the spec's linked points replaced by the sliders' current values, so a spec the kernel sent before
    // the latest move never draws the line back to an older value
    for (const ln of linked) {
      const trace = data[ln.trace];
      if (!trace || !Array.isArray(trace.x)) continue;
      const p = pointOf(ln);
      if (trace.x[ln.point] !== p.x) { trace.x = trace.x.slice(); trace.x[ln.point] = p.x; }
      if (p.text !== undefined && Array.isArray(trace.text) && trace.text[ln.point] !== p.text) {
        trace.text = trace.text.slice(); trace.text[ln.point] = p.text;
      }
    }
    return data;
  }
  // one plotly call at a time: what is asked for during a call is done after it, folded into one call
  // (a new figure from the kernel, a slider moved here, or a new size); data-busy is set meanwhile
  const wanted = { draw: false, follow: false, resize: false };
  let busy = null, width = 0;
  // what is on the screen, as the JSON of the last figure given to plotly (plotly writes into the objects it
  // is given, so a copy is kept): a figure from the kernel that is already on the screen (the browser drew
  // its points as the sliders moved) is confirmed without another redraw
  let shown = null;
  function stamp() { gd.dataset.specDrawn = String(performance.now()); }
  // a figure may say how it changes in a narrow box (``layout.meta.narrow``: rules of ``below`` px, layout and
  // trace updates, from workbook/charts.py): merged over the figure, deeply, without touching the model's copy
  function merged(base, update) {
    if (!update || typeof update !== 'object' || Array.isArray(update)) return update;
    const out = (base && typeof base === 'object' && !Array.isArray(base)) ? { ...base } : {};
    for (const [k, v] of Object.entries(update)) out[k] = merged(out[k], v);
    return out;
  }
  let rulesDrawn = '', applied = [];  // which narrow rules the chart on the screen was drawn with
  function narrowed(data, layout) {
    for (const rule of (layout.meta && layout.meta.narrow) || []) {
      if (width >= rule.below) continue;
      applied.push(rule.below);
      layout = merged(layout, rule.layout || {});
      for (const [i, t] of Object.entries(rule.traces || {})) if (data[i]) data[i] = merged(data[i], t);
    }
    return layout;
  }
  function drawSpec() {
    const fig = model.get('spec') || {};
    const data = ahead((fig.data || []).map((t) => ({ ...t })));
    // the width is the box's, measured here: plotly's own autosize measures nothing in a hidden tab
    applied = [];
    const layout = narrowed(data, { ...(fig.layout || {}), width, autosize: false });
    // crossing a breakpoint redraws from scratch: plotly's diff leaves a colour bar that turns on its side
    // with its labels where they were
    const rules = applied.join(',');
    const plot = (rulesDrawn !== rules && gd.data) ? Plotly.newPlot : Plotly.react;
    // on a narrow screen a chart that stays in view while the member marks takes at most this part of the window
    // (never shorter than the figure says its rows need: ``layout.meta.fit_least``, workbook/charts.py)
    const fit = model.get('fit');
    if (fit && window.innerWidth < 900 && layout.height) {
      const least = (layout.meta && layout.meta.fit_least) || 240;
      layout.height = Math.min(layout.height, Math.max(least, Math.round(window.innerHeight * fit)));
    }
    // a chart that fills the rest of the first screen (the presenter's, on a projector): never shorter than
    // its own height, and ``fill`` px left free below it for its caption
    const fill = model.get('fill');
    const top = gd.getBoundingClientRect().top;
    if (fill && window.innerWidth >= 900 && layout.height && top >= 0) {
      layout.height = Math.max(layout.height, Math.round(window.innerHeight - top - fill));
    }
    const config = model.get('config') || {};
    const key = JSON.stringify([data, layout, config]);
    if (shown !== null && key === shown) { stamp(); return null; }
    return plot(gd, data, layout, config)
      .then(() => {
        shown = key;
        rulesDrawn = rules;
        stamp();
        // a trace type the page's plotly.js bundle lacks is drawn as nothing: say so (workbook/assets.py)
        const missing = data.map((t, i) => t.type || 'scatter')
          .filter((type, i) => !gd._fullData[i] || gd._fullData[i].type !== type);
        if (missing.length) {
          gd.dataset.missingTraces = missing.join(' ');
          console.error('workbook chart: this page\'s plotly.js bundle cannot draw ' + missing.join(', '));
        } else {
          delete gd.dataset.missingTraces;
        }
      }, (err) => { shown = null; throw err; });
  }
  // a linked slider moved here: move its point at once, without waiting for the kernel's redraw
  function followSliders() {
    if (!gd.data || shown === null) return null;
    const [data, layout, config] = JSON.parse(shown);
    const changed = {};
    for (const ln of linked) {
      const trace = data[ln.trace];
      if (!trace || !Array.isArray(trace.x)) continue;
      const p = pointOf(ln);
      const withText = p.text !== undefined && Array.isArray(trace.text);
      if (trace.x[ln.point] === p.x && (!withText || trace.text[ln.point] === p.text)) continue;
      trace.x[ln.point] = p.x;
      if (withText) trace.text[ln.point] = p.text;
      changed[ln.trace] = trace;
    }
    const traces = Object.keys(changed).map(Number);
    if (!traces.length) return null;
    // plotly's transition path with no duration: only the moved traces are computed and drawn again (a
    // restyle of x would lay out and draw the whole chart, about twice the time)
    const frame = traces.map((i) => {
      const t = { x: Array.from(changed[i].x) };
      if (Array.isArray(changed[i].text)) t.text = Array.from(changed[i].text);
      return t;
    });
    return Plotly.animate(gd, { data: frame, traces },
      { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: 'immediate' })
      .then(() => { shown = JSON.stringify([data, layout, config]); }, (err) => { shown = null; throw err; });
  }
  function pump() {
    if (busy || !width) return;  // not on the page yet: the first size drawn is the real one
    let job = null;
    while (!job && (wanted.draw || wanted.follow || wanted.resize)) {
      if (wanted.draw) { wanted.draw = wanted.follow = false; job = drawSpec(); }
      else if (wanted.follow) { wanted.follow = false; job = followSliders(); }
      else { wanted.resize = false; job = drawSpec(); }
    }
    if (!job) { delete gd.dataset.busy; return; }
    gd.dataset.busy = '1';
    busy = Promise.resolve(job)
      .catch((err) => console.error('workbook chart:', err))
      .finally(() => { busy = null; pump(); });
  }
  const draw = () => { wanted.draw = true; pump(); };
  // after the code that moved the slider has finished (and sent the value to the kernel)
  let queued = false;
  function soon() {
    if (queued) return;
    queued = true;
    queueMicrotask(() => { queued = false; wanted.follow = true; pump(); });
  }
  await link();
  model.on('change:links', link);
  // the chart follows its box: drawn once the box has a width (checked on a timer too, because a page in
  // a background tab gets no resize callbacks), redrawn at the new width when the box changes size
  function measure() {
    const now = el.isConnected ? el.clientWidth : 0;
    if (!now || now === width) return;
    if (width) wanted.resize = true; else wanted.draw = true;
    width = now;
    pump();
  }
  const sized = new ResizeObserver(measure);
  sized.observe(el);
  // a filling chart follows the window's height too (a projector's window changes height, not width)
  let tall = window.innerHeight;
  function onWindow() {
    if (!model.get('fill') || window.innerHeight === tall) return;
    tall = window.innerHeight;
    wanted.resize = true;
    pump();
  }
  window.addEventListener('resize', onWindow);
  const first = setInterval(() => { measure(); if (width) clearInterval(first); }, 50);
  gd.dataset.busy = '1';  // until the first draw
  model.on('change:spec', draw);
  model.on('change:config', draw);
  model.on('change:label', label);
  return () => {
    sized.disconnect();
    window.removeEventListener('resize', onWindow);
    clearInterval(first);
    model.off('change:spec', draw); model.off('change:config', draw); model.off('change:label', label);
    for (const ln of linked) ln.slider.off('change:value', soon);
    Plotly.purge(gd);
  };
}
export default { render };
"""


def _value_key(value: float) -> str:
    """A slider value as JavaScript's ``String(value)`` writes it: ``2`` and ``2.5``, never ``2.0``."""
    v = float(value)
    return str(int(v)) if v.is_integer() else repr(v)


def in_voila() -> bool:
    """True inside a kernel Voila started (it sets ``VOILA_BASE_URL`` for preheated and on-demand kernels)."""
    return "VOILA_BASE_URL" in os.environ


def plain(obj) -> dict:
    """A figure or a part of one as plain JSON (numpy arrays and dates converted as plotly does)."""
    from plotly.io.json import to_json_plotly

    # a str: plotly's function checks its engine first, so the implicit None at its end is never reached
    return json.loads(cast(str, to_json_plotly(obj)))


def figure_json(fig) -> dict:
    """The whole figure (a ``go.Figure`` or a :class:`workbook.charts.Spec`) as plain JSON, without validating it."""
    if isinstance(fig, Spec):  # plain dicts, its template added as the validated figure carries it
        return fig.to_json()
    return plain(fig.to_plotly_json())


def _trace_json(fig, index: int) -> dict:
    return fig.trace_json(index) if isinstance(fig, Spec) else plain(fig.data[index].to_plotly_json())


def _layout_json(fig) -> dict:
    return fig.to_json()["layout"] if isinstance(fig, Spec) else plain(fig.layout.to_plotly_json())


def _title(fig) -> str | None:
    return fig.title if isinstance(fig, Spec) else fig.layout.title.text


class Chart(anywidget.AnyWidget):
    """A plotly chart drawn in the browser with ``Plotly.react``; ``show(fig)`` redraws it in place."""

    _esm = _ESM
    spec = traitlets.Dict().tag(sync=True)  # the figure's JSON: data and layout
    config = traitlets.Dict().tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    src = traitlets.Unicode("").tag(sync=True)
    # points that follow a slider in the browser: [{"model": slider model id, "trace": i, "point": j}]
    links = traitlets.List().tag(sync=True)
    # on screens narrower than 900 px, the chart's height is at most this fraction of the window's (0: its own)
    fit = traitlets.Float(0.0).tag(sync=True)
    # on screens 900 px wide and more, the chart grows to the bottom of the window less this many px (0: off)
    fill = traitlets.Int(0).tag(sync=True)

    def __init__(self, fig=None, base_url: str | None = None, **kwargs):
        from ..charts import CONFIG

        base = base_url if base_url is not None else os.environ.get("VOILA_BASE_URL", "/")
        super().__init__(config=dict(CONFIG), src=f"{base.rstrip('/')}/voila/static/{FULL}",
                         **kwargs)
        self.add_class("wb-chart-box")
        self.figure = None
        self.renders = 0
        if fig is not None:
            self.show(fig)

    def link(self, slider: w.DOMWidget, trace: int, point: int, texts: dict | None = None) -> None:
        """Move point ``point`` of trace ``trace`` (its x) as soon as ``slider`` moves in the browser.

        ``texts`` maps each value the slider can take to the point's hover text, as the kernel's
        figure writes it, so the browser's point reads the same. The kernel's own figure follows a
        moment later and confirms it (without another redraw when it is already on the screen);
        until then the browser shows the slider's value (``null`` for an unmarked slider leaves a
        gap in the line).
        """
        ln = {"model": slider.model_id, "trace": trace, "point": point}
        if texts is not None:
            ln["texts"] = {_value_key(v): t for v, t in texts.items()}
        self.links = [*self.links, ln]

    def show(self, fig, traces: list[int] | None = None, layout: bool = True) -> None:
        """Draw ``fig`` (a ``go.Figure``, or a :class:`workbook.charts.Spec`: plotly's validators then never load).

        ``traces``: only these traces changed since the last ``show`` of the same figure
        (``layout=False``: nor did its layout), so only they are converted again; the browser gets the
        whole figure either way and ``Plotly.react`` redraws what differs.
        """
        if traces is None or self.figure is not fig or not self.spec:
            spec = figure_json(fig)
        else:
            data = list(self.spec["data"])
            for i in traces:
                data[i] = _trace_json(fig, i)
            spec = {"data": data, "layout": _layout_json(fig) if layout else self.spec["layout"]}
        self.figure = fig
        title = _title(fig)
        with self.hold_sync():
            self.label = f"Chart: {title}" if title else "Chart"
            self.spec = spec
        self.renders += 1


class MimePlotView(w.Output):
    """Shows a plotly figure as plotly's mime bundle; ``show(fig)`` replaces it in place."""

    def __init__(self, fig=None, **kwargs):
        super().__init__(**kwargs)
        self.figure = None
        self.renders = 0
        if fig is not None:
            self.show(fig)

    def link(self, slider, trace: int, point: int, texts: dict | None = None) -> None:
        """Nothing to link here: every move redraws through the kernel."""

    def show(self, fig, traces: list[int] | None = None, layout: bool = True) -> None:
        """Replace the chart with ``fig`` in one output update; ``traces`` and ``layout`` are accepted but unused."""
        from ..charts import CONFIG

        self.figure = fig
        figure = fig.to_json() if isinstance(fig, Spec) else fig.to_plotly_json()
        bundle = {"application/vnd.plotly.v1+json": {**figure, "config": CONFIG},
                  "text/plain": f"<chart: {_title(fig) or 'untitled'}>"}
        # one state change (not clear + append): one message, and the chart is never absent from the page
        self.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)
        self.renders += 1


def PlotView(fig=None, **kwargs):  # a widget factory, used like a class
    """A chart widget for this page: :class:`Chart` under Voila, :class:`MimePlotView` elsewhere."""
    return Chart(fig, **kwargs) if in_voila() else MimePlotView(fig, **kwargs)
