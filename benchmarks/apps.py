"""The apps under test: the bare-stack baseline notebook, the workbook's Voila server, a demo store.

The bare app is what the reference measurements of the peers used: seven ipywidgets ``FloatSlider``\\ s and one
plotly ``go.FigureWidget`` line chart that follows them, served by plain ``python -m voila``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import procs

ROOT = Path(__file__).resolve().parent.parent
SPECTRA = ["Locus of Control", "Pace", "Resource Allocation", "Cultivating Capacity", "Strategic Flexibility",
           "Comprehensiveness", "Sharing Learning"]

BARE_SOURCE = f"""\
import ipywidgets as widgets
import plotly.graph_objects as go

names = {SPECTRA!r}
sliders = [widgets.FloatSlider(value=3.0, min=1.0, max=5.0, step=0.5, description=n,
                               style={{"description_width": "initial"}}) for n in names]
fig = go.FigureWidget(go.Scatter(x=[s.value for s in sliders], y=names, mode="lines+markers", name="Now"))
fig.update_layout(height=420, xaxis_range=[0.8, 5.2], title="Your pathway")


def follow(_change):
    fig.data[0].x = [s.value for s in sliders]


for s in sliders:
    s.observe(follow, "value")
widgets.VBox([*sliders, fig])
"""


def write_notebook(path: Path, source: str) -> Path:
    """A one-cell Python notebook at ``path``."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def bare_notebook(folder: Path) -> Path:
    return write_notebook(folder / "bare_app.ipynb", BARE_SOURCE)


def empty_notebook(folder: Path) -> Path:
    return write_notebook(folder / "empty.ipynb", "")


def demo_store(folder: Path) -> tuple[str, dict]:
    """A fresh SQLite store with the fictional demo district; returns its URL and link codes."""
    from workbook import demo
    from workbook.store import Store

    url = f"sqlite:///{folder / 'demo.sqlite'}"
    store = Store(url)
    codes = demo.seed_demo(store)
    store.dispose()
    return url, codes


@dataclass
class Served:
    """A running Voila server: its process, base URL and the page to open."""

    proc: object
    base: str
    page: str
    pool: int = 0
    notes: dict = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextlib.contextmanager
def bare_server(folder: Path, preheat: int = 0):
    """Plain ``python -m voila bare_app.ipynb`` (optionally preheated); stopped on exit."""
    nb = bare_notebook(folder)
    port = procs.free_port()
    argv = [sys.executable, "-m", "voila", nb.name, "--no-browser", f"--port={port}"]
    if preheat:
        argv += ["--preheat_kernel=True", f"--pool_size={preheat}"]
    proc = procs.spawn(argv, folder / f"bare-voila-{port}.log", env=dict(os.environ), cwd=folder)
    try:
        base = f"http://localhost:{port}"
        start = procs.wait_http(base + "/__bench_ready__", proc)  # a 404: renders nothing, starts no kernel
        yield Served(proc, base, base + "/", preheat, {"listen_s": round(start, 2)})
    finally:
        procs.stop(proc)


@contextlib.contextmanager
def workbook_server(folder: Path, db_url: str, codes: dict, preheat: int = 0, cull_idle: int | None = None,
                    cull_interval: int | None = None):
    """``workbook serve`` with the demo store; yields the member link of Charting Your Path."""
    port = procs.free_port()
    argv = [sys.executable, "-m", "workbook.cli", "serve", "--port", str(port)]
    if preheat:
        argv += ["--preheat", str(preheat)]
    if cull_idle is not None:
        argv += ["--cull-idle", str(cull_idle)]
    if cull_interval is not None:
        argv += ["--cull-interval", str(cull_interval)]
    env = dict(os.environ, WORKBOOK_DB_URL=db_url)
    proc = procs.spawn(argv, folder / f"workbook-serve-{port}.log", env=env, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        start = procs.wait_http(base + "/__bench_ready__", proc)  # a 404: renders nothing, starts no kernel
        query = f"district={codes['district']}&session={codes['session']}&code={codes['code']}"
        yield Served(proc, base, f"{base}/voila/render/charting_your_path.ipynb?{query}", preheat,
                     {"listen_s": round(start, 2)})
    finally:
        procs.stop(proc)


@dataclass
class Ctx:
    """What every group shares in one run: a temp folder, the demo store, the repetition counts."""

    folder: Path
    quick: bool
    db_url: str = ""
    codes: dict = field(default_factory=dict)

    @property
    def loads(self) -> int:
        return 2 if self.quick else 5

    @property
    def moves(self) -> int:
        return 5 if self.quick else 20

    @property
    def districts(self) -> int:
        return 4 if self.quick else 20

    def store(self) -> tuple[str, dict]:
        """The demo store (made once per run)."""
        if not self.db_url:
            self.db_url, self.codes = demo_store(self.folder)
        return self.db_url, self.codes
