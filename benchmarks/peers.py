"""The Panel peer: the bare app (seven sliders, one plotly line chart that follows them) as a Panel app.

The time-to-chart targets are stated against Panel, so the benchmark serves the same bare app with
``panel serve`` and times it like the Voila pages. Panel comes with the ``bench`` extra
(``pip install -e ".[bench]"``, which ``make bench`` does); without it the targets fall back to ratios
derived from reference measurements (see ``g_browser.py``).

Every resource is served by the Panel server itself (``BOKEH_RESOURCES=server``: Bokeh, Panel and the plotly.js
bundled with Panel), so the chart draws on a machine without network access.
"""

from __future__ import annotations

import contextlib
import os
import sys
from importlib import util
from pathlib import Path

from . import procs
from .apps import SPECTRA, Served

PANEL_SOURCE = f"""\
import panel as pn
import plotly.graph_objects as go

pn.extension("plotly")

names = {SPECTRA!r}
sliders = [pn.widgets.FloatSlider(name=n, value=3.0, start=1.0, end=5.0, step=0.5) for n in names]
fig = go.Figure(go.Scatter(x=[s.value for s in sliders], y=names, mode="lines+markers", name="Now"))
fig.update_layout(height=420, xaxis_range=[0.8, 5.2], title="Your pathway")
chart = pn.pane.Plotly(fig, height=420, sizing_mode="stretch_width")


def follow(_event):
    fig.data[0].x = [s.value for s in sliders]
    chart.param.trigger("object")


for s in sliders:
    s.param.watch(follow, "value")
pn.Column(*sliders, chart, sizing_mode="stretch_width").servable(title="Bare app")
"""


def panel_available() -> bool:
    """Whether Panel is installed (the ``bench`` extra)."""
    return util.find_spec("panel") is not None


def panel_app(folder: Path) -> Path:
    path = folder / "panel_app.py"
    path.write_text(PANEL_SOURCE, encoding="utf-8")
    return path


@contextlib.contextmanager
def panel_server(folder: Path):
    """``panel serve panel_app.py`` on 127.0.0.1, every resource served locally; stopped with its children."""
    app = panel_app(folder)
    port = procs.free_port()
    argv = [sys.executable, "-m", "panel", "serve", app.name, "--port", str(port), "--address", "127.0.0.1",
            f"--allow-websocket-origin=127.0.0.1:{port}"]
    env = dict(os.environ, BOKEH_RESOURCES="server")
    proc = procs.spawn(argv, folder / f"panel-serve-{port}.log", env=env, cwd=folder)
    try:
        base = f"http://127.0.0.1:{port}"
        start = procs.wait_http(base + "/__bench_ready__", proc)  # a 404: opens no session
        yield Served(proc, base, f"{base}/{app.stem}", 0, {"listen_s": round(start, 2)})
    finally:
        procs.stop(proc)
