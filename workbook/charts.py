"""Pure plotly figure builders: frames and content in, ``go.Figure`` out.

Pathway charts read like the printed Reflection Guide 2: spectra as rows in the guide's
order, the dimension name beside each row, the pole labels at both ends of its track.

Each builder writes its chart as plain JSON-ready dicts (a :class:`Spec`). Called as usual
(``charts.pathway(...)``) it returns the validated ``go.Figure`` the apps draw and test; its
``.spec`` form (``charts.pathway.spec(...)``) returns the same chart unvalidated, for the district
report, which only serialises its charts: plotly's object model checks every property of every
trace as it is set, which was about half of a report's work in its kernel. ``tests/unit/test_charts.py``
holds both forms to the same JSON.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, Protocol, TypeGuard, cast

import plotly.graph_objects as go

from ._lazy import np, pd  # pandas loads on first use: a member's page never needs it
from .content import theme

ROW_HEIGHT = 72
CONFIG = theme.CHART_CONFIG


POLE_LABELS = "Pole labels"


def _merge(target: dict, update: dict) -> dict:
    """Merge ``update`` into ``target`` as plotly's ``update`` does: nested dicts merged, anything else replaced."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value
    return target


def _pruned(obj):
    """``obj`` without unset properties (``None`` values of dicts), as plotly drops them; ``meta`` is kept as given."""
    if isinstance(obj, dict):
        return {k: (v if k == "meta" else _pruned(v)) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_pruned(v) if isinstance(v, dict) else v for v in obj]
    return obj


@functools.cache
def _template() -> dict:
    """The default plotly template (a plain dict), which ``go.Figure`` puts into every figure's layout.

    A template plotly ships is read from its JSON file as it stands, which is what the validated figure
    carries (``tests/unit/test_charts.py`` compares them): building a ``go.Figure`` first loads plotly's
    validators (a 3 MB JSON file, about 10 MiB in every kernel that draws a member's page).
    """
    import plotly.io as pio

    name = pio.templates.default
    shipped = Path(pio.__file__).parent.parent / "package_data" / "templates" / f"{name}.json"
    if isinstance(name, str) and re.fullmatch(r"[a-z0-9_]+", name) and shipped.is_file():
        return json.loads(shipped.read_text(encoding="utf-8"))
    layout = cast("go.Layout", go.Figure().layout)  # plotly's properties are not annotated
    return cast("go.layout.Template", layout.template).to_plotly_json()


_UNDRAWN_SUBPLOTS = ("geo", "map", "mapbox", "scene", "ternary")  # the workbook draws no maps, 3D or ternary plots


@functools.cache
def _template_for(types: frozenset) -> dict:
    """The default template as it bears on a figure of these trace types.

    plotly.js applies ``template.data[type]`` only to traces of that type, and a subplot's template only to a
    subplot the figure has, so the rest is left out: it looks the same, and a chart's JSON is about half as
    long (each report carries several, each app chart is sent to the browser).
    """
    full = _template()
    return {"data": {kind: full["data"][kind] for kind in sorted(types) if kind in full["data"]},
            "layout": {k: v for k, v in full["layout"].items() if k not in _UNDRAWN_SUBPLOTS}}


@functools.cache
def _rating_scale() -> list:
    """The rating colour scale as the validated figure writes it (plotly expands a named scale to its colours)."""
    from plotly.colors import get_colorscale

    return [[float(at), colour] for at, colour in get_colorscale(theme.RATING_SCALE)]


class Spec(dict):
    """A figure as plain dicts: ``{"data": [trace, ...], "layout": {...}}``, traces with their ``type``.

    It has the few figure methods the builders use, with plotly's meaning, but checks nothing:
    :meth:`figure` builds the validated ``go.Figure``; :meth:`to_json` is what the figure's JSON would be.
    """

    def __init__(self, layout: dict | None = None, data: list | None = None):
        super().__init__(data=list(data or []), layout=dict(layout or {}))

    @property
    def data(self) -> list[dict]:
        """The traces, in drawing order."""
        return self["data"]

    @property
    def layout(self) -> dict:
        """The layout: axes, margins, legend, annotations, ``meta``."""
        return self["layout"]

    def add_trace(self, trace: dict) -> Spec:
        """Add a trace (a dict with its ``type``) on top of the others."""
        self.data.append(trace)
        return self

    def update_layout(self, **update) -> Spec:
        """Merge ``update`` into the layout."""
        _merge(self.layout, update)
        return self

    def update_xaxes(self, **update) -> Spec:
        """Merge ``update`` into the x axis."""
        _merge(self.layout.setdefault("xaxis", {}), update)
        return self

    def update_yaxes(self, **update) -> Spec:
        """Merge ``update`` into the y axis."""
        _merge(self.layout.setdefault("yaxis", {}), update)
        return self

    def add_annotation(self, **annotation) -> Spec:
        """Add an annotation."""
        self.layout.setdefault("annotations", []).append(annotation)
        return self

    def plain(self) -> dict:
        """The figure's data and layout as ``go.Figure`` would take them (unset properties left out).

        The layout carries the default template as it bears on this figure's trace types (:func:`_template_for`).
        """
        layout = _pruned(self.layout)
        if "template" not in layout:
            layout["template"] = _template_for(frozenset(t.get("type", "scatter") for t in self.data))
        return {"data": _pruned(self.data), "layout": layout}

    def figure(self) -> go.Figure:
        """The validated ``go.Figure`` (plotly checks every property: an unknown one raises)."""
        return go.Figure(self.plain())

    def to_json(self) -> dict:
        """The figure as plotly's JSON (``plotly.io.to_json`` of :meth:`figure`), without building the figure."""
        return _json(self.plain())

    def trace_json(self, index: int) -> dict:
        """Trace ``index`` as :meth:`to_json` writes it."""
        return _json(_pruned(self.data[index]))

    @property
    def title(self) -> str | None:
        """The title's text, if the figure has one."""
        title = self.layout.get("title")
        return title.get("text") if isinstance(title, dict) else title


def _json(obj) -> dict:
    """``obj`` as plotly writes it to JSON (numpy arrays, dates and NaN converted as plotly does)."""
    from plotly.io.json import to_json_plotly

    # a str: the None pyright infers is the fall-through after plotly's engine checks, which never runs
    return json.loads(cast("str", to_json_plotly(obj)))


_P = ParamSpec("_P")


class _Builder(Protocol[_P]):
    """A chart builder's public form: called, the validated ``go.Figure``; ``.spec`` is the builder itself."""

    spec: Callable[_P, Spec]

    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> go.Figure: ...


