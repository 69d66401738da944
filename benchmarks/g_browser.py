"""Groups ``voila`` (navigation to chart drawn) and ``slider`` (key press to chart redrawn).

``voila``: every server runs at once (Charting Your Path preheated as ``make app`` serves it, the same
without preheating, the Panel peer, the bare app in plain and in preheated Voila) and the loads are
interleaved: each round opens every server's page once, in an order that rotates round by round, so a change
in the machine's load hits every server alike. Round 0 is an unmeasured warm-up (the servers' own caches:
templates, imports). Before each load every server's process tree must be idle (and each preheated pool
full), so one load's kernel start-up never overlaps the next measurement. One readiness check
(``browser.READY_FN``) decides "chart drawn" on every page.
"""

from __future__ import annotations

import contextlib
import re

from . import apps, browser, peers, procs
from .stats import check, row, row_ci, summary

ORDER = ("d_workbook_preheated", "c_workbook", "p_panel", "a_bare", "b_bare_preheated")
NO_CHART = "no chart drawn"


@contextlib.contextmanager
def all_servers(ctx: apps.Ctx):
    """Every server of the ``voila`` group, started together; {key: Served}. Panel only when installed."""
    db_url, codes = ctx.store()
    shipped = apps.shipped_args()
    makers = {"d_workbook_preheated": lambda: apps.workbook_server(ctx.folder, db_url, codes, args=shipped),
              "c_workbook": lambda: apps.workbook_server(ctx.folder, db_url, codes, args=[*shipped, "--preheat", "0"]),
              # the Panel peer loads the member page's plotly.js (plotly-basic), not Panel's own full bundle
              "p_panel": lambda: peers.panel_server(ctx.folder, plotly_js=peers.member_bundle()),
              "a_bare": lambda: apps.bare_server(ctx.folder),
              "b_bare_preheated": lambda: apps.bare_server(ctx.folder, preheat=2)}
    if not peers.panel_available():
        print("  voila p_panel: panel not installed (pip install -e '.[bench]'): the target rows cannot be measured",
              flush=True)
        del makers["p_panel"]
    with contextlib.ExitStack() as stack:
        yield {key: stack.enter_context(make()) for key, make in makers.items()}


def one_load(b, served: apps.Served, outside: list | None = None) -> tuple[float | None, list[str], dict]:
    """One fresh load: seconds to the chart (None when it never drew), the page's problems, its phases.

    ``outside`` gets the page's requests to other hosts than this machine (blocked: ``browser.BLOCK_OUTSIDE``).
    """
    try:
        return browser.time_to_chart(b, served.page, outside)
    except Exception as exc:  # playwright's TimeoutError: no chart within the limit
        return None, [f"{NO_CHART}: {type(exc).__name__}"], {}


def interleaved(b, servers: dict, loads: int) -> dict:
    """``loads`` measured rounds after one warm-up round; each round visits every server once, order rotating."""
    keys = list(servers)
    trees = [(s.pid, s.pool) for s in servers.values()]
    out = {k: {"times": [], "problems": [], "phases": [], "settle": [], "order": [], "outside": []} for k in keys}
    for rnd in range(loads + 1):
        order = keys[rnd % len(keys):] + keys[:rnd % len(keys)]
        for pos, key in enumerate(order):
            settle = procs.wait_all_settled(trees)
            outside = []
            seconds, problems, phase = one_load(b, servers[key], outside)
            if rnd == 0:
                continue
            series = out[key]
            series["outside"] += outside
            series["settle"].append(round(settle, 1))
            series["order"].append(pos)
            series["problems"] += problems
            if seconds is not None:
                series["times"].append(seconds)
                series["phases"].append(phase)
    return {k: _series(v, servers[k].notes) for k, v in out.items()}


def _series(raw: dict, notes: dict) -> dict:
    out = summary(raw["times"])
    phases = raw["phases"]
    out.update(problems=raw["problems"], outside=raw["outside"], settle_s=raw["settle"],
               position_in_round=raw["order"], server=notes,
               phases={k: summary([p[k] for p in phases]) for k in (phases[0] if phases else {})})
    return out


