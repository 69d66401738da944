"""Groups ``voila`` (navigation to chart drawn) and ``slider`` (key press to chart redrawn).

Each page load happens in a fresh browser context once the server's process tree is idle (and, when
preheated, its pool refilled), so one load's kernel start-up never overlaps the next measurement. One
unmeasured warm-up load per server primes the server's own caches (templates, imports) for both apps alike.
"""

from __future__ import annotations

import re

from . import apps, browser, peers, procs
from .stats import check, row, summary

# Fallback targets when Panel is not installed, derived from reference measurements of the same bare app on the
# same machine kind (Panel 2.0-2.6 s; Voila preheated 3.8-4.7 s; Voila 7.1-8.2 s). With Panel installed (the
# ``bench`` extra) the Panel peer is measured in the same run instead and these are not used.
PANEL_VS_PREHEATED = 0.55  # Panel / bare preheated Voila  (~2.3 / ~4.25)
PANEL_X15_VS_PLAIN = 0.47  # 1.5 x Panel / bare plain Voila (~3.45 / ~7.35)


def load_series(b, served: apps.Served, loads: int, warmup: bool = True, timer=browser.time_to_chart) -> dict:
    """``loads`` fresh loads of ``served.page``: seconds to the chart drawn, settle waits, page problems.

    ``timer(browser, url) -> (seconds, problems, phases)`` times one load (``browser.time_to_chart_shadow`` for
    the Panel page, whose chart sits in shadow DOM).
    """
    settle = [procs.wait_settled(served.pid, min_kernels=served.pool)]
    done, times, problems, phases = 0, [], [], []
    for i in range(loads + (1 if warmup else 0)):
        seconds, probs, phase = timer(b, served.page)
        done += 1
        if i or not warmup:
            times.append(seconds)
            problems += probs
            phases.append(phase)
        # preheated: the pool refills after each visit (the visited kernel stays: Voila leaks it, trap 3)
        settle.append(procs.wait_settled(served.pid, min_kernels=served.pool + done if served.pool else 0))
    out = summary(times)
    out.update(problems=problems, settle_s=[round(s, 1) for s in settle], server=served.notes,
               phases={k: summary([p[k] for p in phases]) for k in (phases[0] if phases else {})})
    return out


def run_voila(ctx: apps.Ctx) -> tuple[list[dict], dict]:
    """(a) bare Voila, (b) bare preheated, (c) Charting Your Path, (d) with --preheat 2, (p) the Panel peer."""
    with browser.chromium() as b:
        raw = voila_series(ctx, b)
    return _voila_rows(raw), raw


def _report(key: str, series: dict) -> None:
    html = series.get("phases", {}).get("html_done", {}).get("median")
    print(f"  voila {key}: median {series['median']} s {series['samples']}; HTML received at {html} s", flush=True)


def voila_series(ctx: apps.Ctx, b) -> dict:
    """Every configuration's load series, each server started and stopped in turn (Panel when installed)."""
    db_url, codes = ctx.store()
    raw = {}
    configs = [("a_bare", None, 0), ("b_bare_preheated", None, 2), ("c_workbook", db_url, 0),
               ("d_workbook_preheated", db_url, 2)]
    for key, url, preheat in configs:
        if url is None:
            server = apps.bare_server(ctx.folder, preheat=preheat)
        else:
            server = apps.workbook_server(ctx.folder, url, codes, preheat=preheat)
        with server as served:
            raw[key] = load_series(b, served, ctx.loads)
        _report(key, raw[key])
    if peers.panel_available():
        with peers.panel_server(ctx.folder) as served:
            raw["p_panel"] = load_series(b, served, ctx.loads, timer=browser.time_to_chart_shadow)
        _report("p_panel", raw["p_panel"])
    else:
        print("  voila p_panel: panel not installed (pip install -e '.[bench]'); derived targets", flush=True)
    return raw


