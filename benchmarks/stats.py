"""Summaries and result rows shared by every group."""

from __future__ import annotations

import statistics


def summary(values, digits: int = 3) -> dict:
    """Median, min, max and the samples themselves."""
    values = [float(v) for v in values]
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0, "samples": []}
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits), "n": len(values), "samples": [round(v, digits) for v in values]}


def ratio(a, b) -> float | None:
    if a is None or b in (None, 0):
        return None
    return round(a / b, 3)


def row(group: str, measure: str, workbook, baseline, target: float | None, unit: str = "", note: str = "",
        strict: bool = False) -> dict:
    """One line of the results table: ``workbook / baseline`` against the target ratio (<=, or < if strict)."""
    r = ratio(workbook, baseline)
    if target is None or r is None:
        verdict = "info" if target is None else "n/a"
    else:
        verdict = "pass" if (r < target if strict else r <= target) else "miss"
    return {"group": group, "measure": measure, "workbook": workbook, "baseline": baseline, "ratio": r,
            "target": None if target is None else f"{'<' if strict else '<='} {target:g}", "verdict": verdict,
            "unit": unit, "note": note}


def check(group: str, measure: str, value, expected, note: str = "") -> dict:
    """A row that passes when ``value == expected`` (counts, not ratios)."""
    verdict = "pass" if value == expected else "miss"
    return {"group": group, "measure": measure, "workbook": value, "baseline": expected, "ratio": None,
            "target": f"= {expected}", "verdict": verdict, "unit": "", "note": note}


def fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def table(rows: list[dict]) -> str:
    """The rows as a markdown table."""
    lines = ["| group | measure | workbook | baseline | ratio | target | result |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        unit = f" {r['unit']}" if r["unit"] and r["workbook"] is not None else ""
        lines.append(f"| {r['group']} | {r['measure']} | {fmt(r['workbook'])}{unit} | {fmt(r['baseline'])}{unit} | "
                     f"{fmt(r['ratio'])} | {r['target'] or '—'} | {r['verdict']} |")
    return "\n".join(lines)
