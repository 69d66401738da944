"""Group ``room``: twelve members open the join link at once, the workbook against the Panel peer.

* the room: twelve fresh browser contexts of one Chromium (a room is twelve visitors, each with a browser
  of their own: contexts share no cookies, cache or storage) navigate together, by script, to the member
  join link of Charting Your Path, with the room's access secret, on the workbook served as ``make room`` serves
  it (``apps.room_server``: the ``room:`` recipe's options, read from the Makefile: today ``workbook serve --room
  --preheat 12``, one warm kernel per member, listening on 127.0.0.1 only), and to the Panel peer's bare app (its
  plotly pane on the member page's plotly-basic bundle, ``peers.member_bundle``). Each page
  stamps the first time its chart is drawn (``browser.STAMP``, the same ``READY_FN`` every group uses); the
  measure is the common start (just before the first navigation) to the LAST chart drawn.
* each round starts both servers afresh (no kernel or session of an earlier room left), loads one unmeasured
  warm-up page on each, waits until both are idle (the pool full), then opens the two rooms one after the
  other (waiting for idle in between), the side going first alternating round by round;
* main thread: one member page at a time, the two sides alternating, Chromium's ``Performance.getMetrics``
  (CDP) at the chart drawn: the renderer main thread's task time (CPU time, ``threadTicks``).
"""

from __future__ import annotations

import contextlib
import time

from . import apps, browser, peers, procs
from .stats import check, row, row_ci, spread_row, summary

ROOM = 12
LIMIT = 240  # seconds a room may take before its pages without a chart are counted as such
ROUNDS, QUICK_ROUNDS = 5, 2  # rooms per side; an interval is claimed only from MIN_FOR_CI rooms per side
MIN_FOR_CI = 5


def open_room(b, url: str, count: int = ROOM, limit: float = LIMIT) -> dict:
    """``count`` fresh contexts navigate to ``url`` together; seconds from the common start to each chart."""
    tabs = [browser.Tab(b, stamp=True) for _ in range(count)]
    try:
        start = time.time()
        for tab in tabs:
            browser.navigate_now(tab, url)
        drawn, missing = [], 0
        for tab in tabs:
            try:
                drawn.append(browser.chart_at(tab, max(1.0, start + limit - time.time())) - start)
            except Exception:  # playwright's TimeoutError: this page drew no chart within the limit
                missing += 1
        html = []  # where a room's time goes: the server's part (the whole HTML received) of each page
        for tab in tabs:
            with contextlib.suppress(Exception):
                at = browser.html_at(tab)
                if at is not None:
                    html.append(round(at - start, 3))
        out = summary(drawn)
        out.update(last_s=None if missing or not drawn else round(max(drawn), 3), missing=missing,
                   html_s=sorted(html), problems=[p for tab in tabs for p in tab.problems()],
                   outside=[u for tab in tabs for u in tab.outside])
        return out
    finally:
        for tab in tabs:
            tab.close()


@contextlib.contextmanager
def both_servers(ctx: apps.Ctx, b):
    """The workbook as ``make room`` serves it and the Panel peer, both idle after one warm-up page each."""
    with apps.room_server(ctx) as wb, \
            peers.panel_server(ctx.folder, plotly_js=peers.member_bundle()) as pn:
        sides = {"workbook": wb, "panel": pn}
        trees = [(s.pid, s.pool) for s in sides.values()]
        procs.wait_all_settled(trees, timeout=180)
        for served in sides.values():
            browser.time_to_chart(b, served.page)  # unmeasured warm-up
            procs.wait_all_settled(trees, timeout=180)
        yield sides, trees


def rooms(ctx: apps.Ctx, b, rounds: int) -> dict:
    """``rounds`` rounds of one room per side; per side the rooms' results."""
    out = {"workbook": [], "panel": []}
    for rnd in range(rounds):
        with both_servers(ctx, b) as (sides, trees):
            order = ["workbook", "panel"] if rnd % 2 == 0 else ["panel", "workbook"]
            for side in order:
                procs.wait_all_settled(trees, timeout=180)
                out[side].append(open_room(b, sides[side].page))
                print(f"  room round {rnd} {side}: last chart at {out[side][-1]['last_s']} s "
                      f"({out[side][-1]['missing']} without a chart)", flush=True)
    return out


def main_thread(ctx: apps.Ctx, b, loads: int) -> dict:
    """``loads`` single member pages per side, alternating: the main thread's busy seconds to the chart."""
    out = {"workbook": [], "panel": []}
    with both_servers(ctx, b) as (sides, trees):
        for i in range(loads):
            for side in (["workbook", "panel"] if i % 2 == 0 else ["panel", "workbook"]):
                procs.wait_all_settled(trees, timeout=180)
                out[side].append(browser.main_thread(b, sides[side].page))
    return out


