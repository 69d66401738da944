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


def spread_row(group: str, measure: str, workbook: list, baseline: list, target: float, unit: str = "",
               note: str = "") -> dict:
    """A target row on paired samples too few for an interval (rounds: ``workbook[i]`` with ``baseline[i]``).

    Medians and their ratio, and the spread of the rounds' own ratios as it is: their minimum and maximum
    (``min-max``), no interval claimed. The target holds only when every round's ratio meets it (the maximum).
    """
    a, b = summary(workbook)["median"], summary(baseline)["median"]
    out = row(group, measure, a, b, target, unit, note)
    ratios = [x / y for x, y in zip(workbook, baseline, strict=False) if y]
    if not ratios:
        out["verdict"] = "n/a"
        return out
    out["spread"] = (round(min(ratios), 3), round(max(ratios), 3))
    out["verdict"] = "pass" if max(ratios) <= target else "miss"
    out["target"] = f"<= {target:g} (every round: the max of the rounds' ratios)"
    return out


def merge_runs(runs: list[list[dict]], expected: int) -> list[dict]:
    """The rows of ``expected`` runs of the same groups as one table: a row per measure, in first-seen order.

    A target row is met only when it passed in every run (``passes``: "3/3"); a run without the row (its group
    failed) counts as not passed. The figures shown are those of the first run that did not pass, else the last
    run's; ``runs_rows`` keeps every run's own row.
    """
    order, seen, runs_of = [], {}, {}
    for i, rows in enumerate(runs, 1):
        for r in rows:
            key = (r["group"], r["measure"])
            if key not in seen:
                seen[key], runs_of[key] = [], []
                order.append(key)
            seen[key].append(r)
            runs_of[key].append(i)
    out = []
    for key in order:
        rows = seen[key]
        if key[1] == "group failed":  # a group that failed in some runs: how many
            merged = dict(rows[0])
            merged["passes"] = f"in {len(rows)}/{expected}"
            merged["note"] = f"run(s) {', '.join(map(str, runs_of[key]))}: {rows[0].get('note', '')}"
            merged["runs_rows"] = rows
            out.append(merged)
            continue
        if all(r["verdict"] == "info" for r in rows):
            merged = dict(rows[-1])
        else:
            passed = sum(r["verdict"] == "pass" for r in rows)
            bad = [r for r in rows if r["verdict"] != "pass"]
            merged = dict(bad[0] if bad else rows[-1])
            if passed == expected:
                merged["verdict"] = "pass"
            elif any(r["verdict"] == "error" for r in rows) or len(rows) < expected:
                merged["verdict"] = "error" if any(r["verdict"] == "error" for r in rows) else "miss"
            elif all(r["verdict"] == "n/a" for r in rows):
                merged["verdict"] = "n/a"
            else:
                merged["verdict"] = "miss"
            merged["passes"] = f"{passed}/{expected}"
            absent = [i for i in range(1, len(runs) + 1) if i not in runs_of[key]]
            if absent:
                merged["note"] = (f"not measured in run(s) {', '.join(map(str, absent))} (group failed); "
                                  + (merged.get("note") or ""))
        merged["runs_rows"] = rows
        out.append(merged)
    return out


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
        elif r.get("spread"):
            ratio_text += f" (min-max {fmt(r['spread'][0])}-{fmt(r['spread'][1])})"
        verdict = r["verdict"] + (f" {r['passes']}" if r.get("passes") else "")
        lines.append(f"| {r['group']} | {r['measure']} | {fmt(r['workbook'])}{unit * (r['workbook'] is not None)} | "
                     f"{fmt(r['baseline'])}{unit * (r['baseline'] is not None)} | "
                     f"{ratio_text} | {r['target'] or '—'} | {verdict} |")
    return "\n".join(lines)