def _builder(build: Callable[_P, Spec]) -> _Builder[_P]:
    """A chart builder's public form: the validated ``go.Figure``; ``.spec`` is ``build`` itself (a :class:`Spec`)."""
    @functools.wraps(build)
    def spec(*args: _P.args, **kwargs: _P.kwargs) -> Spec:
        return _labels_on_top(build(*args, **kwargs))

    @functools.wraps(build)
    def figure(*args: _P.args, **kwargs: _P.kwargs) -> go.Figure:
        return spec(*args, **kwargs).figure()

    public = cast("_Builder[_P]", figure)  # the function, typed with the attribute set next
    public.spec = spec
    return public


def _labels_on_top(fig: Spec) -> Spec:
    """The spectra's pole labels drawn last, above every pathway, each word ringed in the paper's colour.

    A pathway marked near a pole runs from row to row through that pole's name; drawn under the lines, the
    name was struck through (a phone's narrow chart most of all). The phone's rules (``layout.meta.narrow``)
    name traces by their place, so each place follows its trace.
    """
    data = fig.data
    at = next((i for i, t in enumerate(data) if t.get("name") == POLE_LABELS), None)
    if at is None:
        return fig
    labels = data.pop(at)
    data.append(labels)
    _merge(labels.setdefault("textfont", {}), {"shadow": "auto"})
    last = len(data) - 1

    def moved(index: int) -> int:
        return last if index == at else index - 1 if index > at else index

    meta = fig.layout.get("meta")
    if isinstance(meta, dict):
        for rule in meta.get("narrow", []):
            rule["traces"] = {str(moved(int(i))): t for i, t in rule.get("traces", {}).items()}
    return fig


def _trace(kind: str, **props) -> dict:
    """One trace as a dict, ``kind`` being plotly's trace type (``"scatter"``, ``"box"`` ...)."""
    return dict(type=kind, **props)


def _base_layout(title: str | None, height: int) -> dict:
    return dict(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=17)) if title else None,
        height=height, margin=dict(l=170, r=20, t=56 if title else 24, b=40),
        font=dict(family=theme.FONT, color=theme.INK, size=13),
        paper_bgcolor=theme.PAPER, plot_bgcolor=theme.PAPER,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        hoverlabel=dict(font=dict(family=theme.FONT)),
    )


NARROW = 560  # px: a chart box narrower than this (a phone; a tablet's column) draws its narrow layout


def narrow(fig, below: int = NARROW, layout: dict | None = None, traces: dict | None = None):
    """Say how ``fig`` (a ``go.Figure`` or a :class:`Spec`) changes when its box is narrower than ``below`` px.

    The apps' chart widget (``workbook/widgets/chart.py``) merges every rule whose ``below`` exceeds the box's
    width over the figure before drawing it, so a phone gets wrapped labels and a legend under the chart, and
    a laptop the figure as built. Rules are kept in ``layout.meta.narrow`` (plotly keeps ``meta`` as given);
    figures drawn elsewhere (reports, JupyterLab) ignore them.
    """
    current = fig.layout.get("meta") if isinstance(fig, Spec) else fig.layout.meta
    meta = dict(current) if isinstance(current, dict) else {}
    rules = list(meta.get("narrow", []))
    rules.append({"below": below, "layout": layout or {}, "traces": {str(i): t for i, t in (traces or {}).items()}})
    meta["narrow"] = rules
    if isinstance(fig, Spec):
        fig.layout["meta"] = meta
    else:
        fig.layout.meta = meta
    return fig


def _legend_below(fig: Spec, rows: int = 1) -> int:
    """The legend in a row under the chart, where it never meets the title or the first row's pole labels.

    Returns the bottom margin of the narrow layout (a phone's), which ``rows`` rows of legend take.
    """
    bottom = fig.layout.get("margin", {}).get("b") or 40
    fig.update_layout(legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, xanchor="left"),
                      margin=dict(b=bottom + 30))
    # on a phone the entries wrap, one under another
    narrow_bottom = bottom + 24 * max(rows, 1) + 10
    narrow(fig, layout=dict(margin=dict(b=narrow_bottom), legend=dict(font=dict(size=11))))
    return narrow_bottom


FIT_ROW = 30  # px: the least height of a row whose name is two lines (a phone's pathway chart)


def _fit_least(fig: Spec, height: int) -> None:
    """The least height of ``fig`` where the chart widget keeps it in view on a phone (its ``fit``).

    The widget caps such a chart at a part of the window's height; a chart with more legend rows than another
    (a follow-up's, with last time's pathway) needs more of it, or its rows' names run into each other.
    """
    meta = dict(fig.layout.get("meta") or {})
    meta["fit_least"] = int(height)
    fig.layout["meta"] = meta


def _tracks(fig: Spec, spectra) -> None:
    """The seven rows: a grey track 1..5, pole labels at its ends, dimension names on the axis."""
    dims = [s.dimension for s in spectra]
    fig.add_trace(_trace(
        "scatter", x=[v for _ in dims for v in (1, 5, None)], y=[d for d in dims for _ in range(3)],
        mode="lines", line=dict(color=theme.RULE, width=6), hoverinfo="skip", showlegend=False))
    # the fourteen pole labels are one text trace, not layout annotations: plotly re-lays out every
    # annotation on each redraw, which doubled the time a slider move takes to show
    labels = [(x, s.dimension, two_lines(pole.plain_label), pos)
              for s in spectra for x, pole, pos in ((1, s.left, "top right"), (5, s.right, "top left"))]
    fig.add_trace(_trace(
        "scatter", x=[p[0] for p in labels], y=[p[1] for p in labels], text=[p[2] for p in labels],
        textposition=[p[3] for p in labels], mode="markers+text", name=POLE_LABELS, hoverinfo="skip",
        showlegend=False, textfont=dict(size=12, color=theme.MUTED),
        # an invisible marker as large as the largest mark: plotly sets a label off its point by the marker's
        # radius, so a mark at 1 or 5 (even the team's agreed one) never lies over the pole's name
        marker=dict(size=22, opacity=0)))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(dims)), showgrid=False,
                     ticks="", automargin=True, tickfont=dict(size=14))
    fig.update_xaxes(range=[0.7, 5.3], tickvals=[1, 2, 3, 4, 5], showgrid=True, gridcolor="#EEF2F6",
                     zeroline=False, fixedrange=True)
    fig.update_yaxes(fixedrange=True)
    # on a phone: the dimension names on two lines in a narrow margin, the pole labels smaller and wrapped
    # sooner, so the two ends of a row never run into each other
    narrow(fig, layout=dict(margin=dict(l=8, r=8), yaxis=dict(
        tickmode="array", tickvals=dims, ticktext=[two_lines(d, 10) for d in dims], tickfont=dict(size=12)),
        xaxis=dict(range=[0.8, 5.2])),
        traces={len(fig.data) - 1: dict(text=[two_lines(p[2].replace("<br>", " "), 11) for p in labels],
                                        textfont=dict(size=10), marker=dict(size=14))})


