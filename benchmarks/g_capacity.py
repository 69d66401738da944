"""Group ``capacity``: how many members one server carries (the sizing table of ``deploy/README.md``).

The workbook is served as ``make app`` serves it (``apps.shipped_args``: today ``--preheat 2``, the CLI's
culling), on this machine. Memory is the tree's **PSS** (``/proc/<pid>/smaps_rollup``): a page's kernel is
forked from a warm template and shares most of its pages with it, so summed RSS would count the shared
pages once per kernel; PSS sums to what the machine actually gives the server.

* **at rest**: the server, its kernel template and its preheated pool, idle, against the allowance a
  server's page limit keeps for them (``capacity.RESERVE_MIB`` + pool x ``capacity.page_mib()``);
* **member pages**: ``MEMBERS`` browser contexts (each a device of its own) open the member join link in
  waves of ``WAVE``, each member starts charting (name, role) and marks the seven spectra, saved. Memory per member
  page = (tree PSS with every page open - at rest) / pages, against the ``capacity.page_mib(fork=True)`` the page
  limit assumes: above it, a server would promise pages its memory cannot hold. The server's CPU seconds per
  member page (everything from the first visit until the tree is idle again) are compared with the bare
  app's (plain Voila, 7 sliders and a FigureWidget, the same waves, no marks);
* **a long session**: one of those pages makes ``LONG_MOVES`` more marks; what the tree grows by shows
  whether a page's memory keeps growing over an afternoon (the allowance keeps room for it);
* **a burst**: ``MEMBERS`` visits at once without a browser (plain HTTP, each its own connection): what the
  server alone takes to start the kernels and build the pages, as pages per second. The same burst on the
  bare app (plain Voila, preheated pool of the same size) is the baseline.

``sizing`` in the raw results turns the figures into servers for 12, 60 and 240 simultaneous members
(``workbook.serve.capacity.servers_for``), the table the deployment guide quotes.
"""

from __future__ import annotations

import concurrent.futures as cf
import re
import time
import urllib.request

from workbook.serve import capacity

from . import apps, browser, procs
from .stats import check, row

WAVE = 6
LONG_MOVES = 70  # one page's long session: ten passes over the seven spectra
ROLE = "Teacher leader"


def members(ctx: apps.Ctx) -> int:
    return 12 if ctx.quick else 24


def _settle(served: apps.Served, kernels: int = 0) -> None:
    procs.wait_settled(served.pid, min_kernels=max(kernels, served.pool), timeout=180)


def join_and_mark(tab: browser.Tab, name: str) -> None:
    """A member on the join link: starts charting under ``name`` and marks all seven spectra (now), saved."""
    page = tab.page
    browser.wait_chart(tab)
    page.get_by_role("textbox", name="Your name").fill(name)
    page.get_by_role("combobox", name="Your role").select_option(ROLE)
    page.get_by_role("button", name="Start charting").click()
    page.get_by_text("Your personal link").wait_for()
    for slider in page.get_by_role("slider", name=re.compile(r", now")).all():
        slider.focus()
        page.keyboard.press("ArrowRight")
    page.get_by_text("All changes saved").wait_for()


