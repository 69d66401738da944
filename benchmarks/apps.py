"""The apps under test: the bare-stack baseline notebook, the workbook's Voila server, a demo store.

The bare app is what the reference measurements of the peers used: seven ipywidgets ``FloatSlider``\\ s and one
plotly ``go.FigureWidget`` line chart that follows them, served by plain ``python -m voila``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
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


def shipped_args(target: str = "app") -> list[str]:
    """The options ``make app`` gives ``workbook serve`` (read from the Makefile's ``app:`` recipe), no ``--port``.

    Make variables are filled in from their ``NAME ?= value`` defaults, so the benchmark serves what ships; an
    option whose value is an empty ``$(if ...)`` (``make room``'s ``--public-url``) is left out. ``target``: another
    recipe (``room``).
    """
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    defaults = dict(re.findall(r"^(\w+)\s*\?=\s*(\S*)", text, re.M))
    text = re.sub(r"\$\(if \$\((\w+)\),([^()]*(?:\$\(\w+\)[^()]*)*)\)",
                  lambda m: m.group(2) if defaults.get(m.group(1)) else "", text)
    recipe = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n?)+)", text, re.M)
    line = next(x for x in recipe.group(1).splitlines() if "workbook serve" in x)
    words = [re.sub(r"\$\((\w+)\)", lambda m: defaults.get(m.group(1), ""), w)
             for w in shlex.split(line.split("workbook serve", 1)[1])]
    out, skip = [], False
    for w in words:
        if skip or w == "--port" or w.startswith("--port="):
            skip = w == "--port"
            continue
        out.append(w)
    return out


def room_args() -> list[str]:
    """The options ``make room`` gives ``workbook serve`` (``--room``, its preheated pool), no ``--port``, and
    ``--ip 127.0.0.1``: the same server and pages (a room's access secret in every link), listening on this
    machine only, so nothing on the network can reach the benchmark's server.
    """
    return [*shipped_args("room"), "--ip", "127.0.0.1"]


def shipped_settings() -> dict:
    """``workbook serve``'s settings under ``make app``: preheat, cull_idle, cull_interval (the CLI's defaults)."""
    from workbook.cli import build_parser

    args = build_parser().parse_args(["serve", *shipped_args()])
    return {"args": shipped_args(), "preheat": args.preheat, "cull_idle": args.cull_idle,
            "cull_interval": args.cull_interval}


@contextlib.contextmanager
def workbook_server(folder: Path, db_url: str, codes: dict, preheat: int = 0, args: list[str] | None = None,
                    page: str | None = None):
    """``workbook serve`` with the store at ``db_url``; yields the member link of Charting Your Path (``codes``).

    ``args`` (e.g. :func:`shipped_args`) replaces ``--preheat``: the options given after ``--port``. ``page``
    (a path with its query, e.g. ``voila/render/network_overview.ipynb?code=...``) replaces the member link.
    """
    port = procs.free_port()
    argv = [sys.executable, "-m", "workbook.cli", "serve", "--port", str(port)]
    if args is not None:
        argv += list(args)
    elif preheat:
        argv += ["--preheat", str(preheat)]
    env = dict(os.environ, WORKBOOK_DB_URL=db_url)
    proc = procs.spawn(argv, folder / f"workbook-serve-{port}.log", env=env, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        start = procs.wait_http(base + "/__bench_ready__", proc)  # a 404: renders nothing, starts no kernel
        if page is None:
            query = f"district={codes['district']}&session={codes['session']}&code={codes['code']}"
            page = f"voila/render/charting_your_path.ipynb?{query}"
        pool = shipped_pool(args) if args is not None else preheat
        yield Served(proc, base, f"{base}/{page}", pool,
                     {"listen_s": round(start, 2), "args": argv[6:]})
    finally:
        procs.stop(proc)


@contextlib.contextmanager
def room_server(ctx: Ctx):
    """``workbook serve`` as ``make room`` serves it; the member join link with the room's access secret."""
    from workbook.links import app_link
    from workbook.store import Store

    db_url, codes = ctx.store()
    store = Store(db_url)
    token = store.secret("room_token", 16)  # the one `workbook serve --room` takes (made on first use, then kept)
    store.dispose()
    args = room_args()
    link = app_link("charting_your_path.ipynb", "http://127.0.0.1:1/", token, district=codes["district"],
                    session=codes["session"], code=codes["code"])
    page = link.split("http://127.0.0.1:1/", 1)[1]
    with workbook_server(ctx.folder, db_url, codes, args=args, page=page) as served:
        served.notes["args"] = args
        yield served


def shipped_pool(args: list[str]) -> int:
    """The preheated pool size these ``workbook serve`` options give."""
    from workbook.cli import build_parser

    return build_parser().parse_args(["serve", *args]).preheat


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
    def phone_loads(self) -> int:
        """Measured rounds of the phone group (each page once cold and once again, interleaved).

        Nine, not five: on the slowed CPU one load in a few is much slower than the rest (the machine's other
        work lands on it), and five loads a side gave 95% intervals about as wide as the targets' margins.
        """
        return 2 if self.quick else 9

    @property
    def chart_loads(self) -> int:
        """Measured loads per server in the time-to-chart series."""
        return 3 if self.quick else 10

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
