"""Group ``network``: the coach's network overview at 10 and at 1,000 districts (x 20 members x 3 sessions).

* generation: ``seed_network`` into a temp SQLite file (kept for the run);
* build: ``network_overview(db_url=..., trusted=True)`` plus its figure's JSON as the chart widget sends it
  (``VOILA_BASE_URL`` set: the page's charts are the ``Chart`` widgets Voila's pages have), as a fresh kernel
  runs it: before every build the in-process caches a fresh kernel never has are cleared (every ``functools``
  cache of the workbook's modules: the framework content, the parsed stored summaries) and the page opens its own
  ``Store`` (a new SQLAlchemy engine: no compiled statements). One unmeasured warm-up round first (imports);
  the sizes take turns build by build, so a change in the machine's load hits both alike. The page reads the
  per-session summaries the store keeps (``session_summaries``), recomputing only sessions whose marks changed:
  - warm: every summary current (a coach opening the page again, nobody having marked since);
  - a tenth stale: before the build, one member's marks changed in a tenth of the districts' latest sessions
    (chosen at random, seeded), so those summaries are recomputed from their marks (the usual case);
  - cold (for information): every stored summary forgotten, so every session is summarised from its marks;
* draw: ``Plotly.newPlot`` of that JSON in Chromium with the plotly.js the plotly package ships, to the next
  animation frame, in a page of its own per size;
* page: the Voila page itself (``network_overview.ipynb`` with the coach's code), served as ``make app``
  serves the workbook, one server per size, loads interleaved; seconds to the chart drawn (``READY_FN``).
"""

from __future__ import annotations

import random
import shutil
import sys
import time
from pathlib import Path

from . import apps, browser, g_browser
from .stats import check, row, row_ci, summary

SIZES = (10, 1000)
MEMBERS, SESSIONS = 20, 3
CASES = ("warm", "stale", "cold")

DRAW = """async ([json, reps]) => {
  const fig = JSON.parse(json);
  const gd = document.getElementById('gd');
  const out = [];
  for (let i = 0; i < reps + 1; i++) {
    Plotly.purge(gd);
    const t0 = performance.now();
    await Plotly.newPlot(gd, fig.data, fig.layout, {responsive: false});
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    if (i) out.push(performance.now() - t0);  // the first draw warms plotly.js up
  }
  return out;
}"""


def make_store(folder: Path, districts: int):
    """A temp SQLite store with ``districts`` fictional districts; the store and the seconds it took."""
    from workbook import demo
    from workbook.store import Store

    store = Store(f"sqlite:///{folder / f'network-{districts}.sqlite'}")
    start = time.perf_counter()
    demo.seed_network(store, districts, MEMBERS, SESSIONS)
    return store, time.perf_counter() - start


def forget_summaries(store) -> None:
    """Make the next build cold: no stored summary is current."""
    from workbook.store.schema import tables as t

    with store.engine.begin() as conn:
        conn.execute(t.session_summaries.update().values(summary_revision=None, members=None,
                                                         current_medians=None))


