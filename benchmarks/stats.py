"""Summaries and result rows shared by every group."""

from __future__ import annotations

import random
import statistics

CI_LEVEL, RESAMPLES, SEED = 0.95, 2000, 20240611
FAILING = ("miss", "error", "n/a")  # verdicts that make the run exit non-zero


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


def ratio_ci(workbook, baseline, level: float = CI_LEVEL, resamples: int = RESAMPLES,
             seed: int = SEED) -> tuple[float, float] | None:
    """Bootstrap interval of ``median(workbook) / median(baseline)``: both samples resampled independently.

    Percentile interval at ``level`` over ``resamples`` resamples, from a fixed seed (the same samples always
    give the same interval). None when a side has no samples.
    """
    a, b = [float(v) for v in workbook], [float(v) for v in baseline]
    if not a or not b:
        return None
    rng = random.Random(seed)
    ratios = []
    for _ in range(resamples):
        den = statistics.median(rng.choices(b, k=len(b)))
        if den:
            ratios.append(statistics.median(rng.choices(a, k=len(a))) / den)
    if not ratios:
        return None
    ratios.sort()
    tail = (1 - level) / 2
    lo = ratios[int(tail * (len(ratios) - 1))]
    hi = ratios[int(round((1 - tail) * (len(ratios) - 1)))]
    return round(lo, 3), round(hi, 3)


def row_ci(group: str, measure: str, workbook: list, baseline: list, target: float, unit: str = "",
           note: str = "") -> dict:
    """A target row on two samples: medians, their ratio and its bootstrap interval.

    The target holds only when the interval's upper end meets it (``<= target``).
    """
    a, b = summary(workbook)["median"], summary(baseline)["median"]
    out = row(group, measure, a, b, target, unit, note)
    ci = ratio_ci(workbook, baseline)
    out["ci"] = ci
    if ci is None:
        out["verdict"] = "n/a"
    else:
        out["verdict"] = "pass" if ci[1] <= target else "miss"
        out["target"] = f"<= {target:g} (upper end of {CI_LEVEL:.0%} CI)"
    return out


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
        unit = f" {r['unit']}" if r["unit"] else ""
        ratio_text = fmt(r["ratio"])
        if r.get("ci"):
            ratio_text += f" [{fmt(r['ci'][0])}, {fmt(r['ci'][1])}]"
        lines.append(f"| {r['group']} | {r['measure']} | {fmt(r['workbook'])}{unit * (r['workbook'] is not None)} | "
                     f"{fmt(r['baseline'])}{unit * (r['baseline'] is not None)} | "
                     f"{ratio_text} | {r['target'] or '—'} | {r['verdict']} |")
    return "\n".join(lines)