def _voila_rows(raw: dict) -> list[dict]:
    med = {k: v["median"] for k, v in raw.items()}
    html = {k: v.get("phases", {}).get("html_done", {}).get("median") for k, v in raw.items()}
    if "p_panel" in raw:
        panel = "the same bare app in Panel (panel serve), measured in this run"
        targets = [
            row("voila", "time to chart, preheated vs Panel", med["d_workbook_preheated"], med["p_panel"], 1.0, "s",
                panel),
            row("voila", "time to chart, no preheat vs Panel", med["c_workbook"], med["p_panel"], 1.5, "s", panel),
            row("voila", "Panel peer vs bare preheated Voila", med["p_panel"], med["b_bare_preheated"], None, "s",
                f"reference measurements: ~{PANEL_VS_PREHEATED}"),
        ]
    else:
        targets = [
            row("voila", "time to chart, preheated vs Panel", med["d_workbook_preheated"], med["b_bare_preheated"],
                PANEL_VS_PREHEATED, "s", "derived, panel not installed: baseline is bare preheated Voila; target "
                "= Panel (2.0-2.6 s) / bare preheated Voila (3.8-4.7 s) in the reference measurements"),
            row("voila", "time to chart, no preheat vs Panel", med["c_workbook"], med["a_bare"], PANEL_X15_VS_PLAIN,
                "s", "derived, panel not installed: baseline is bare Voila; target = 1.5 x Panel (2.0-2.6 s) / "
                "bare Voila (7.1-8.2 s) in the reference measurements"),
        ]
    rows = [
        *targets,
        row("voila", "time to chart, no preheat vs bare Voila (c/a)", med["c_workbook"], med["a_bare"], None, "s"),
        row("voila", "time to chart, preheated vs bare preheated Voila (d/b)", med["d_workbook_preheated"],
            med["b_bare_preheated"], None, "s"),
        row("voila", "HTML received (server + kernel part), no preheat", html["c_workbook"], html["a_bare"], None, "s"),
        row("voila", "HTML received (server + kernel part), preheated", html["d_workbook_preheated"],
            html["b_bare_preheated"], None, "s"),
        row("voila", "preheat gain, workbook (d/c)", med["d_workbook_preheated"], med["c_workbook"], None, "s"),
        row("voila", "preheat gain, bare (b/a)", med["b_bare_preheated"], med["a_bare"], None, "s"),
        check("voila", "page errors / failed requests", sum(len(v["problems"]) for v in raw.values()), 0,
              "Panel page included" if "p_panel" in raw else ""),
    ]
    return rows


def start_charting(page) -> None:
    """Enter a name and a role and press Start, as a member does (the sliders are disabled until then)."""
    name = page.get_by_role("textbox", name="Your name")
    name.fill("Benchmark Member")
    name.press("Tab")
    page.get_by_role("combobox", name="Your role").select_option(index=1)
    page.get_by_role("button", name="Start charting").click()
    page.get_by_text("Your personal link").wait_for()


def slider_series(b, served: apps.Served, moves: int, workbook: bool) -> dict:
    """Open the page once, then ``moves`` key presses on the first slider: ms to the chart redrawn."""
    procs.wait_settled(served.pid)
    tab = browser.Tab(b)
    try:
        browser.goto(tab, served.page)
        browser.wait_chart(tab)
        page = tab.page
        if workbook:
            start_charting(page)
            slider = page.get_by_role("slider", name=re.compile("Locus of Control, now"))
        else:
            slider = page.locator(".noUi-handle").first  # ipywidgets 8: the noUiSlider handle takes the keys
        procs.wait_settled(served.pid)
        confirmed = [] if workbook else None
        latencies = browser.move_many(page, slider.focus, moves, "Now", confirmed=confirmed)
        out = summary(latencies, 1)
        out["problems"] = tab.problems()
        if confirmed:
            out["confirmed"] = summary(confirmed, 1)
        return out
    finally:
        tab.close()


def run_slider(ctx: apps.Ctx) -> tuple[list[dict], dict]:
    """Charting Your Path's native range input vs the bare app's FloatSlider, each to its chart redrawn."""
    db_url, codes = ctx.store()
    with browser.chromium() as b:
        with apps.bare_server(ctx.folder) as served:
            bare = slider_series(b, served, ctx.moves, workbook=False)
        with apps.workbook_server(ctx.folder, db_url, codes) as served:
            ours = slider_series(b, served, ctx.moves, workbook=True)
    print(f"  slider: workbook {ours['samples']} ms; bare {bare['samples']} ms", flush=True)
    rows = [row("slider", "key press -> chart redrawn (median)", ours["median"], bare["median"], 1.2, "ms",
                "the workbook's point follows its slider in the browser; the kernel's redraw confirms it"),
            row("slider", "key press -> chart redrawn (max)", ours["max"], bare["max"], None, "ms"),
            row("slider", "key press -> kernel's figure redrawn (median)", ours["confirmed"]["median"],
                bare["median"], None, "ms", "the full round trip: value saved, gaps ranked, figure sent and drawn"),
            check("slider", "page errors / failed requests", len(ours["problems"]) + len(bare["problems"]), 0)]
    return rows, {"workbook": ours, "bare": bare}