def stale_tenth(store, rng: random.Random) -> int:
    """Change one member's "now" marks in a tenth of the districts' latest sessions; how many sessions."""
    import sqlalchemy as sa

    from workbook.store.schema import tables as t

    s, r, m = t.sessions, t.respondents, t.spectrum_marks
    with store.engine.begin() as conn:
        latest = sorted(conn.execute(sa.select(sa.func.max(s.c.id)).group_by(s.c.district_id)).scalars())
        chosen = rng.sample(latest, max(1, len(latest) // 10))
        members = list(conn.execute(sa.select(sa.func.min(r.c.id)).where(r.c.session_id.in_(chosen))
                                    .group_by(r.c.session_id)).scalars())
        moved = sa.case((m.c.current >= 5, m.c.current - 0.5), else_=m.c.current + 0.5)
        conn.execute(m.update().where(m.c.respondent_id.in_(members), m.c.current.is_not(None))
                     .values(current=moved))
    return len(chosen)


def clear_caches() -> list[str]:
    """Forget what a fresh kernel would not have: every ``functools`` cache of the workbook's loaded modules
    (today the loaded content and the parsed stored summaries). Returns the names cleared.
    """
    cleared = []
    for name, module in list(sys.modules.items()):
        if name != "workbook" and not name.startswith("workbook."):
            continue
        for attr, value in list(vars(module).items()):
            if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name:
                value.cache_clear()
                cleared.append(f"{name}.{attr}")
    return cleared


def prepare(store, case: str, rng: random.Random) -> None:
    if case == "cold":
        forget_summaries(store)
    elif case == "stale":
        stale_tenth(store, rng)
    clear_caches()


def fresh_build(url: str) -> tuple[float, str]:
    """Seconds to build the page on its own new ``Store`` and serialise its figure; the figure JSON."""
    import json
    import os

    from workbook.apps.network_overview import network_overview

    before = os.environ.get("VOILA_BASE_URL")
    os.environ["VOILA_BASE_URL"] = "/"  # as in a kernel under Voila: the charts are Chart widgets
    try:
        start = time.perf_counter()
        page = network_overview(db_url=url, trusted=True)
        text = json.dumps(page.plot.spec)  # the figure's JSON as the chart widget holds and sends it
        seconds = time.perf_counter() - start
    finally:
        if before is None:
            del os.environ["VOILA_BASE_URL"]
        else:
            os.environ["VOILA_BASE_URL"] = before
    page.close()
    page_store = getattr(page, "store", None)
    if page_store is not None:
        page_store.dispose()
    return seconds, text


def build(stores: dict, reps: int) -> tuple[dict, dict]:
    """{case: {size: summary}} over ``reps`` rounds (after one warm-up); the sizes and cases take turns."""
    rng = random.Random(20240611)
    times = {case: {n: [] for n in stores} for case in CASES}
    texts = {}
    for i in range(reps + 1):
        for case in CASES:
            for n, store in stores.items():
                prepare(store, case, rng)
                seconds, texts[n] = fresh_build(store.url)
                if i:
                    times[case][n].append(seconds)
    out = {case: {n: summary(v) for n, v in by_size.items()} for case, by_size in times.items()}
    out["json_kib"] = {n: round(len(text) / 1024, 1) for n, text in texts.items()}
    return out, texts


def draw(b, folder: Path, text: str, reps: int) -> dict:
    """Milliseconds for plotly.js to draw the figure JSON ``text`` (median of ``reps``)."""
    import plotly

    js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    shutil.copyfile(js, folder / "plotly.min.js")
    html = folder / "draw.html"
    html.write_text("<!doctype html><html><head><meta charset='utf-8'><script src='plotly.min.js'></script></head>"
                    "<body><div id='gd' style='width:1100px;height:700px'></div></body></html>", encoding="utf-8")
    tab = browser.Tab(b)
    try:
        tab.page.goto(html.as_uri())
        tab.page.wait_for_function("() => window.Plotly")
        return summary(tab.page.evaluate(DRAW, [text, reps]), 1)
    finally:
        tab.close()


def page_series(ctx: apps.Ctx, b, stores: dict) -> dict:
    """The Voila page with the coach's code, one server per size, loads interleaved; {size: series}."""
    import contextlib

    with contextlib.ExitStack() as stack:
        servers = {n: stack.enter_context(apps.workbook_server(
            ctx.folder, store.url, {}, args=apps.shipped_args(),
            page=f"voila/render/network_overview.ipynb?code={store.coach_code()}")) for n, store in stores.items()}
        return g_browser.interleaved(b, servers, ctx.chart_loads)


def run_network(ctx: apps.Ctx) -> tuple[list[dict], dict]:
    reps = ctx.loads
    raw, stores = {n: {} for n in SIZES}, {}
    for n in SIZES:
        stores[n], seconds = make_store(ctx.folder, n)
        raw[n]["generate_s"] = round(seconds, 2)
        print(f"  network {n}: generated in {seconds:.1f} s", flush=True)
    builds, texts = build(stores, reps)
    raw["build"] = builds
    for n in SIZES:
        print(f"  network {n}: build " + ", ".join(f"{c} {builds[c][n]['median']} s" for c in CASES), flush=True)
    with browser.chromium() as b:
        for n in SIZES:
            raw[n]["draw"] = draw(b, ctx.folder, texts[n], reps)
        raw["page"] = page_series(ctx, b, stores)
    for store in stores.values():
        store.dispose()
    return _network_rows(raw), raw


def _network_rows(raw: dict) -> list[dict]:
    small, big = SIZES
    built, page = raw["build"], raw["page"]
    return [
        row("network", "build + serialise, a tenth stale, 1,000 vs 10 districts", built["stale"][big]["median"],
            built["stale"][small]["median"], 5, "s", "fresh Store and cleared caches before each build"),
        row("network", "build + serialise, summaries current (warm), 1,000 vs 10", built["warm"][big]["median"],
            built["warm"][small]["median"], 2, "s", strict=True),
        row("network", "build + serialise, every summary recomputed (cold), 1,000 vs 10",
            built["cold"][big]["median"], built["cold"][small]["median"], None, "s"),
        row_ci("network", "Voila page (coach's link): time to chart, 1,000 vs 10", page[big]["samples"],
               page[small]["samples"], 1.5, "s", "network_overview.ipynb served as make app serves it"),
        row("network", "draw in Chromium, 1,000 vs 10 districts", raw[big]["draw"]["median"],
            raw[small]["draw"]["median"], 2, "ms", strict=True),
        row("network", "generate the store (seed_network), 1,000 vs 10", raw[big]["generate_s"],
            raw[small]["generate_s"], None, "s"),
        check("network", "Voila page: errors / failed requests / loads without a chart",
              sum(len(page[n]["problems"]) for n in SIZES), 0),
    ]
