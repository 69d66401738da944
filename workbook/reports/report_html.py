"""The district report's page from its displayed outputs: no pandas, no store, no plotly object model.

A report batch's worker process turns each executed notebook's outputs into the district's page
(:func:`workbook.reports.batch.notebook_html`); only this module is imported there, so a worker does not pay
for the analysis and chart modules its kernels use.
"""

from __future__ import annotations

import json
import uuid

from ..content.theme import CHART_CONFIG

PLOTLY_MIME = "application/vnd.plotly.v1+json"
STYLE_CLASS = "wb-page wb-report-part"


def script_json(value) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` (no ``</script>``, no line separators)."""
    text = json.dumps(value, separators=(",", ":"))  # ASCII only: U+2028 and U+2029 come out escaped
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("/", "\\u002f")


def _px(value) -> str | None:
    return f"{value}px" if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def figure_html(spec: dict) -> str:
    """A chart's ``<div>`` and script, as ``plotly.io.to_html`` writes them (plotly.js is loaded once by the page).

    The spec is already plotly's JSON (a kernel sent it), so nothing is validated or converted here, and the
    worker never imports plotly: the box is as tall as the layout (or its template) says, as wide as the page.
    """
    layout = spec.get("layout") or {}
    template = (layout.get("template") or {}).get("layout") or {}
    height = _px(layout.get("height", template.get("height"))) or "100%"
    width = _px(layout.get("width", template.get("width"))) or "100%"
    config = dict(spec.get("config") or CHART_CONFIG)
    config.setdefault("responsive", True)
    div = str(uuid.uuid4())
    return (f'<div style="height:{height}; width:{width};"><div id="{div}" class="plotly-graph-div" '
            'style="height:100%; width:100%;"></div><script>window.PLOTLYENV=window.PLOTLYENV || {};'
            f'if (document.getElementById("{div}")) {{Plotly.newPlot("{div}", {script_json(spec.get("data") or [])}, '
            f'{script_json(layout)}, {script_json(config)})}};</script></div>')


def trace_types(specs) -> set[str]:
    """Every trace type the charts draw (what picks the plotly.js bundle)."""
    return {trace.get("type", "scatter") for spec in specs for trace in spec.get("data", [])}


def bundles_html(items: list[dict]) -> tuple[str, set[str]]:
    """Displayed bundles back to one HTML fragment (charts from their plotly JSON) and the trace types drawn."""
    html_parts, specs = [], []
    for data in items:
        if PLOTLY_MIME in data:
            specs.append(data[PLOTLY_MIME])
            html_parts.append(f"<div class='{STYLE_CLASS}'>{figure_html(data[PLOTLY_MIME])}</div>")
        elif "text/html" in data:
            text = data["text/html"]
            html_parts.append(text if isinstance(text, str) else "".join(text))
    return "".join(html_parts), trace_types(specs)