def two_lines(label: str, width: int = 16) -> str:
    """Long pole labels on two lines, so the two ends of a narrow chart never run into each other."""
    if len(label) <= width or " " not in label:
        return label
    words = label.split()
    best = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return " ".join(words[:best]) + "<br>" + " ".join(words[best:])


def _marked(value) -> TypeGuard[float]:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def point_text(spectrum, value) -> str:
    """The hover text of a marked point on ``spectrum``'s row: 'Pace: 2 of 5, toward Fast'."""
    return f"{spectrum.dimension}: {spectrum.describe(value)}"


def point_texts(spectrum, low: float = 1.0, high: float = 5.0, step: float = 0.5) -> dict[float, str]:
    """:func:`point_text` for every value a mark can take (the browser shows them as a slider moves)."""
    count = int(round((high - low) / step))
    return {low + i * step: point_text(spectrum, low + i * step) for i in range(count + 1)}


def _points(spectra, values: dict) -> tuple[list, list, list]:
    """x, y and hover text of a pathway through ``spectra`` (None where a spectrum is not marked)."""
    xs, ys, texts = [], [], []
    for s in spectra:
        val = values.get(s.id)
        marked = _marked(val)
        xs.append(float(val) if marked else None)
        ys.append(s.dimension)
        texts.append(point_text(s, val) if marked else "")
    return xs, ys, texts


def _line(spectra, values: dict, style: dict, name: str, width: float = 3, opacity: float = 1.0,
          showlegend: bool = True, size: int = 12, hover: bool = True) -> dict:
    xs, ys, texts = _points(spectra, values)
    return _trace(
        "scatter", x=xs, y=ys, name=name, mode="lines+markers", connectgaps=False, opacity=opacity,
        showlegend=showlegend, line=dict(color=style["color"], dash=style["dash"], width=width),
        marker=dict(symbol=style["symbol"], size=size, color=style["color"], line=dict(color="#fff", width=1)),
        text=texts, hovertemplate="%{text}<extra>" + name + "</extra>" if hover else None,
        hoverinfo=None if hover else "skip")


LAST_TIME_STYLE = {"color": theme.MUTED, "dash": "dash"}  # a muted pathway: grey, dashed, thinner, under the member's


def last_time_trace(spectra, last_time: dict, name: str) -> dict | None:
    """The team's agreed marks of an earlier session as one muted pathway trace (None when nothing was agreed).

    ``last_time`` maps ``current`` and ``aspiration`` to {spectrum id: mark}; the two runs of marks are one trace
    (one legend entry), apart from each other, with the now and aspiration symbols and words in their hover text.
    """
    xs, ys, texts, symbols = [], [], [], []
    for field, style, word in (("current", theme.NOW_STYLE, "now"), ("aspiration", theme.ASPIRATION_STYLE,
                                                                     "should be")):
        values = (last_time or {}).get(field) or {}
        if not any(_marked(v) for v in values.values()):
            continue
        if xs:  # a gap between the two runs
            xs.append(None), ys.append(None), texts.append(""), symbols.append(style["symbol"])
        px, py, pt = _points(spectra, values)
        xs += px
        ys += py
        texts += [f"{t} ({word})" if t else "" for t in pt]
        symbols += [style["symbol"]] * len(px)
    if not xs:
        return None
    return _trace(
        "scatter", x=xs, y=ys, name=name, mode="lines+markers", connectgaps=False, opacity=0.85, legendrank=1001,
        line=dict(color=LAST_TIME_STYLE["color"], dash=LAST_TIME_STYLE["dash"], width=2),
        marker=dict(symbol=symbols, size=8, color=LAST_TIME_STYLE["color"], line=dict(color="#fff", width=1)),
        text=texts, hovertemplate="%{text}<extra>" + name + "</extra>")


