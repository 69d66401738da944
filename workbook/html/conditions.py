"""The conditions for scale in tables: the three layers, their medians and priority votes."""

from __future__ import annotations

import pandas as pd

from .. import analysis
from ..render import esc


def layers_html(content, csum: pd.DataFrame) -> str:
    """A table of the three layers: the median of their conditions' medians, the least aligned condition, the votes."""
    rows = []
    summary = analysis.layer_summary(csum)
    for layer in content.framework.layers:
        if layer.id not in summary.index:
            continue
        r = summary.loc[layer.id]
        lowest = content.condition(r["lowest"]).name if r["lowest"] else "—"
        med = "—" if pd.isna(r["median_of_medians"]) else f"{r['median_of_medians']:g}"
        rows.append(f"<tr><th scope='row'>{esc(layer.name)}</th><td>{med}</td><td>{esc(lowest)}</td>"
                    f"<td>{int(r['votes'])}</td></tr>")
    return ("<table class='wb-table'><thead><tr><th scope='col'>Layer</th><th scope='col'>Typical alignment "
            "(1–5)</th><th scope='col'>Least aligned condition</th><th scope='col'>Priority votes</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>"
            "<p class='wb-muted'>Typical alignment: the middle value of the team's median ratings of the layer's "
            "conditions.</p>")


def rings_key(framework, medians: dict | None = None) -> str:
    """The key beside the rings chart: each condition's number, name and layer (and the team's median)."""
    from ..charts import condition_numbers

    numbers = condition_numbers(framework)
    rows = []
    for layer in framework.layers:
        for c in layer.conditions:
            value = "" if medians is None else (
                "<td>—</td>" if medians.get(c.id) is None else f"<td>{medians[c.id]:g}</td>")
            rows.append(f"<tr><td>{numbers[c.id]}</td><th scope='row'>{esc(c.name)}</th>"
                        f"<td>{esc(layer.name)}</td>{value}</tr>")
    head = ("<thead><tr><th scope='col'>No.</th><th scope='col'>Condition</th><th scope='col'>Layer</th>"
            + ("<th scope='col'>Team median (1–5)</th>" if medians is not None else "") + "</tr></thead>")
    return f"<table class='wb-table wb-rings-key'>{head}<tbody>{''.join(rows)}</tbody></table>"
