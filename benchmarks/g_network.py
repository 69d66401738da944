"""Group ``network``: the coach's network overview at 10 and at 1,000 districts (x 20 members x 3 sessions).

* generation: ``seed_network`` into a temp SQLite file (kept for the run);
* build: ``network_overview(store, trusted=True)`` in this process plus the figure serialised to JSON
  (one unmeasured warm-up round first: imports and the framework content; the two sizes take turns, so
  a change in the machine's load hits both alike). The page reads per-session summaries the store keeps
  (``session_summaries``), recomputing only sessions whose marks changed:
  - cold: every stored summary forgotten before each build (as on the first opening of a store, e.g.
    just after the upgrade that adds the summaries), so every district's latest session is summarised
    from its marks;
  - warm: summaries current (the usual case: a coach opening the page again, members having changed a
    few sessions at most); this is the build the target applies to;
* draw: ``Plotly.newPlot`` of that JSON in Chromium with the plotly.js the plotly package ships, to the next
  animation frame, in a page of its own per size.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from . import apps, browser
from .stats import row, summary

SIZES = (10, 1000)
MEMBERS, SESSIONS = 20, 3

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
    """Make the next build cold: no stored summary is current, none parsed in this process."""
    from workbook import store_planning
    from workbook.schema import tables as t

    with store.engine.begin() as conn:
        conn.execute(t.session_summaries.update().values(summary_revision=None, members=None,
                                                         current_medians=None))
    store_planning._parse_medians.cache_clear()


def build(stores: dict, reps: int, cold: bool) -> dict:
    """Per size: seconds to build the overview and serialise its figure (cold or warm summaries), the JSON.

    The sizes take turns (10, 1,000, 10, ...), so a change in the machine's load hits both alike.
    """
    import plotly.io as pio

    from workbook.widgets.network import network_overview

    times, texts = {n: [] for n in stores}, {}
    for i in range(reps + 1):
        for n, store in stores.items():
            if cold:
                forget_summaries(store)
            start = time.perf_counter()
            page = network_overview(store, trusted=True)
            texts[n] = pio.to_json(page.plot.figure)
            if i:
                times[n].append(time.perf_counter() - start)
            page.close()
    out = {}
    for n in stores:
        out[n] = summary(times[n])
        out[n]["json_kib"] = round(len(texts[n]) / 1024, 1)
    return {n: (out[n], texts[n]) for n in stores}


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


def run_network(ctx: apps.Ctx) -> tuple[list[dict], dict]:
    reps = ctx.loads
    raw, texts, stores = {}, {}, {}
    for n in SIZES:
        stores[n], seconds = make_store(ctx.folder, n)
        raw[n] = {"generate_s": round(seconds, 2)}
        print(f"  network {n}: generated in {seconds:.1f} s", flush=True)
    for cold, key in ((True, "build_cold"), (False, "build")):
        for n, (result, text) in build(stores, reps, cold).items():
            raw[n][key], texts[n] = result, text
    for n, store in stores.items():
        store.dispose()
        print(f"  network {n}: build cold {raw[n]['build_cold']['median']} s, warm {raw[n]['build']['median']} s",
              flush=True)
    with browser.chromium() as b:
        for n in SIZES:
            raw[n]["draw"] = draw(b, ctx.folder, texts[n], reps)
    small, big = raw[SIZES[0]], raw[SIZES[1]]
    return [
        row("network", "build + serialise, summaries stored (warm), 1,000 vs 10 districts", big["build"]["median"],
            small["build"]["median"], 2, "s", strict=True),
        row("network", "build + serialise, summaries recomputed (cold), 1,000 vs 10", big["build_cold"]["median"],
            small["build_cold"]["median"], None, "s"),
        row("network", "draw in Chromium, 1,000 vs 10 districts", big["draw"]["median"], small["draw"]["median"], 2,
            "ms", strict=True),
        row("network", "generate the store (seed_network), 1,000 vs 10", big["generate_s"], small["generate_s"],
            None, "s"),
    ], raw
