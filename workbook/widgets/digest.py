"""A stable text digest of what a page shows: its charts' data and its inputs' values.

:class:`Page`'s text form (what a notebook shows as text, and what nbval compares with the
stored notebook) ends with :func:`digest_line`, e.g.
``1 chart, 14 marks set of 14, 1 choice · digest 3f9a1c2e``: readable counts, and a short
hash of the canonical JSON of everything collected. A regression in a chart's numbers or in
the values a page opens with changes the hash, so nbval fails on it.

The digest is deterministic: numbers are rounded (:data:`DECIMALS`), widget model ids, trace
uids and the figure's layout are left out, and links, codes and tokens in strings are blanked
(the text lands in stored notebooks, which must carry no secrets).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field

import ipywidgets as w

DECIMALS = 3
"""Numbers are rounded to this many decimals: a smaller change leaves the digest as it was."""

HASH_CHARS = 8

# keys of a trace that say nothing about the data (plotly's per-trace ids)
_TRACE_NOISE = frozenset({"uid", "meta"})
_URL = re.compile(r"\b(?:https?|ftp|wss?)://[^\s'\"<>]+|\bdata:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")
_CODE = re.compile(r"\b(code|me|token|key|secret|password)=[^&\s'\"<>]+", re.IGNORECASE)
_MODEL_ID = re.compile(r"\b[0-9a-f]{32}\b")

# kinds in the order the readable line lists them: (kind, singular, plural)
_NAMES = (("chart", "chart", "charts"), ("mark", "mark", "marks"), ("slider", "slider", "sliders"),
          ("choice", "choice", "choices"), ("toggle", "toggle", "toggles"), ("text", "text box", "text boxes"),
          ("number", "number box", "number boxes"), ("button", "button", "buttons"))


@dataclass
class Digest:
    """What :func:`collect` found: ``data`` (hashed) and ``counts`` of widgets by kind."""

    data: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    marks_set: int = 0

    @property
    def hash(self) -> str:
        """The first :data:`HASH_CHARS` hex digits of the SHA-256 of ``data`` as canonical JSON."""
        text = json.dumps(self.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS]

    @property
    def summary(self) -> str:
        """The widgets found, in words: "2 charts, 5 marks set of 7, 1 text box" (or "no charts or inputs")."""
        parts = []
        for kind, one, many in _NAMES:
            n = self.counts.get(kind, 0)
            if not n:
                continue
            if kind == "mark":
                parts.append(f"{self.marks_set} {one if self.marks_set == 1 else many} set of {n}")
            else:
                parts.append(f"{n} {one if n == 1 else many}")
        return ", ".join(parts) or "no charts or inputs"

    @property
    def line(self) -> str:
        """The readable line: the summary and the digest."""
        return f"{self.summary} · digest {self.hash}"


def clean_text(text: str) -> str:
    """``text`` with links, codes and widget model ids blanked."""
    text = _URL.sub("URL", text)
    text = _CODE.sub(lambda m: f"{m.group(1)}=CODE", text)
    return _MODEL_ID.sub("ID", text)


def canonical(value):
    """``value`` as plain JSON with numbers rounded and strings cleaned (see :func:`clean_text`)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) or _is_number(value):
        x = float(value)
        if not math.isfinite(x):
            return None
        x = round(x, DECIMALS) + 0.0  # + 0.0: -0.0 becomes 0.0
        return int(x) if x.is_integer() else x
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays
        return canonical(value.tolist())
    return clean_text(str(value))


def _is_number(value) -> bool:
    import numbers

    return isinstance(value, numbers.Real)


def chart_data(widget) -> dict | None:
    """The data of the figure a chart widget shows (its traces and title), or ``None`` before its first figure."""
    from .chart import figure_json

    fig = getattr(widget, "figure", None)
    if fig is not None:
        spec = figure_json(fig)
    else:
        spec = getattr(widget, "spec", None) or None
    if not spec:
        return None
    traces = [{k: v for k, v in trace.items() if k not in _TRACE_NOISE} for trace in spec.get("data") or []]
    title = ((spec.get("layout") or {}).get("title") or {}).get("text")
    return {"title": canonical(title), "data": canonical(traces)}


def kind_of(widget) -> str:
    """The kind a widget counts as.

    One of chart, mark, box, display, button, slider, choice, toggle, text, number, output or other.
    """
    from .chart import Chart, MimePlotView
    from .marks import MarkSlider

    if isinstance(widget, (Chart, MimePlotView)):
        return "chart"
    if isinstance(widget, MarkSlider):
        return "mark"
    if isinstance(widget, w.Box):
        return "box"
    if isinstance(widget, (w.HTML, w.HTMLMath, w.Label)):
        return "display"
    if isinstance(widget, w.Button):
        return "button"
    if "Slider" in type(widget).__name__:
        return "slider"
    if isinstance(widget, (w.widgets.widget_selection._Selection, w.widgets.widget_selection._MultipleSelection)):
        return "choice"
    if isinstance(widget, w.widgets.widget_bool._Bool):
        return "toggle"
    if isinstance(widget, w.widgets.widget_string._String):
        return "text"
    if isinstance(widget, (w.widgets.widget_int._Int, w.widgets.widget_float._Float)):
        return "number"
    if isinstance(widget, w.Output):
        return "output"
    return "other"


def _value(widget, kind: str):
    if kind == "choice":
        # the label a person sees, not the value behind it (often a database id or an object)
        labels = getattr(widget, "label", None)
        return list(labels) if isinstance(labels, tuple) else labels
    return getattr(widget, "value", None)


def collect(widget) -> Digest:
    """Walk ``widget``'s tree (the children of every ``Box``) and collect what the page shows."""
    found = Digest(data={"charts": [], "values": [], "counts": {}})
    counts = found.counts

    def visit(node) -> None:
        kind = kind_of(node)
        if kind == "box":
            for child in node.children:
                visit(child)
            return
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "chart":
            found.data["charts"].append(chart_data(node))
        elif kind in ("mark", "slider", "choice", "toggle", "text", "number"):
            value = _value(node, kind)
            found.data["values"].append([kind, canonical(value)])
            if kind == "mark" and value is not None:
                found.marks_set += 1

    visit(widget)
    found.data["counts"] = dict(sorted(counts.items()))
    return found


def digest_line(widget) -> str:
    """``'<counts> · digest <hash>'`` for the page ``widget`` (see the module's docstring)."""
    return collect(widget).line