def run_room(ctx: apps.Ctx) -> tuple[list[dict], dict]:
    if not peers.panel_available():
        raise RuntimeError("panel is not installed (pip install -e '.[bench]'): the room has no peer to compare")
    with browser.chromium() as b:
        # five rooms per side (two in a quick run, with their spread as it is: no interval from two rooms)
        raw = {"shipped": {"args": apps.room_args(), "target": "room"},
               "rooms": rooms(ctx, b, QUICK_ROUNDS if ctx.quick else ROUNDS),
               "main_thread": main_thread(ctx, b, ctx.loads)}
    return _room_rows(raw), raw


def _room_rows(raw: dict) -> list[dict]:
    lasts = {side: [r["last_s"] for r in rs if r["last_s"] is not None] for side, rs in raw["rooms"].items()}
    # the rooms of one round, side by side (a round whose room on either side left a page without a chart has none)
    paired = [(w["last_s"], p["last_s"]) for w, p in zip(raw["rooms"]["workbook"], raw["rooms"]["panel"], strict=False)
              if w["last_s"] is not None and p["last_s"] is not None]
    first = {side: summary([r["min"] for r in rs if r["min"] is not None])["median"]
             for side, rs in raw["rooms"].items()}
    # the last page's HTML received, per room (rooms of an older run's JSON have no such record)
    html_last = {side: summary([max(r["html_s"]) for r in rs if r.get("html_s")])["median"]
                 for side, rs in raw["rooms"].items()}
    mt = {side: {k: summary([m[k] for m in ms])["median"] for k in browser.METRICS}
          for side, ms in raw["main_thread"].items()}
    tasks = {side: [m["TaskDuration"] for m in ms] for side, ms in raw["main_thread"].items()}
    missing = sum(r["missing"] for rs in raw["rooms"].values() for r in rs)
    problems = {side: sum(len(r["problems"]) for r in raw["rooms"][side]) +
                sum(len(m["problems"]) for m in raw["main_thread"][side]) for side in ("workbook", "panel")}
    outside = {side: sum(len(r.get("outside", [])) for r in raw["rooms"][side]) +
               sum(len(m.get("outside", [])) for m in raw["main_thread"][side]) for side in ("workbook", "panel")}
    shipped = " ".join(raw["shipped"]["args"])
    rooms_n = min(len(lasts["workbook"]), len(lasts["panel"]))
    target = raw["shipped"].get("target", "app")  # an older run's JSON: the room was served as `make app` serves it
    note = f"workbook serve {shipped} (make {target}); median over {len(raw['rooms']['workbook'])} room(s)"
    if rooms_n >= MIN_FOR_CI and len(paired) >= MIN_FOR_CI:
        last = row_ci("room", f"{ROOM} at once: start -> last chart drawn vs Panel", lasts["workbook"], lasts["panel"],
                      1.0, "s", note)
    else:  # too few rooms for an interval: the rounds' own ratios, their min-max, every round must meet the target
        last = spread_row("room", f"{ROOM} at once: start -> last chart drawn vs Panel (rounds' min-max, no interval)",
                          [w for w, _ in paired], [p for _, p in paired], 1.0, "s",
                          f"{note}; {len(paired)} paired round(s), fewer than {MIN_FOR_CI}: no interval claimed")
    last["note"] += ("; Panel's plotly pane on the member page's plotly-basic" if peers.member_bundle() else
                     "; Panel on its own full plotly.js (plotly-basic.min.js missing)")
    return [
        last,
        row("room", f"{ROOM} at once: start -> first chart drawn vs Panel", first["workbook"], first["panel"], None,
            "s"),
        row("room", f"{ROOM} at once: start -> last page's HTML received vs Panel", html_last["workbook"],
            html_last["panel"], None, "s", "the server's part of the room: the workbook's HTML waits for the page's "
            "kernel to build the page; Panel's HTML is a shell its scripts fill in"),
        row_ci("room", "member page main-thread task time to chart vs Panel", tasks["workbook"], tasks["panel"], 1.0,
               "s", "CDP Performance.getMetrics TaskDuration: time the renderer's main thread spent in tasks"),
        row("room", "member page main-thread script time to chart vs Panel", mt["workbook"]["ScriptDuration"],
            mt["panel"]["ScriptDuration"], None, "s"),
        row("room", "member page layout + style time to chart vs Panel",
            _add(mt["workbook"]["LayoutDuration"], mt["workbook"]["RecalcStyleDuration"]),
            _add(mt["panel"]["LayoutDuration"], mt["panel"]["RecalcStyleDuration"]), None, "s"),
        check("room", "pages without a chart", missing, 0, f"limit {LIMIT} s per room"),
        check("room", "workbook pages: errors / failed requests", problems["workbook"], 0),
        row("room", "Panel pages: errors / failed requests (count)", problems["panel"], None, None, "",
            "requests to this machine only: those to other hosts are blocked and counted in the next row"),
        row("room", "requests outside 127.0.0.1 (blocked): Panel pages (count)", outside["panel"], None, None, "",
            f"workbook pages: {outside['workbook']}; Panel 1.9 asks cdn.holoviz.org for some stylesheets even with "
            "BOKEH_RESOURCES=server"),
    ]


def _add(a, b):
    return None if a is None or b is None else round(a + b, 4)
