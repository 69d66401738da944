"""Run the benchmarks: ``python -m benchmarks.run [--quick] [--only GROUP] [--repeat N]``.

Prints a markdown table and keeps it, with every sample, as ``benchmarks/results/bench-<timestamp>.md`` and
``.json`` (tracked by git, so a run quoted elsewhere can be found again) plus ``latest.json`` (ignored). Every
figure is a ratio against a baseline measured in the same run, on the same machine, because absolute times
drift with whatever else the machine is doing. Exits 1 when any target row misses (or cannot be measured)
or a group fails, 0 when every target holds. ``--repeat N`` runs the groups N times over (in turn: every group
once, then every group again); a target row is met only when it passes in every run, and the table shows how
many runs it passed ("3/3").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from importlib import metadata
from pathlib import Path

from . import apps, procs
from .stats import FAILING, merge_runs, table

RESULTS = Path(__file__).resolve().parent / "results"
GROUPS = ("voila", "slider", "room", "memory", "reports", "network", "capacity", "phone")


def group_fn(name: str):
    """The group's ``run_<name>(ctx) -> (rows, raw)``, imported on demand."""
    if name in ("voila", "slider"):
        from . import g_browser as mod
    else:
        mod = __import__(f"benchmarks.g_{name}", fromlist=["x"])
    return getattr(mod, f"run_{name}")


def environment() -> dict:
    """Versions and machine facts that change what the numbers mean."""
    versions = {}
    for dist in ("voila", "jupyter_server", "ipywidgets", "plotly", "anywidget", "papermill", "nbconvert",
                 "jsonschema", "rfc3987-syntax", "playwright", "panel", "bokeh"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "load_avg": os.getloadavg(),
            "versions": versions,
            "note": "rfc3987-syntax installed: every nbformat-loading process pays ~1.8 s (a known trap of the stack)"
            if versions["rfc3987-syntax"] else "rfc3987-syntax absent"}


def run_group(name: str, ctx: apps.Ctx) -> tuple[list[dict], dict]:
    """One group, its failure recorded as a row instead of stopping the run."""
    print(f"[{name}] running ...", flush=True)
    before = set(procs.descendants(os.getpid()))
    start = time.perf_counter()
    try:
        rows, raw = group_fn(name)(ctx)
    except Exception as exc:  # a broken group must not lose the others' results
        traceback.print_exc()
        rows = [{"group": name, "measure": "group failed", "workbook": None, "baseline": None, "ratio": None,
                 "target": None, "verdict": "error", "unit": "", "note": f"{type(exc).__name__}: {exc}"[:300]}]
        raw = {"error": traceback.format_exc()}
    raw["seconds"] = round(time.perf_counter() - start, 1)
    # a process a group leaves running takes memory and processor time from the groups after it: said, and kept
    left = [pid for pid in procs.descendants(os.getpid()) if pid not in before]
    raw["left_running"] = [procs.cmdline(pid)[:160] for pid in left]
    if left:
        print(f"[{name}] left {len(left)} process(es) running: {raw['left_running']}", flush=True)
    print(f"[{name}] done in {raw['seconds']} s", flush=True)
    return rows, raw


def markdown(result: dict) -> str:
    """The run as a markdown page: when, how, the table, the verdict."""
    env = result["environment"]
    n = result.get("repeat", 1)
    failing = [r for r in result["rows"] if r["verdict"] in FAILING]
    head = [f"# Benchmark run {result['started']}", "",
            f"- groups: {', '.join(result['groups'])}{' (--quick)' if result['quick'] else ''}"
            f"{f'; each run {n} times (a target row is met only when it passes in every run)' if n > 1 else ''}",
            f"- load average (1, 5, 15 min) at start / end: {_loads(env['load_avg'])} / "
            f"{_loads(env.get('load_avg_end'))}",
            f"- python {env['python']}, {env['cpus']} CPUs; {env['note']}",
            f"- verdict: {'every target met' if not failing else f'{len(failing)} row(s) missed or failed'}", ""]
    return "\n".join(head) + "\n" + table(result["rows"]) + "\n"


def _loads(values) -> str:
    return "—" if not values else ", ".join(f"{v:.1f}" for v in values)


def write(result: dict) -> Path:
    """``bench-<timestamp>.json`` and ``.md`` (kept), and ``latest.json``; the JSON's path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"bench-{result['started'].replace(':', '').replace('-', '')}{'-quick' if result['quick'] else ''}"
    path = RESULTS / f"{stem}.json"
    text = json.dumps(result, indent=1, default=str)
    path.write_text(text, encoding="utf-8")
    path.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    (RESULTS / "latest.json").write_text(text, encoding="utf-8")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (2 loads, 5 moves, 4 districts)")
    parser.add_argument("--only", choices=GROUPS, action="append", help="run only this group (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, stores, reports)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run the groups N times; a target row is met only when it passes in every run")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    folder = Path(tempfile.mkdtemp(prefix="workbook-bench-"))
    ctx = apps.Ctx(folder=folder, quick=args.quick)
    started = dt.datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    groups = [g for g in GROUPS if g in (args.only or GROUPS)]
    result = {"started": started, "quick": args.quick, "groups": groups, "repeat": args.repeat,
              "environment": environment(), "rows": [], "raw": {}}
    runs = [{"run": i + 1, "rows": [], "raw": {}} for i in range(args.repeat)]
    try:
        for run in runs:
            if args.repeat > 1:
                print(f"run {run['run']} of {args.repeat}", flush=True)
            for name in groups:
                rows, raw = run_group(name, ctx)
                run["rows"] += rows
                run["raw"][name] = raw
    finally:
        done = [run for run in runs if run["raw"]]
        if args.repeat == 1:
            result["rows"], result["raw"] = runs[0]["rows"], runs[0]["raw"]
        else:  # every run kept; the table's rows are the runs' rows merged (pass only when every run passed)
            result["runs"] = done
            result["rows"] = merge_runs([run["rows"] for run in done], args.repeat)
        result["environment"]["load_avg_end"] = os.getloadavg()
        if args.keep:
            print(f"temp folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    path = write(result)
    print()
    print(table(result["rows"]))
    print(f"\nresults: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path} (and .md)")
    failing = [r for r in result["rows"] if r["verdict"] in FAILING]
    for r in failing:
        print(f"FAILED [{r['group']}] {r['measure']}: {r['verdict']}", file=sys.stderr)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