def run_voila(ctx: apps.Ctx) -> tuple[list[dict], dict]:
    """Every server at once, loads interleaved round by round; medians with bootstrap intervals vs Panel."""
    with browser.chromium() as b, all_servers(ctx) as servers:
        procs.wait_all_settled([(s.pid, s.pool) for s in servers.values()], timeout=180)
        raw = interleaved(b, servers, ctx.chart_loads)
    for key, series in raw.items():
        html = series["phases"].get("html_done", {}).get("median")
        print(f"  voila {key}: median {series['median']} s {series['samples']}; HTML received at {html} s",
              flush=True)
    return _voila_rows(raw), raw


def _voila_rows(raw: dict) -> list[dict]:
    med = {k: v["median"] for k, v in raw.items()}
    samples = {k: v["samples"] for k, v in raw.items()}
    html = {k: v["phases"].get("html_done", {}).get("median") for k, v in raw.items()}
    panel = samples.get("p_panel", [])
    js = raw.get("p_panel", {}).get("server", {}).get("plotly_js", "Panel's own")
    note = f"the same bare app in Panel (panel serve), its plotly pane on {js}; loads interleaved in this run" \
        if panel else "panel not installed: not measured"
    peer = "Panel (same plotly.js)" if js != "Panel's own" else "Panel (Panel's own full plotly.js)"
    return [
        row_ci("voila", f"time to chart, preheated (make app) vs {peer}", samples["d_workbook_preheated"], panel,
               0.8, "s", note),
        row_ci("voila", f"time to chart, not preheated vs {peer}", samples["c_workbook"], panel, 1.2, "s", note),
        row("voila", "Panel peer vs bare preheated Voila", med.get("p_panel"), med["b_bare_preheated"], None, "s"),
        row("voila", "time to chart, no preheat vs bare Voila (c/a)", med["c_workbook"], med["a_bare"], None, "s"),
        row("voila", "time to chart, preheated vs bare preheated Voila (d/b)", med["d_workbook_preheated"],
            med["b_bare_preheated"], None, "s"),
        row("voila", "HTML received (server + kernel part), no preheat", html["c_workbook"], html["a_bare"], None, "s"),
        row("voila", "HTML received (server + kernel part), preheated", html["d_workbook_preheated"],
            html["b_bare_preheated"], None, "s"),
        row("voila", "preheat gain, workbook (d/c)", med["d_workbook_preheated"], med["c_workbook"], None, "s"),
        row("voila", "preheat gain, bare (b/a)", med["b_bare_preheated"], med["a_bare"], None, "s"),
        check("voila", "page errors / failed requests / loads without a chart",
              sum(len(v["problems"]) for v in raw.values()), 0, "every page, Panel's included"),
        row("voila", "requests outside 127.0.0.1 (blocked): Panel pages (count)",
            len(raw.get("p_panel", {}).get("outside", [])) if "p_panel" in raw else None, None, None, "",
            "every measured load; the other servers' pages: " + ", ".join(
                f"{k} {len(v.get('outside', []))}" for k, v in raw.items() if k != "p_panel")),
    ]


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
        with apps.workbook_server(ctx.folder, db_url, codes, args=apps.shipped_args()) as served:
            ours = slider_series(b, served, ctx.moves, workbook=True)
    print(f"  slider: workbook {ours['samples']} ms; bare {bare['samples']} ms", flush=True)
    kernel = ours["confirmed"]
    rows = [row_ci("slider", "key press -> kernel's figure redrawn (median)", kernel["samples"], bare["samples"], 1.2,
                   "ms", "both sides: the figure the kernel sends, drawn (workbook: data-spec-drawn; bare: "
                   "FigureWidget); workbook served as make app serves it"),
            row("slider", "key press -> kernel's figure redrawn (max)", kernel["max"], bare["max"], None, "ms"),
            row("slider", "key press -> linked point moved in the browser (median)", ours["median"], bare["median"],
                None, "ms", "the workbook moves its point before the kernel answers; the bare app has no such step"),
            check("slider", "page errors / failed requests", len(ours["problems"]) + len(bare["problems"]), 0)]
    return rows, {"workbook": ours, "bare": bare}
