"""Group ``memory``: kernel and server memory (``VmRSS`` from ``/proc``), twelve members, reloads with culling.

* the floor: a plain kernel (jupyter_client ``KernelManager``) idle, after importing exactly the modules the
  member page imports (:func:`page_imports`: every module, the workbook's own left out, that building Charting
  Your Path for a member loads, as ``tests/unit/test_footprint.py`` builds it: no pandas), and after one
  ``go.FigureWidget``;
* one page open: the kernel(s) below the Voila server, for Charting Your Path and for the bare app;
* twelve pages of Charting Your Path open at once (a room), without errors;
* twelve pages reloaded again and again on the workbook served as ``make app`` serves it (``apps.shipped_args``,
  today ``workbook serve --preheat 2``, with the CLI's default culling: idle kernels stopped after 300 s,
  checked every 60 s): once every page is closed, culling must bring the kernels back to the pool within
  the cull time plus two check intervals.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from . import apps, browser, procs
from .stats import check, row

ROOM = 12

# the modules a member page loads: Charting Your Path built for a member of the demo store under Voila's settings
# (``VOILA_BASE_URL``: its chart is the page's ``Chart`` widget), as the member's kernel builds it
PAGE_MODULES = """
import json, os, sys
before = set(sys.modules)
from workbook.apps.charting_your_path import charting_your_path
from workbook.store import Store

page = charting_your_path(Store(os.environ["WORKBOOK_DB_URL"]), json.loads(sys.argv[1]))
names = sorted(m for m in sys.modules if m != "__main__" and m.split(".")[0] != "workbook")
print(json.dumps(names))
"""

# run in the floor kernel: each of those modules imported (one that cannot be imported by its own name, such as a
# module a package puts in sys.modules under an alias, is skipped and counted)
IMPORT_ALL = """
import importlib as _il
_skipped = []
for _name in {names!r}:
    try:
        _il.import_module(_name)
    except Exception:
        _skipped.append(_name)