def long_use(tab: browser.Tab, moves: int) -> None:
    """``moves`` more marks on one member's page, back and forth over the seven spectra, every one saved."""
    page = tab.page
    page.bring_to_front()
    sliders = page.get_by_role("slider", name=re.compile(r", now")).all()
    for i in range(moves):
        sliders[i % len(sliders)].focus()
        page.keyboard.press("ArrowLeft" if (i // len(sliders)) % 2 == 0 else "ArrowRight")
        time.sleep(0.1)
    page.get_by_text("All changes saved").wait_for()


def open_pages(b, served: apps.Served, count: int, mark: bool) -> dict:
    """``count`` pages in waves of ``WAVE`` (each wave navigates together); the tree's PSS and CPU before/after.

    The pages stay open while the tree is measured, then close.
    """
    _settle(served)
    rest = {"pss": round(procs.tree_pss_mib(served.pid), 1), "kernels": len(procs.kernels_of(served.pid))}
    cpu0, start = procs.tree_cpu_seconds(served.pid), time.perf_counter()
    tabs: list[browser.Tab] = []
    try:
        for first in range(0, count, WAVE):
            wave = [browser.Tab(b) for _ in range(min(WAVE, count - first))]
            tabs += wave
            for tab in wave:
                browser.goto(tab, served.page)
            for i, tab in enumerate(wave):
                if mark:
                    join_and_mark(tab, f"Capacity Member {first + i + 1:02d} (fictional)")
                else:
                    browser.wait_chart(tab)
        _settle(served, kernels=count + served.pool)
        kernels = procs.kernels_of(served.pid)
        full = {"pss": round(procs.tree_pss_mib(served.pid), 1), "kernels": len(kernels),
                "rss": round(procs.tree_rss_mib(served.pid), 1),
                "kernel_pss": sorted(round(procs.pss_kib(k) / 1024, 1) for k in kernels)}
        out = {"pages": count, "rest": rest, "open": full, "seconds": round(time.perf_counter() - start, 1),
               "cpu_s": round(procs.tree_cpu_seconds(served.pid) - cpu0, 2)}
        if mark:  # a long session on one page: does its memory keep growing?
            long_use(tabs[0], LONG_MOVES)
            _settle(served, kernels=count + served.pool)
            out["long_use"] = {"moves": LONG_MOVES, "pss": round(procs.tree_pss_mib(served.pid), 1)}
            out["long_use"]["growth_mib"] = round(out["long_use"]["pss"] - full["pss"], 1)
        out["problems"] = [p for tab in tabs for p in tab.problems()]
        return out
    finally:
        for tab in tabs:
            tab.close()


def burst(served: apps.Served, count: int) -> dict:
    """``count`` plain HTTP visits at once; seconds until the last page's HTML is in, and how many failed."""
    _settle(served)

    def visit(_i: int) -> float:
        with urllib.request.urlopen(served.page, timeout=300) as response:
            response.read()
        return time.perf_counter() - start

    start = time.perf_counter()
    with cf.ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(visit, i) for i in range(count)]
        done, failed = [], []
        for f in futures:
            try:
                done.append(f.result())
            except Exception as exc:
                failed.append(f"{type(exc).__name__}: {exc}"[:160])
    out = {"pages": count, "last_s": round(max(done), 2) if done else None, "failed": failed}
    out["per_s"] = round(len(done) / max(done), 3) if done else None
    return out


def run_capacity(ctx: apps.Ctx) -> tuple[list[dict], dict]:
    count = members(ctx)
    db_url, codes = ctx.store()
    shipped = apps.shipped_settings()
    raw: dict = {"shipped": shipped, "members": count, "wave": WAVE}
    with browser.chromium() as b:
        with apps.workbook_server(ctx.folder, db_url, codes, args=shipped["args"]) as served:
            raw["workbook"] = open_pages(b, served, count, mark=True)
            print(f"  capacity workbook pages: {raw['workbook']}", flush=True)
        with apps.bare_server(ctx.folder, preheat=shipped["preheat"]) as served:
            raw["bare"] = open_pages(b, served, count, mark=False)
            print(f"  capacity bare pages: {raw['bare']}", flush=True)
    with apps.workbook_server(ctx.folder, db_url, codes, args=shipped["args"]) as served:
        raw["workbook_burst"] = burst(served, count)
    with apps.bare_server(ctx.folder, preheat=shipped["preheat"]) as served:
        raw["bare_burst"] = burst(served, count)
    print(f"  capacity bursts: workbook {raw['workbook_burst']}; bare {raw['bare_burst']}", flush=True)
    rows = _capacity_rows(raw)
    raw["sizing"] = sizing(raw)
    return rows, raw


def per_page(side: dict) -> float:
    """MiB of PSS each open page adds to the tree at rest."""
    return round((side["open"]["pss"] - side["rest"]["pss"]) / max(1, side["pages"]), 1)


def sizing(raw: dict) -> dict:
    """Servers for 12, 60 and 240 members on two machine sizes, from this run's per-page memory and burst rate."""
    page = per_page(raw["workbook"])
    rate = raw["workbook_burst"]["per_s"]
    cpu = raw["workbook"]["cpu_s"] / max(1, raw["workbook"]["pages"])
    out = {"page_mib": page, "rest_mib": raw["workbook"]["rest"]["pss"], "cpu_s_per_page": round(cpu, 2),
           "pages_per_s_2_cores": rate, "rooms": {}}
    for machine in capacity.MACHINES:
        for room in (12, 60, 240):
            out["rooms"][f"{room} on {machine.name}"] = capacity.servers_for(room, machine, rate).as_dict()
    return out


def _capacity_rows(raw: dict) -> list[dict]:
    wb, bare = raw["workbook"], raw["bare"]
    pool = raw["shipped"]["preheat"]
    allowance = capacity.page_mib(fork=True)  # make app forks its kernels from a warm template
    allowance_rest = capacity.RESERVE_MIB + pool * allowance
    wbb, bab = raw["workbook_burst"], raw["bare_burst"]
    n = raw["members"]
    return [
        row("capacity", "server at rest (server, template, pool) vs the page limit's allowance", wb["rest"]["pss"],
            allowance_rest, 1.0, "MiB", f"PSS; allowance = reserve {capacity.RESERVE_MIB} + pool {pool} x "
            f"{allowance} MiB"),
        row("capacity", f"memory per member page ({n} open, seven marks each) vs the page limit's allowance",
            per_page(wb), allowance, 1.0, "MiB", f"PSS added per page; tree {wb['rest']['pss']} -> "
            f"{wb['open']['pss']} MiB (RSS summed {wb['open']['rss']} MiB); each kernel's own PSS "
            f"{min(wb['open']['kernel_pss'])}-{max(wb['open']['kernel_pss'])} MiB"),
        row("capacity", f"one page's long session ({wb['long_use']['moves']} more marks): growth vs its allowance",
            wb["long_use"]["growth_mib"], allowance, None, "MiB", "what the tree grew by"),
        row("capacity", "memory per member page vs bare app's page", per_page(wb), per_page(bare), None, "MiB"),
        row("capacity", "server CPU seconds per member page vs bare app's page", round(wb["cpu_s"] / n, 3),
            round(bare["cpu_s"] / n, 3), None, "s", f"{n} pages in waves of {raw['wave']}; the workbook's "
            "pages also start charting and save seven marks"),
        row("capacity", f"burst of {n} visits, no browser: pages per second vs bare Voila", wbb["per_s"],
            bab["per_s"], None, "/s", f"last HTML at {wbb['last_s']} s (bare {bab['last_s']} s); pool {pool}"),
        check("capacity", "member pages: kernels running with every page open", wb["open"]["kernels"], n + pool),
        check("capacity", "member pages and bursts: errors / failed requests / failed visits",
              len(wb["problems"]) + len(wbb["failed"]), 0),
    ]
