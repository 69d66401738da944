"""The Panel peer: the bare app (seven sliders, one plotly line chart that follows them) as a Panel app.

The time-to-chart targets are stated against Panel, so the benchmark serves the same bare app with
``panel serve`` and times it like the Voila pages. Panel comes with the ``bench`` extra
(``pip install -e ".[bench]"``, which ``make bench`` does); without it the targets fall back to ratios
derived from reference measurements (see ``g_browser.py``).

Every resource is served by the Panel server itself (``BOKEH_RESOURCES=server``: Bokeh, Panel and the plotly.js
bundled with Panel), so the chart draws on a machine without network access.

``pn.pane.Plotly`` loads Panel's own full plotly.js (``panel/dist/bundled/plotlyplot/plotly-<version>.min.js``,
from ``PlotlyPlot.__javascript__``). For a like-for-like comparison with a page on a smaller bundle,
``panel_server(plotly_js=PATH)`` serves that file from the Panel server (``--static-dirs``) and points the model at
it, so Panel loads the same bytes and no other plotly.js; ``compress=True`` makes the Panel server compress its
responses as the workbook's server does (Tornado's ``compress_response``: ``panel serve`` has no option for it,
so the server is started through a small launcher that passes it to Bokeh's Tornado application; its static
files compressed once, then by Zopfli in the background, through the workbook's own ``CompressedOnce``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from importlib import util
from pathlib import Path

from . import procs
from .apps import ROOT, SPECTRA, Served

# the plotly.js the member page loads (Charting Your Path's notebook names ``basic``; ``workbook serve`` serves
# it from the template's static folder, where ``python -m workbook.assets`` and ``workbook serve`` put it)
MEMBER_BUNDLE = ROOT / "share" / "jupyter" / "voila" / "templates" / "workbook" / "static" / "plotly-basic.min.js"


def member_bundle() -> Path | None:
    """The member page's plotly.js file, for the Panel peer to load the same; None when it is not there."""
    return MEMBER_BUNDLE if MEMBER_BUNDLE.exists() else None

# the plotly.js Panel's plotly pane loads, replaced by a file the server serves under /wbplotly/ (``plotly_js``)
PLOTLY_OVERRIDE = """\
from panel.models.plotly import PlotlyPlot

PlotlyPlot.__javascript__ = [{url!r}]  # replaces Panel's own full bundle (a class property of the model)
PlotlyPlot.__js_skip__ = {{"Plotly": []}}
"""

# ``panel serve`` with Tornado's compress_response on (Bokeh passes extra keyword arguments to its application)
COMPRESSED_LAUNCH = """\
import sys
import bokeh.server.tornado as bt

_init = bt.BokehTornado.__init__


def _compressed(self, *args, **kwargs):
    kwargs.setdefault("compress_response", True)
    _init(self, *args, **kwargs)


bt.BokehTornado.__init__ = _compressed

# static files compressed once per server, and by Zopfli once the worker has made the copy, as the workbook's
# server does them (workbook/serve/voila_server.py's CompressedOnce, mixed into Bokeh's and Panel's handlers)
import tornado.web
from workbook.serve.voila_server import with_cache_policy

_app_init = tornado.web.Application.__init__


def _once(rule):
    if isinstance(rule, tuple) and len(rule) > 1:
        return (rule[0], with_cache_policy(rule[1], policy=False), *rule[2:])
    return rule


def _application(self, handlers=None, *args, **kwargs):
    _app_init(self, [_once(rule) for rule in handlers or []], *args, **kwargs)


tornado.web.Application.__init__ = _application
from panel.command import main

sys.argv = ["panel", *sys.argv[1:]]
main()
"""

PANEL_SOURCE = f"""\
import panel as pn
import plotly.graph_objects as go
{{override}}
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


def panel_app(folder: Path, plotly_js: Path | None = None) -> Path:
    """The Panel app's file; with ``plotly_js``, its plotly pane loads that file (served under ``/wbplotly/``)."""
    override = PLOTLY_OVERRIDE.format(url=f"/wbplotly/{plotly_js.name}") if plotly_js else ""
    path = folder / ("panel_app.py" if plotly_js is None else f"panel_app_{plotly_js.stem.replace('.', '_')}.py")
    path.write_text(PANEL_SOURCE.replace("{override}", override), encoding="utf-8")
    return path


def panel_versions() -> dict:
    """Panel's and Bokeh's versions (None when not installed), read without importing them."""
    from importlib import metadata

    out = {}
    for dist in ("panel", "bokeh"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


@contextlib.contextmanager
def panel_server(folder: Path, plotly_js: Path | None = None, compress: bool = False):
    """``panel serve panel_app.py`` on 127.0.0.1, every resource served locally; stopped with its children.

    ``plotly_js``: the plotly.js file the plotly pane loads instead of Panel's own (served by the same server);
    ``compress``: responses compressed as the workbook's server compresses them.
    """
    app = panel_app(folder, plotly_js)
    port = procs.free_port()
    head = [sys.executable, "-c", COMPRESSED_LAUNCH] if compress else [sys.executable, "-m", "panel"]
    argv = [*head, "serve", app.name, "--port", str(port), "--address", "127.0.0.1",
            f"--allow-websocket-origin=127.0.0.1:{port}"]
    if plotly_js is not None:
        argv += ["--static-dirs", f"wbplotly={plotly_js.parent}"]
    env = dict(os.environ, BOKEH_RESOURCES="server")
    proc = procs.spawn(argv, folder / f"panel-serve-{port}.log", env=env, cwd=folder)
    try:
        base = f"http://127.0.0.1:{port}"
        start = procs.wait_http(base + "/__bench_ready__", proc)  # a 404: opens no session
        yield Served(proc, base, f"{base}/{app.stem}", 0,
                     {"listen_s": round(start, 2), "plotly_js": plotly_js.name if plotly_js else "Panel's own",
                      "compressed": compress, **panel_versions()})
    finally:
        procs.stop(proc)