print(len(_skipped))
"""


def page_imports(ctx: apps.Ctx) -> list[str]:
    """Every module (the workbook's own left out) loaded by building a member's Charting Your Path page."""
    db_url, codes = ctx.store()
    link = {"district": codes["district"], "session": str(codes["session"]), "code": codes["code"]}
    env = dict(os.environ, WORKBOOK_DB_URL=db_url, VOILA_BASE_URL="/")
    done = subprocess.run([sys.executable, "-c", PAGE_MODULES, json.dumps(link)], env=env, cwd=apps.ROOT,
                          capture_output=True, text=True, timeout=180, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])
NO_CHART = "no chart drawn"


def _quiet(_msg) -> None:
    """Drop the kernel's output messages."""


def floor_kernel(modules: list[str]) -> dict:
    """RSS (MiB) of a plain kernel: idle, after importing ``modules`` (the member page's), after one FigureWidget."""
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kc = km.client()
    try:
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        pid = km.provisioner.process.pid
        time.sleep(1)
        out = {"idle": procs.rss_mib([pid])}
        skipped = []
        kc.execute_interactive(IMPORT_ALL.format(names=modules), timeout=180,
                               output_hook=lambda msg: skipped.append(msg["content"].get("text", "").strip())
                               if msg["msg_type"] == "stream" else None)
        out["after_imports"] = procs.rss_mib([pid])
        kc.execute_interactive("import plotly.graph_objects\n_ = plotly.graph_objects.FigureWidget()", timeout=180,
                               output_hook=_quiet)
        out["with_figurewidget"] = procs.rss_mib([pid])
        out = {k: round(v, 1) for k, v in out.items()}
        out.update(modules=len(modules), skipped="".join(skipped) or None,
                   pandas_imported="pandas" in modules)
        return out
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def snapshot(pid: int) -> dict:
    """Server, kernels and total RSS (MiB) of the tree under a Voila server, with the kernel count."""
    kernels = procs.kernels_of(pid)
    return {"server": round(procs.rss_mib([pid]), 1), "kernels": round(procs.rss_mib(kernels), 1),
            "total": round(procs.tree_rss_mib(pid), 1), "kernel_count": len(kernels)}


def open_room(b, url: str, count: int, limit: float = 180) -> tuple[list, float, int]:
    """Open ``count`` pages at once (each in its own context).

    Returns the tabs, the seconds until every chart was drawn (or ``limit`` ran out) and how many pages
    drew no chart within ``limit``.
    """
    start = time.perf_counter()
    tabs = [browser.Tab(b) for _ in range(count)]
    for tab in tabs:
        browser.goto(tab, url)
    return tabs, *wait_all(tabs, start, limit)


def wait_all(tabs: list, start: float, limit: float) -> tuple[float, int]:
    """Wait for every tab's chart until ``start + limit``; the seconds taken and the tabs left without one."""
    missing = 0
    for tab in tabs:
        left = start + limit - time.perf_counter()
        try:
            browser.wait_chart(tab, timeout=max(1.0, left))
        except Exception:  # playwright's TimeoutError: this page never drew its chart
            missing += 1
            tab.errors.append(NO_CHART)
    return time.perf_counter() - start, missing


def one_page(b, served: apps.Served) -> tuple[dict, browser.Tab]:
    """Open one page, wait for its chart and for the tree to go idle; the snapshot and the open tab."""
    procs.wait_settled(served.pid)
    tab = browser.Tab(b)
    browser.goto(tab, served.page)
    browser.wait_chart(tab)
    procs.wait_settled(served.pid, min_kernels=1)
    return snapshot(served.pid), tab


def pages_open(ctx: apps.Ctx, b) -> dict:
    """One page of the bare app; one, then twelve pages of Charting Your Path (no preheat, no culling)."""
    db_url, codes = ctx.store()
    out = {}
    with apps.bare_server(ctx.folder) as served:
        out["bare_1"], tab = one_page(b, served)
        tab.close()
    with apps.workbook_server(ctx.folder, db_url, codes) as served:
        out["workbook_1"], first = one_page(b, served)
        tabs, seconds, missing = open_room(b, served.page, ROOM - 1)
        tabs.append(first)
        out["room_missing"] = missing
        procs.wait_settled(served.pid, min_kernels=ROOM, timeout=120)
        out["workbook_12"] = snapshot(served.pid)
        out["room_seconds"] = round(seconds, 1)
        out["room_problems"] = [p for tab in tabs for p in tab.problems() if p != NO_CHART]
        for tab in tabs:
            tab.close()
    return out


def closed_wait(shipped: dict) -> int:
    """Seconds after closing every page by which culling must have stopped their kernels."""
    return shipped["cull_idle"] + 2 * shipped["cull_interval"]


def after_closing(served: apps.Served, shipped: dict) -> list[int]:
    """Kernel counts every check interval after the pages closed, until back to the pool or ``closed_wait``."""
    counts, closed = [], time.perf_counter()
    while time.perf_counter() - closed < closed_wait(shipped):
        time.sleep(min(shipped["cull_interval"], 15))
        counts.append(snapshot(served.pid)["kernel_count"])
        if counts[-1] <= shipped["preheat"] and len(counts) > 1 and counts[-2] == counts[-1]:
            break
    return counts


def reloads(ctx: apps.Ctx, b, rounds: int) -> dict:
    """Twelve pages reloaded ``rounds`` times at the shipped settings; kernel counts after all pages are closed."""
    db_url, codes = ctx.store()
    shipped = apps.shipped_settings()
    out = {"rounds": rounds, "round_seconds": [], "shipped": shipped}
    with apps.workbook_server(ctx.folder, db_url, codes, args=shipped["args"]) as served:
        procs.wait_settled(served.pid, min_kernels=served.pool)
        out["before"] = snapshot(served.pid)
        with procs.Sampler(served.pid, every=0.5) as sampler:
            tabs, seconds, missing = open_room(b, served.page, ROOM)
            out["round_seconds"].append(round(seconds, 1))
            out["missing"] = [missing]
            for _ in range(rounds):
                start = time.perf_counter()
                for tab in tabs:
                    browser.goto(tab, served.page)
                seconds, missing = wait_all(tabs, start, 150)
                out["round_seconds"].append(round(seconds, 1))
                out["missing"].append(missing)
            out["open_end"] = snapshot(served.pid)
            for tab in tabs:
                tab.close()
            out["after_close"] = after_closing(served, shipped)
        out["after"] = snapshot(served.pid)
        out["peak_total"], out["peak_kernels"] = round(sampler.peak_mib, 1), sampler.peak_kernels
    return out


def run_memory(ctx: apps.Ctx) -> tuple[list[dict], dict]:
    raw = {"floor": floor_kernel(page_imports(ctx))}
    print(f"  memory floor kernel: {raw['floor']}", flush=True)
    with browser.chromium() as b:
        raw.update(pages_open(ctx, b))
        print(f"  memory pages: bare {raw['bare_1']}; workbook {raw['workbook_1']}; twelve {raw['workbook_12']}",
              flush=True)
        raw["reloads"] = reloads(ctx, b, ctx.loads)
    print(f"  memory reloads: {raw['reloads']}", flush=True)
    return _memory_rows(raw), raw


def _memory_rows(raw: dict) -> list[dict]:
    rel = raw["reloads"]
    shipped = rel["shipped"]
    wait = closed_wait(shipped)
    w1, w12, bare1, floor = raw["workbook_1"], raw["workbook_12"], raw["bare_1"], raw["floor"]
    per_member = round((w12["kernels"] - w1["kernels"]) / max(1, w12["kernel_count"] - w1["kernel_count"]), 1)
    raw["per_member_kernel"] = per_member
    return [
        row("memory", "kernel RSS, one page vs plain kernel after imports", w1["kernels"], floor["after_imports"],
            1.2, "MiB", f"floor: a plain kernel that imported the {floor.get('modules')} modules the member page "
            f"loads (the workbook's own left out; pandas {'among them' if floor.get('pandas_imported') else 'not'})"),
        row("memory", "kernel RSS per extra member (12 pages) vs floor", per_member, floor["after_imports"], 1.2,
            "MiB"),
        row("memory", "kernel RSS, one page vs bare app (FigureWidget)", w1["kernels"], bare1["kernels"], None, "MiB"),
        row("memory", "server + kernels, one page vs bare app", w1["total"], bare1["total"], None, "MiB"),
        row("memory", "server + kernels, 12 pages vs 1 page", w12["total"], w1["total"], None, "MiB"),
        check("memory", "twelve members: kernels running", w12["kernel_count"], ROOM),
        check("memory", "twelve members: pages without a chart", raw["room_missing"], 0,
              f"all 12 opened at once; {raw['room_seconds']} s until the last chart (or the limit)"),
        check("memory", "twelve members: page errors / failed requests", len(raw["room_problems"]), 0),
        check("memory", "reloads: page loads without a chart", sum(rel["missing"]), 0,
              f"per round: {rel['missing']}; round seconds {rel['round_seconds']}"),
        row("memory", "reloads: tree RSS after closing (kernels culled) vs before", rel["after"]["total"],
            rel["before"]["total"], 1.25, "MiB", f"workbook serve {' '.join(shipped['args'])} (make app); "
            f"bounded: back near server + pool"),
        row("memory", "reloads: peak tree RSS vs before", rel["peak_total"], rel["before"]["total"], None, "MiB"),
        row("memory", "reloads: server process's own RSS after closing vs before", rel["after"]["server"],
            rel["before"]["server"], None, "MiB", "the Voila server alone (no kernel, no kernel template): what it "
            "keeps of the pages it has served"),
        row("memory", "twelve members: server process's own RSS, 12 pages vs 1 page", w12["server"], w1["server"],
            None, "MiB"),
        check("memory", f"reloads: kernels within {wait} s of closing (= pool)", rel["after"]["kernel_count"],
              shipped["preheat"], f"cull {shipped['cull_idle']} s / {shipped['cull_interval']} s; counts "
              f"{rel['after_close']}; peak {rel['peak_kernels']}"),
    ]