@_builder
def pathway(spectra, current: dict, aspiration: dict, title: str | None = "Your pathway",
            last_time: dict | None = None, last_time_name: str = "Agreed last time") -> Spec:
    """One member's two pathways (now and aspiration) through the seven spectra.

    ``last_time`` (a follow-up session): the team's agreed marks of the session it follows up, ``current`` and
    ``aspiration`` each {spectrum id: mark}, drawn under the member's as one muted pathway named
    ``last_time_name``; nothing is drawn when no mark was agreed.
    """
    fig = Spec(_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    earlier = last_time_trace(spectra, last_time, last_time_name) if last_time else None
    if earlier is not None:
        fig.add_trace(earlier)
    fig.add_trace(_line(spectra, current, theme.NOW_STYLE, "Now"))
    fig.add_trace(_line(spectra, aspiration, theme.ASPIRATION_STYLE, "Aspiration"))
    if not any(_marked(v) for v in list(current.values()) + list(aspiration.values())):
        # in the top margin, right of the title: inside the chart it would lie over a row's pole labels
        fig.add_annotation(xref="paper", yref="paper", x=1, y=1, xanchor="right", yanchor="bottom", yshift=6,
                           showarrow=False, text="Move a slider to draw it", font=dict(size=13, color=theme.MUTED))
    bottom = _legend_below(fig, rows=2 if earlier is not None else 1)
    _fit_least(fig, FIT_ROW * len(spectra) + fig.layout["margin"]["t"] + bottom)
    return fig


def update_pathway(fig: go.Figure | Spec, spectra, current: dict, aspiration: dict) -> go.Figure | Spec:
    """Move the Now and Aspiration lines of a :func:`pathway` figure (or its :class:`Spec`) in place (no rebuild)."""
    marked = any(_marked(v) for v in list(current.values()) + list(aspiration.values()))
    if isinstance(fig, Spec):
        for name, values in (("Now", current), ("Aspiration", aspiration)):
            xs, _ys, texts = _points(spectra, values)
            next(t for t in fig.data if t.get("name") == name).update(x=xs, text=texts)
        if "annotations" in fig.layout:
            fig.layout["annotations"] = [a for a in fig.layout["annotations"] if a.get("xref") != "paper" or not marked]
        return fig
    for name, values in (("Now", current), ("Aspiration", aspiration)):
        xs, _ys, texts = _points(spectra, values)
        line = next(t for t in fig.data if t.name == name)
        line.update(x=xs, text=texts)
    layout = cast("go.Layout", fig.layout)  # plotly's properties are not annotated
    annotations = cast("tuple[go.layout.Annotation, ...]", layout.annotations)
    layout.annotations = [a for a in annotations if a.xref != "paper" or not marked]
    return fig


@_builder
def team_pathways(spectra, marks: pd.DataFrame, median: pd.DataFrame, agreed: pd.DataFrame | None = None,
                  labels: dict | None = None, title: str | None = "Team pathways",
                  spread: dict | None = None, members: bool = True) -> Spec:
    """The team median (bold), the team's spread or every member's pathway, and the agreed marks if any.

    ``spread`` maps ``current`` and ``aspiration`` to :func:`workbook.analysis.summary` frames: each draws
    a translucent band from the lower to the upper quartile on every spectrum, so a room sees at a glance
    where the middle half of the team stands. ``members`` draws each member's pathways (thin, translucent);
    ``labels`` maps respondent_id to the name shown in their hover (role only when anonymised).
    """
    fig = Spec(_base_layout(title, ROW_HEIGHT * len(spectra) + 100))
    _tracks(fig, spectra)
    for field, style in (("current", theme.NOW_STYLE), ("aspiration", theme.ASPIRATION_STYLE)):
        if spread is not None and field in spread:
            for band in _band(spectra, spread[field], style):
                fig.add_trace(band)
    labels = labels or {}
    for rid, part in (marks.groupby("respondent_id", sort=True) if members else ()):
        vals = part.set_index("spectrum")
        who = labels.get(rid, f"Member {rid}")
        for field, style in (("current", theme.NOW_STYLE), ("aspiration", theme.ASPIRATION_STYLE)):
            fig.add_trace(_line(spectra, vals[field].to_dict(), style, f"{who} ({style['label'].lower()})",
                                width=1.5, opacity=0.35, showlegend=False, size=7))
    fig.add_trace(_line(spectra, median["current"].to_dict(), theme.NOW_STYLE, "Team median, now", width=4))
    fig.add_trace(_line(spectra, median["aspiration"].to_dict(), theme.ASPIRATION_STYLE,
                        "Team median, aspiration", width=4))
    if agreed is not None and not agreed.empty:
        ag = agreed.set_index("spectrum")
        for field, style in (("current", theme.NOW_STYLE), ("aspiration", theme.ASPIRATION_STYLE)):
            marks_ = _line(spectra, ag[field].to_dict(), style, f"Agreed {style['label'].lower()}", width=0)
            marks_["mode"] = "markers"
            _merge(marks_["marker"], dict(symbol=style["symbol"] + "-open", size=20,
                                          line=dict(width=3, color=style["color"])))
            fig.add_trace(marks_)
            narrow(fig, traces={len(fig.data) - 1: dict(marker=dict(size=14))})  # a phone: clear of pole names
    if marks.empty and cast("pd.Series", median.isna().all()).all():
        _empty(fig, "Nobody has charted a pathway yet")
    _legend_below(fig, rows=3)
    return fig


BAND_OPACITY = 0.22


def _band(spectra, stats: pd.DataFrame, style: dict) -> list[dict]:
    """The middle half of the team on ``stats``' field as filled ribbons (one per run of marked spectra)."""
    name = f"Middle half of the team, {style['label'].lower()}"
    runs, run = [], []
    for s in spectra:
        row = stats.loc[s.id] if s.id in stats.index else None
        if row is None or pd.isna(row["q1"]):
            if run:
                runs.append(run)
            run = []
            continue
        run.append((s.dimension, float(row["q1"]), float(row["q3"])))
    if run:
        runs.append(run)
    traces = []
    for i, run in enumerate(runs):
        # a spectrum on its own, or where the whole middle half agrees, still shows as a short bar
        lows = [min(lo, hi - 0.08) for _d, lo, hi in run]
        highs = [max(hi, lo + 0.08) for _d, lo, hi in run]
        ys = [d for d, _lo, _hi in run]
        if len(run) == 1:
            xs, yy = [lows[0], highs[0]], [ys[0], ys[0]]
            traces.append(_trace("scatter", x=xs, y=yy, mode="lines", name=name, legendgroup=name,
                                 showlegend=i == 0, line=dict(color=style["color"], width=18),
                                 opacity=BAND_OPACITY, hoverinfo="skip"))
            continue
        traces.append(_trace(
            "scatter", x=lows + highs[::-1], y=ys + ys[::-1], mode="lines", fill="toself", name=name,
            legendgroup=name, showlegend=i == 0, fillcolor=style["color"], opacity=BAND_OPACITY, line=dict(width=0),
            hoverinfo="skip"))
    return traces


def _empty(fig: Spec, text: str) -> None:
    fig.add_annotation(xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False, text=text,
                       font=dict(size=15, color=theme.MUTED), bgcolor="rgba(255,255,255,0.85)")


@_builder
def alignment(spectra, marks: pd.DataFrame, field: str = "current", title: str | None = None) -> Spec:
    """A box per spectrum of the members' marks, drawn like the survey's box plot."""
    style = theme.NOW_STYLE if field == "current" else theme.ASPIRATION_STYLE
    title = title or f"Where the team agrees: {style['label'].lower()}"
    fig = Spec(_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    dims = {s.id: s.dimension for s in spectra}
    data = marks.dropna(subset=[field])
    fig.add_trace(_trace(
        "box", x=data[field].to_numpy(), y=[dims[s] for s in data["spectrum"]], orientation="h",
        name=style["label"], marker=dict(color=style["color"], symbol=style["symbol"]),
        line=dict(color=style["color"]), boxpoints="all", jitter=0.3, pointpos=0, fillcolor="rgba(0,0,0,0.04)",
        showlegend=False, hovertemplate="%{y}: %{x}<extra></extra>"))
    if data.empty:
        _empty(fig, "Nobody has marked this yet")
    return fig


@_builder
def roles(spectra, role_medians: pd.DataFrame, title: str | None = "Median by role (now)") -> Spec:
    """One line per role through the spectra (markers differ by role as well as shade)."""
    fig = Spec(_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    symbols = ["circle", "square", "triangle-up", "diamond", "cross", "x", "star", "hexagon"]
    shades = ["#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
    for i, (role, row) in enumerate(role_medians.iterrows()):
        style = {"color": shades[i % len(shades)], "dash": "solid", "symbol": symbols[i % len(symbols)]}
        fig.add_trace(_line(spectra, row.to_dict(), style, str(role), width=2))
    if role_medians.empty:
        _empty(fig, "No marks yet")
    _legend_below(fig, rows=(len(role_medians) + 1) // 2)
    return fig


@_builder
def gaps(spectra, gap_table: pd.DataFrame, title: str | None = "Widest gaps between now and aspiration") -> Spec:
    """Horizontal bars of aspiration minus now, widest at the top; the sign says which pole it moves toward."""
    by_id = {s.id: s for s in spectra}
    table = gap_table.iloc[::-1]
    labels = [by_id[s].dimension for s in table["spectrum"]]
    hover = [f"{by_id[s].dimension}: move {abs(g):g} toward "
             f"{(by_id[s].right if g > 0 else by_id[s].left).plain_label}" if g else f"{by_id[s].dimension}: no gap"
             for s, g in zip(table["spectrum"], table["gap"])]
    fig = Spec(_base_layout(title, 60 + 44 * max(len(table), 1)))
    fig.add_trace(_trace("bar", x=table["gap"].to_numpy(), y=labels, orientation="h",
                         marker=dict(color=theme.ASPIRATION), text=[f"{g:+g}" for g in table["gap"]],
                         textposition="outside", hovertext=hover, hoverinfo="text"))
    fig.update_xaxes(range=[-4.5, 4.5], zeroline=True, zerolinecolor=theme.INK,
                     title=dict(text="← toward left pole · toward right pole →"))
    if table.empty:
        _empty(fig, "No gaps yet: mark both now and aspiration")
    return fig


@_builder
def survey(spectra, bench: pd.DataFrame, title: str | None = "Your team and the national survey (n=86)") -> Spec:
    """The team's median current state beside the surveyed systems' median and mean."""
    fig = Spec(_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    dims = [s.dimension for s in spectra]
    b = bench.reindex([s.id for s in spectra])
    shares = []
    for s, (_, row) in zip(spectra, b.iterrows()):
        parts = [f"{lab}: {row[col]:g}%" for lab, col in ((s.left.plain_label, "share_left"), ("middle", "share_mid"),
                                                          (s.right.plain_label, "share_right"))
                 if pd.notna(cast("float", row[col]))]
        shares.append("<br>".join(parts) if parts else "no distribution given in the report")
    fig.add_trace(_trace("scatter", x=b["survey_median"].to_numpy(), y=dims, mode="markers", name="Survey median",
                         marker=dict(symbol="square", size=13, color=theme.SURVEY), customdata=shares,
                         hovertemplate="%{y}: survey median %{x}<br>%{customdata}<extra></extra>"))
    fig.add_trace(_trace("scatter", x=b["survey_mean"].to_numpy(), y=dims, mode="markers", name="Survey mean",
                         marker=dict(symbol="x-thin-open", size=13, color=theme.SURVEY, line=dict(width=2)),
                         hovertemplate="%{y}: survey mean %{x}<extra></extra>"))
    fig.add_trace(_line(spectra, b["team_median"].to_dict(), theme.NOW_STYLE, "Your team (median, now)"))
    _legend_below(fig, rows=2)
    return fig


@_builder
def change(spectra, moved: pd.DataFrame, title: str | None = "How the team's pathway moved") -> Spec:
    """Before (open markers) and after (filled) median pathways with arrows between them."""
    fig = Spec(_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    for field, style in (("current", theme.NOW_STYLE), ("aspiration", theme.ASPIRATION_STYLE)):
        before = _line(spectra, moved[f"{field}_before"].to_dict(), style, f"{style['label']}, earlier", width=1.5,
                       opacity=0.6)
        before["marker"]["symbol"] = style["symbol"] + "-open"
        fig.add_trace(before)
        fig.add_trace(_line(spectra, moved[f"{field}_after"].to_dict(), style, f"{style['label']}, later"))
    _legend_below(fig, rows=2)
    return fig


# ------------------------------------------------------------ conditions for scale

def condition_numbers(framework) -> dict[str, int]:
    """Each condition's number on the rings chart and in its key (1-16, in the framework's order, ring by ring)."""
    return {c.id: i for i, c in enumerate((c for layer in framework.layers for c in layer.conditions), start=1)}


@_builder
def framework_rings(framework, medians: dict | None = None, title: str | None = None) -> Spec:
    """The framework as the source draws it: the student-centered design at the centre, three rings of conditions.

    Each ring is a layer; each segment a condition, coloured by layer (or, with ``medians``, by the team's
    median rating on one colour-blind-safe scale, with its colour bar). A segment carries its condition's
    number (the key beside the chart names it: :func:`workbook.html.conditions.rings_key`) and, with
    ``medians``, the median itself, in whichever of white or ink reads best on the segment's colour: nothing
    needs a hover to be understood, and long names never overlap. Hover still gives the description.
    """
    numbers = condition_numbers(framework)
    fig = Spec()
    small = {}  # on a phone: the number alone in each segment (the key beside the chart gives the median)
    fig.add_trace(_trace("barpolar", r=[1], base=0, theta=[0], width=[360], marker=dict(color=theme.CORE),
                         name=framework.core.name, hovertext=[f"<b>{framework.core.name}</b>"],
                         hoverinfo="text", showlegend=False))
    for layer in framework.layers:
        n = len(layer.conditions)
        width = 360 / n
        thetas = [width * (i + 0.5) for i in range(n)]
        if medians:
            colours = [_rating_colour(medians.get(c.id)) for c in layer.conditions]
        else:
            colours = [theme.LAYER_COLOURS[layer.id]] * n
        hover = [f"<b>{numbers[c.id]}. {c.name}</b> ({layer.name})<br>{_wrap(c.description)}"
                 + (f"<br>Team median: {medians[c.id]:g} of 5" if medians and medians.get(c.id) is not None else "")
                 for c in layer.conditions]
        fig.add_trace(_trace("barpolar", r=[1] * n, base=layer.ring, theta=thetas, width=[width] * n,
                             name=layer.name, marker=dict(color=colours, line=dict(color="#fff", width=2)),
                             hovertext=hover, hoverinfo="text", showlegend=not medians))
        for c, th, colour in zip(layer.conditions, thetas, colours):
            value = medians.get(c.id) if medians else None
            text = f"<b>{numbers[c.id]}</b>" + (f"<br>{value:g}" if value is not None else ("<br>—" if medians else ""))
            fig.add_trace(_trace("scatterpolar", r=[layer.ring + 0.5], theta=[th], mode="text", text=[text],
                                 textfont=dict(size=15, color=_readable_on(colour)),
                                 hoverinfo="skip", showlegend=False))
            small[len(fig.data) - 1] = dict(text=[f"<b>{numbers[c.id]}</b>"], textfont=dict(size=12))
    fig.add_trace(_trace("scatterpolar", r=[0], theta=[0], mode="text", text=["Student-Centered<br>Design"],
                         textfont=dict(size=12, color=_readable_on(theme.CORE)), hoverinfo="skip",
                         showlegend=False))
    small[len(fig.data) - 1] = dict(text=["Student-<br>Centered<br>Design"], textfont=dict(size=9))
    if medians:
        # the colour scale, read without hovering: 1 (not aligned at all) to 5 (fully aligned); grey: not rated
        fig.add_trace(_trace("scatterpolar", r=[None], theta=[None], mode="markers", hoverinfo="skip",
                             showlegend=False, marker=dict(color=[1], cmin=1, cmax=5, colorscale=_rating_scale(),
                                                           showscale=True, colorbar=dict(
                                                               tickvals=[1, 2, 3, 4, 5], thickness=14, len=0.75,
                                                               ticktext=["1 not aligned", "2", "3 on our way", "4",
                                                                         "5 fully aligned"]))))
        small[len(fig.data) - 1] = dict(marker=dict(colorbar=dict(
            orientation="h", x=0.5, xanchor="center", y=0, yref="container", yanchor="bottom", len=0.9,
            thickness=10, title=dict(text="Team median: 1 not aligned … 5 fully aligned", side="top",
                                     font=dict(size=11)),
            ticktext=["1", "2", "3", "4", "5"])))
    fig.update_layout(
        title=dict(text=title, x=0) if title else None, height=640, margin=dict(l=20, r=20, t=50, b=20),
        font=dict(family=theme.FONT, color=theme.INK), paper_bgcolor=theme.PAPER,
        polar=dict(radialaxis=dict(visible=False, range=[0, 4]), angularaxis=dict(visible=False),
                   bgcolor=theme.PAPER, hole=0),
        legend=dict(orientation="h", y=-0.02))
    narrow(fig, layout=dict(height=460 if medians else 400, margin=dict(l=4, r=4, b=70 if medians else 40)),
           traces=small)
    return fig


def _luminance(colour: str) -> float:
    """The WCAG relative luminance of a ``#rrggbb`` or ``rgb(r, g, b)`` colour."""
    if colour.startswith("#"):
        rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    else:
        rgb = [float(x) for x in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]]
    lin = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _readable_on(colour: str) -> str:
    """White or black, whichever contrasts more with ``colour`` (the middle of the rating scale needs pure black)."""
    return "#FFFFFF" if contrast("#FFFFFF", colour) >= contrast("#000000", colour) else "#000000"


def _wrap(text: str, width: int = 60) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(lines)


def _rating_colour(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "#E4E7EB"
    from plotly.colors import sample_colorscale

    return cast("str", sample_colorscale(theme.RATING_SCALE, [(float(value) - 1) / 4])[0])  # colortype "rgb"


@_builder
def heatmap(matrix: pd.DataFrame, names: dict, scale_labels: dict,
            title: str | None = "Ratings by member and condition", numbers: dict | None = None) -> Spec:
    """Members (rows) x conditions (columns), coloured by rating 1..5, the value written in each cell.

    ``numbers`` (condition id to its number in the rings' key) lets a phone show the conditions as rows
    numbered as in the key, the members as columns.
    """
    cols = [names[c] for c in matrix.columns]
    rows = [str(i) for i in matrix.index]
    z = matrix.to_numpy(dtype=float)
    text = [["" if math.isnan(v) else f"{v:g}" for v in row] for row in z]
    fig = Spec(_base_layout(title, 140 + 34 * max(len(matrix), 1)))
    fig.add_trace(_trace(
        "heatmap", z=z, x=cols, y=rows, zmin=1, zmax=5, colorscale=_rating_scale(),
        text=text, texttemplate="%{text}", hovertemplate="%{y}<br>%{x}: %{z}<extra></extra>",
        colorbar=dict(tickvals=list(scale_labels),
                      ticktext=list(scale_labels.values()))))
    fig.update_layout(margin=dict(l=160, r=20, t=60, b=160))
    fig.update_xaxes(tickangle=-40, side="bottom")
    fig.update_yaxes(autorange="reversed")
    # a tablet: the condition names upright, so sixteen fit side by side
    narrow(fig, below=900, layout=dict(xaxis=dict(tickangle=-90, tickfont=dict(size=11)),
                                       margin=dict(l=110, b=230)))
    if numbers:  # a phone: conditions down the side by their key number, members across
        keys = [f"{numbers[c]}" for c in matrix.columns]
        narrow(fig, layout=dict(
            height=120 + 24 * len(keys), margin=dict(l=36, r=8, b=40),
            xaxis=dict(tickangle=-90, tickfont=dict(size=10), automargin=True),
            yaxis=dict(title=dict(text="Condition (number as in the key)", font=dict(size=11)),
                       tickfont=dict(size=11))),
            traces={0: dict(x=rows, y=keys, z=z.T.tolist(), text=[list(r) for r in zip(*text)] if text else [],
                            customdata=[[n] * len(rows) for n in cols],
                            hovertemplate="%{customdata}<br>%{x}: %{z}<extra></extra>",
                            colorbar=dict(orientation="h", x=0.5, xanchor="center", y=0, yref="container",
                                          yanchor="bottom", len=0.9, thickness=10,
                                          title=dict(text="Alignment: 1 not at all … 5 fully", side="top",
                                                     font=dict(size=11)),
                                          ticktext=[str(k) for k in scale_labels]))})
    if matrix.empty:
        _empty(fig, "Nobody has rated the conditions yet")
    return fig


@_builder
def condition_spread(csum: pd.DataFrame, names: dict, title: str | None = "Where the team agrees least") -> Spec:
    """Bars of each condition's spread (IQR), least agreement at the top; votes in the hover."""
    data = csum.dropna(subset=["iqr"]).sort_values("iqr")
    fig = Spec(_base_layout(title, 80 + 26 * max(len(data), 1)))
    fig.add_trace(_trace(
        "bar", x=data["iqr"].to_numpy(), y=[names[c] for c in data.index], orientation="h",
        marker=dict(color=[theme.LAYER_COLOURS[layer] for layer in data["layer"]]),
        customdata=[list(pair) for pair in zip(data["median"], data["votes"])],
        hovertemplate="%{y}<br>spread (IQR) %{x}<br>median %{customdata[0]}<br>priority votes %{customdata[1]}"
                      "<extra></extra>"))
    fig.update_layout(margin=dict(l=230, r=20, t=56, b=40))
    fig.update_xaxes(title=dict(text="Spread of ratings (interquartile range)"), rangemode="tozero")
    _narrow_bars(fig, [names[c] for c in data.index])
    if data.empty:
        _empty(fig, "Needs ratings from at least one member")
    return fig


@_builder
def votes(csum: pd.DataFrame, names: dict, title: str | None = "Priority votes") -> Spec:
    """Horizontal bars of the priority votes each voted condition received, coloured by layer, most at the top."""
    data = cast("pd.DataFrame", csum[csum["votes"] > 0]).sort_values("votes")
    fig = Spec(_base_layout(title, 80 + 30 * max(len(data), 1)))
    fig.add_trace(_trace("bar", x=data["votes"].to_numpy(), y=[names[c] for c in data.index], orientation="h",
                         marker=dict(color=[theme.LAYER_COLOURS[layer] for layer in data["layer"]]),
                         hovertemplate="%{y}: %{x} vote(s)<extra></extra>"))
    fig.update_layout(margin=dict(l=230, r=20, t=56, b=40))
    fig.update_xaxes(dtick=1, rangemode="tozero")
    _narrow_bars(fig, [names[c] for c in data.index], dtick=max(1, math.ceil(data["votes"].max() / 4))
                 if len(data) else 1)
    if data.empty:
        _empty(fig, "No priorities picked yet")
    return fig


def _narrow_bars(fig: Spec, labels: list, dtick: float | None = None) -> None:
    """On a phone: bar labels on two lines in a narrow margin, rows tall enough for them, fewer ticks."""
    narrow(fig, layout=dict(
        height=96 + 38 * max(len(labels), 1),
        margin=dict(l=8, r=8), yaxis=dict(tickmode="array", tickvals=labels, automargin=True,
                                          ticktext=[two_lines(lab, 14) for lab in labels], tickfont=dict(size=11)),
        xaxis=dict(dtick=dtick, nticks=None if dtick else 4, title=dict(font=dict(size=11)))))


@_builder
def network(spectra, pathways: pd.DataFrame, highlight: str | None = None, peers: list[str] | None = None,
            title: str | None = "Districts across the network (median now)") -> Spec:
    """One box per spectrum over districts' median pathways, every district a point; one district highlighted.

    The points are one box trace built from arrays (spectrum by spectrum, districts in the frame's order):
    a thousand districts cost no more Python than ten.
    """
    fig = Spec(_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    dims = {s.id: s.dimension for s in spectra}
    values = pathways.to_numpy(dtype=float).T  # spectra x districts
    marked = ~np.isnan(values)
    rows = np.array([dims[c] for c in pathways.columns], dtype=str)
    slugs = pathways.index.to_numpy(dtype=str)
    # arrays, not lists: the figure copies them whole, not label by label
    fig.add_trace(_trace("box", orientation="h", name="Districts",
                         boxpoints="all" if len(pathways) <= 300 else "outliers", jitter=0.4, pointpos=0,
                         marker=dict(color=theme.SURVEY, size=4, opacity=0.5), line=dict(color=theme.SURVEY),
                         hovertemplate="%{text}: %{x}<extra></extra>", showlegend=False,
                         x=values[marked], y=np.repeat(rows, marked.sum(axis=1)),
                         text=np.broadcast_to(slugs, values.shape)[marked]))
    for slug_list, style, name in ((peers or [], {"color": "#009E73", "dash": "dot", "symbol": "square"}, "Peer"),
                                   ([highlight] if highlight else [], theme.NOW_STYLE, None)):
        for slug in slug_list:
            if slug in pathways.index:
                fig.add_trace(_line(spectra, pathways.loc[slug].to_dict(), style, name or slug,
                                    width=2 if name else 4, showlegend=True))
    _legend_below(fig, rows=2)
    return fig


# ------------------------------------------------------------------ one spectrum, every member (the projector)

def stacked(values, per_row: int = 4, dx: float = 0.09, dy: float = 0.17) -> tuple[list[float], list[float]]:
    """Offsets that give every value of ``values`` a place of its own: a dot plot, equal values piled up.

    Members who marked the same value sit side by side (at most ``per_row`` a line, centred on the value,
    ``dx`` apart on the value's axis) in lines ``dy`` apart, centred on the row: ``(x offsets, y offsets)``,
    one pair per value in the order given. Different values never share a place (piles are narrower than
    the half step between marks).
    """
    groups: dict[float, list[int]] = {}
    for i, v in enumerate(values):
        groups.setdefault(float(v), []).append(i)
    xs, ys = [0.0] * len(values), [0.0] * len(values)
    for members in groups.values():
        n = len(members)
        cols = min(per_row, n)
        lines = math.ceil(n / cols)
        for k, i in enumerate(members):
            line, col = divmod(k, cols)
            in_line = min(cols, n - line * cols)  # the last line may be shorter, and is centred too
            xs[i] = (col - (in_line - 1) / 2) * dx
            ys[i] = ((lines - 1) / 2 - line) * dy
    return xs, ys


@_builder
def spectrum_dots(spectrum, marks: pd.DataFrame, height: int = 430) -> Spec:
    """One spectrum, large: every member's now and aspiration mark as a marker of its own, the medians as lines.

    Members who marked the same value are piled up (:func:`stacked`), so the chart shows as many markers per
    row as members marked it; the team's median is a vertical line across its row (it hides no marker).
    """
    data = cast("pd.DataFrame", marks[marks["spectrum"] == spectrum.id])
    fig = Spec(dict(height=height, font=dict(family=theme.FONT, size=22, color=theme.INK),
                    paper_bgcolor=theme.PAPER, plot_bgcolor=theme.PAPER,
                    margin=dict(l=170, r=30, t=90, b=60), showlegend=False,
                    title=dict(text=f"Q{spectrum.number} · {spectrum.dimension}", x=0, font=dict(size=30))))
    rows = (("current", theme.NOW_STYLE, "Now", 1.0), ("aspiration", theme.ASPIRATION_STYLE, "Aspiration", 0.0))
    columns = {f: cast("pd.Series", data[f]) for f, *_ in rows}
    most = max([int(columns[f].dropna().value_counts().max()) for f, *_ in rows if columns[f].notna().any()] or [1])
    per_row = max(3, math.ceil(most / 5))  # at most five lines a pile: a big team widens its piles instead
    dx = min(0.13, 0.4 / per_row)
    size = 15 if per_row <= 3 else max(8, int(15 * 3 / per_row))
    for field, style, row, y in rows:
        vals = [float(v) for v in data[field].dropna()]
        ox, oy = stacked(vals, per_row=per_row, dx=dx, dy=0.15)
        fig.add_trace(_trace("scatter", x=[v + o for v, o in zip(vals, ox)], y=[y + o for o in oy], mode="markers",
                             name=f"Members, {row.lower()}", customdata=vals,
                             marker=dict(size=size, color=style["color"], symbol=style["symbol"], opacity=0.85,
                                         line=dict(width=1, color="#fff")),
                             hovertemplate=f"{row}: %{{customdata}}<extra></extra>"))
        if vals:
            mid = float(np.median(vals))
            fig.add_trace(_trace("scatter", x=[mid, mid], y=[y - 0.46, y + 0.46], mode="lines",
                                 name=f"Median, {row.lower()}", line=dict(color=style["color"], width=5),
                                 hovertemplate=f"Team median, {row.lower()}: {mid:g}<extra></extra>"))
    fig.update_xaxes(range=[0.6, 5.4], tickvals=[1, 2, 3, 4, 5], tickfont=dict(size=20), fixedrange=True,
                     showgrid=True, gridcolor="#EEF2F6", zeroline=False)
    fig.update_yaxes(range=[-0.55, 1.55], tickvals=[0, 1], ticktext=["Aspiration", "Now"], fixedrange=True,
                     showgrid=False, zeroline=False, automargin=True)
    # the poles' names above the two ends of the scale, inside the chart (a tick label at 5 would overflow it)
    poles: list[dict] = [
        dict(x=x, xref="x", y=1, yref="paper", yanchor="bottom", xanchor=anchor, showarrow=False,
             text=label, font=dict(size=size_, color=theme.MUTED))
        for x, anchor, label, size_ in ((0.6, "left", spectrum.left.plain_label, 20),
                                        (5.4, "right", spectrum.right.plain_label, 20))]
    fig.update_layout(shapes=[dict(type="line", xref="paper", x0=0, x1=1, y0=0.5, y1=0.5,
                                   line=dict(color=theme.RULE, width=1))], annotations=poles,
                      margin=dict(l=20, r=30, t=110, b=50))
    # on a phone: smaller type and markers, the pole names wrapped
    narrow(fig, layout=dict(
        font=dict(size=14), title=dict(font=dict(size=20)), margin=dict(l=8, r=12, t=90, b=40),
        xaxis=dict(range=[0.3, 5.7], tickfont=dict(size=12)),
        annotations=[dict(p, x=0.3 if p["xanchor"] == "left" else 5.7, text=two_lines(p["text"], 12),
                          font=dict(size=12, color=theme.MUTED)) for p in poles]),
        traces={i: dict(marker=dict(size=max(6, size * 2 // 3))) for i in range(len(fig.data))
                if fig.data[i].get("mode") == "markers"})
    if cast("pd.Series", cast("pd.DataFrame", data[["current", "aspiration"]]).isna().all()).all():
        _empty(fig, "Nobody has marked this spectrum yet")
    return fig


@_builder
def condition_dots(framework, cmarks: pd.DataFrame, title: str | None = "Every member's ratings",
                   height: int = 430) -> Spec:
    """The sixteen conditions as rows (the framework's order, layer by layer): each member's rating a small dot.

    Equal ratings sit side by side (:func:`stacked`), so a row shows as many dots as members rated it; the team's
    median is a short bar across the row in the rating's colour. Drawn with scatter traces only (the page's
    smallest plotly.js bundle draws it), it shows what the heat map shows, without names.
    """
    rows = [(c, layer) for layer in framework.layers for c in layer.conditions]
    numbers = condition_numbers(framework)
    labels = [f"{numbers[c.id]}. {c.name}" for c, _layer in rows]
    fig = Spec(_base_layout(title, height))
    ratings = cmarks.dropna(subset=["rating"]) if not cmarks.empty else cmarks
    xs, ys, texts, mx, my = [], [], [], [], []
    most = int(ratings.groupby(["condition", "rating"]).size().max()) if len(ratings) else 1
    per_row = max(4, math.ceil(most / 2))
    dx = min(0.1, 0.42 / per_row)
    for i, (c, _layer) in enumerate(rows):
        y = len(rows) - 1 - i  # the first condition at the top
        vals = [float(v) for v in ratings.loc[ratings["condition"] == c.id, "rating"]] if len(ratings) else []
        ox, oy = stacked(vals, per_row=per_row, dx=dx, dy=0.32)
        xs += [v + o for v, o in zip(vals, ox)]
        ys += [y + o for o in oy]
        texts += [f"{c.name}: {v:g}" for v in vals]
        if vals:
            mid = float(np.median(vals))
            mx += [mid, mid, None]
            my += [y - 0.42, y + 0.42, None]
    fig.add_trace(_trace("scatter", x=xs, y=ys, mode="markers", name="Members' ratings", text=texts,
                         hovertemplate="%{text}<extra></extra>",
                         marker=dict(size=7, color=theme.INK, opacity=0.55)))
    fig.add_trace(_trace("scatter", x=mx, y=my, mode="lines", name="Team median",
                         line=dict(color=theme.INK, width=4), hoverinfo="skip"))
    labels_scale = framework.scale.labels
    fig.update_xaxes(range=[0.6, 5.4], tickvals=list(range(1, 6)),
                     ticktext=[f"{k}<br>{labels_scale[k]}" if k in labels_scale else str(k) for k in range(1, 6)],
                     showgrid=True, gridcolor="#EEF2F6", zeroline=False, fixedrange=True)
    fig.update_yaxes(tickvals=list(range(len(rows))), ticktext=list(reversed(labels)), range=[-0.6, len(rows) - 0.4],
                     showgrid=False, zeroline=False, fixedrange=True, automargin=True)
    fig.update_layout(margin=dict(l=8, r=24, t=56 if title else 24, b=60), showlegend=False)
    narrow(fig, layout=dict(yaxis=dict(ticktext=[str(numbers[c.id]) for c, _l in reversed(rows)]),
                            xaxis=dict(ticktext=["1", "2", "3", "4", "5"])))
    if not len(ratings):
        _empty(fig, "Nobody has rated the conditions yet")
    return fig
