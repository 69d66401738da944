"""Group ``phone``: the member page on a mid-range phone, against the least any page drawing its chart can take.

The phone: Debian's Chromium with the CPU slowed four times (CDP ``Emulation.setCPUThrottlingRate`` 4, a mid-range
phone), the network shaped to 20 Mbit/s down, 10 up and 20 ms latency (``Network.emulateNetworkConditions``), a
390 x 844 touch screen (playwright ``is_mobile=True, has_touch=True``). Every request outside 127.0.0.1 is blocked
(``browser.BLOCK_OUTSIDE``) and counted.

Three pages, each opened first in a fresh browser context (a member's first visit: nothing cached) and then once
more in a new tab of the same context (a repeat visit: the browser's cache as the first visit left it):

* the **static floor**: the member's first chart, the figure JSON Charting Your Path builds for a member who
  has marked nothing (``charts.pathway`` through the page's ``Chart`` widget: the same spec, config, ``fit``),
  drawn by the chart widget's own browser code (``widgets/chart.py``'s module, imported from a ``blob:`` URL as
  anywidget imports it) with the same ``plotly-basic`` bundle at the same URL, in a plain HTML page with
  Voila's page headers, from a server on 127.0.0.1 with the workbook server's compression and cache policy
  (``floor_server.py``). Its chart box is as wide as the member page's (measured on the warm-up load: the chart
  code sets its own box to 100 %, so the width is the box's container's). What no
  page drawing that chart on that phone can beat: the bundle's bytes and its evaluation, one plot drawn;
* the **member page**: the member join link, with the room's access secret, on ``workbook serve`` as
  ``make room`` serves it (``apps.room_args``: ``--room``, the preheated pool; listening on 127.0.0.1 only);
* the **Panel peer on the same bundle**: the bare app in Panel with its plotly pane loading the same
  ``plotly-basic.min.js`` (``peers.panel_server(plotly_js=...)``), compressed as the workbook's server compresses.

Loads are interleaved: each round opens the three pages once (cold, then the repeat visit), the order rotating
by one page each round; a first round is an unmeasured warm-up. Before each visit, first or repeat, the servers
must be idle and the preheated pool full (``procs.wait_all_settled``). The end event is the one every group uses
(``browser.READY_FN``), checked by the page itself every 50 ms from navigation start (an init script, not every
animation frame), on the page's clock. Bytes are CDP ``Network.loadingFinished.encodedDataLength`` summed over
the visit (until the chart is drawn and no request has been open for 1 s, at most 15 s after the chart);
requests are those that reached a server (not answered from the browser's cache). A WebSocket's frames are
not in that sum: the member page's widget state travels that way, so its payload is recorded beside it.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time

from . import apps, browser, floor_server, peers, procs
from .stats import check, row, row_ci, summary

CPU_RATE = 4
DOWN_MBIT, UP_MBIT, LATENCY_MS = 20, 10, 20
VIEWPORT = {"width": 390, "height": 844}
QUIET_S, AFTER_CHART_MAX_S = 1.0, 15
LIMIT_S = 180  # a load without a chart after this long counts as such
BUNDLE = "plotly-basic.min.js"
SIDES = ("floor", "member", "panel")
FIRST_BUDGET_MB, REPEAT_BUDGET_KB = 1.6, 150

# the end event, checked by the page every 50 ms from navigation start; kept as the page clock's time
PROBE = f"""(() => {{
  const ready = {browser.READY_FN};
  const timer = setInterval(() => {{
    const t = ready();
    if (t !== false) {{ window.__chartT = t; clearInterval(timer); }}
  }}, {browser.POLL_MS});
}})();"""

# the member's first chart as Charting Your Path builds it under Voila (``Chart``'s synced state), as JSON
SPEC_SCRIPT = """
import json, os, sys
from workbook.apps.charting_your_path import charting_your_path
from workbook.store import Store

store = Store(os.environ["WORKBOOK_DB_URL"])
page = charting_your_path(store, json.loads(sys.argv[1]))
plot = page.plot
assert type(plot).__name__ == "Chart", type(plot)
print(json.dumps({"spec": plot.spec, "config": plot.config, "label": plot.label, "fit": plot.fit,
                  "fill": plot.fill, "esm": plot._esm}))
"""

# where a visit's time went (seconds on the page's clock): the HTML fully received (Voila streams it while the
# kernel builds the page), the DOM ready, the plotly bundle received (null when it came from the cache unasked)
PHASES = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const js = performance.getEntriesByType('resource').find((e) => e.name.includes('%s'));
  return {html_done: n.responseEnd / 1000, dom_ready: n.domContentLoadedEventEnd / 1000,
          bundle_done: js && js.responseEnd ? js.responseEnd / 1000 : null};
}"""

FLOOR_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Static floor</title>
<script id="wb-plotly-js" async src="/voila/static/{bundle}"></script>
</head><body style="margin:0">
<div style="width:{width}"><div id="box"></div></div>
<script type="module">
const state = {state};
const esm = {esm};
const url = URL.createObjectURL(new Blob([esm], {{type: 'text/javascript'}}));
const mod = await import(url);
const model = {{get: (k) => state[k], on() {{}}, off() {{}}, widget_manager: null}};
mod.default.render({{model, el: document.getElementById('box')}});
</script>
</body></html>
"""


def member_figure(ctx: apps.Ctx) -> dict:
    """The member page's first chart (spec, config, fit, the widget's browser code), built as its kernel builds it."""
    db_url, codes = ctx.store()
    link = {"district": codes["district"], "session": str(codes["session"]), "code": codes["code"]}
    env = dict(os.environ, WORKBOOK_DB_URL=db_url, VOILA_BASE_URL="/")
    done = subprocess.run([sys.executable, "-c", SPEC_SCRIPT, json.dumps(link)], env=env, cwd=apps.ROOT,
                          capture_output=True, text=True, timeout=180, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_floor(path, fig: dict, width: int | None) -> None:
    state = {"spec": fig["spec"], "config": fig["config"], "label": fig["label"], "fit": fig["fit"],
             "fill": fig["fill"], "links": [], "src": f"/voila/static/{BUNDLE}"}
    path.write_text(FLOOR_PAGE.format(bundle=BUNDLE, width=f"{width}px" if width else "100%",
                                      state=json.dumps(state), esm=json.dumps(fig["esm"])), encoding="utf-8")


@contextlib.contextmanager
def floor_server_running(ctx: apps.Ctx, page):
    port = procs.free_port()
    proc = procs.spawn([sys.executable, "-m", "benchmarks.floor_server", "--port", str(port), "--page", str(page)],
                       ctx.folder / f"floor-{port}.log", env=dict(os.environ), cwd=apps.ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        start = procs.wait_http(base + "/__bench_ready__", proc)
        yield apps.Served(proc, base, f"{base}/floor.html", 0, {"listen_s": round(start, 2)})
    finally:
        procs.stop(proc)


class Phone:
    """One page of a phone's browser context: throttled, shaped, its bytes and requests counted through CDP."""

    def __init__(self, context):
        self.page = context.new_page()
        self.page.set_default_timeout(LIMIT_S * 1000)
        self.cdp = context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": LATENCY_MS, "downloadThroughput": DOWN_MBIT * 1e6 / 8,
            "uploadThroughput": UP_MBIT * 1e6 / 8})
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_RATE})
        self.bytes = 0
        self.sent: dict[str, str] = {}  # requestId -> URL of every http(s) request
        self.cached: set[str] = set()
        self.open: set[str] = set()
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.ws_bytes = 0
        self.last = time.perf_counter()
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.loadingFailed", self._failed)
        self.cdp.on("Network.webSocketFrameReceived", self._frame)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)[:200]))

    def _sent(self, e) -> None:
        url = e["request"]["url"]
        if not url.startswith(("http:", "https:")):
            return
        if browser.outside(url):
            self.outside.append(url[:120])
        self.sent[e["requestId"]] = url
        self.open.add(e["requestId"])
        self.last = time.perf_counter()

    def _response(self, e) -> None:
        r = e["response"]
        if r.get("fromDiskCache") or r.get("fromPrefetchCache") or r.get("fromServiceWorker"):
            self.cached.add(e["requestId"])

    def _finished(self, e) -> None:
        self.bytes += e.get("encodedDataLength", 0)
        self.open.discard(e["requestId"])
        self.last = time.perf_counter()

    def _failed(self, e) -> None:
        self.open.discard(e["requestId"])
        url = self.sent.get(e["requestId"], "")
        if url and not browser.outside(url) and not e.get("canceled"):
            self.failed.append(f"{url[:120]} {e.get('errorText', '')}")
        self.last = time.perf_counter()

    def _frame(self, e) -> None:
        self.ws_bytes += len(e["response"].get("payloadData", ""))

    def visit(self, url: str) -> dict:
        """Open ``url``: seconds to the chart drawn (page clock), the visit's bytes and requests, its problems."""
        self.page.goto(url, wait_until="commit", timeout=LIMIT_S * 1000)
        try:
            seconds = self.page.wait_for_function("() => window.__chartT || false", polling=100,
                                                  timeout=LIMIT_S * 1000).json_value() / 1000
        except Exception:  # playwright's TimeoutError: no chart within the limit
            seconds = None
        at_chart = self.bytes
        drawn = time.perf_counter()
        # the rest of the visit: until no request has been open for QUIET_S (the page pumps CDP events meanwhile)
        while time.perf_counter() - drawn < AFTER_CHART_MAX_S:
            self.page.wait_for_timeout(250)
            if not self.open and time.perf_counter() - self.last >= QUIET_S:
                break
        network = [i for i in self.sent if i not in self.cached and not browser.outside(self.sent[i])]
        phases = {k: None if v is None else round(v, 3)
                  for k, v in self.page.evaluate(PHASES % BUNDLE).items()}
        return {"chart_s": None if seconds is None else round(seconds, 3), "bytes": int(self.bytes),
                "bytes_at_chart": int(at_chart), "requests": len(network), "requests_seen": len(self.sent),
                "from_cache": len(self.cached), "ws_payload_bytes": self.ws_bytes, "outside": list(self.outside),
                "phases": phases,
                "problems": self.errors + self.failed + ([] if seconds is not None else ["no chart drawn"]),
                "width": self.page.evaluate("() => { const g = document.querySelector('.wb-chart'); "
                                            "return g && g.parentElement ? g.parentElement.clientWidth : null; }"),
                "chart_height": self.page.evaluate("() => { const g = document.querySelector('.js-plotly-plot'); "
                                                   "return g ? g.offsetHeight : null; }")}

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.page.close()


def phone_context(b):
    context = b.new_context(viewport=VIEWPORT, is_mobile=True, has_touch=True)
    context.add_init_script(PROBE)
    return context


def first_and_repeat(b, url: str, settle=None) -> tuple[dict, dict]:
    """A fresh context's first visit, then a repeat visit in a new tab of the same context (its cache kept).

    ``settle()`` runs between the two (the servers idle, the preheated pool refilled: the refill the first visit
    started would otherwise share the machine with the repeat visit, work the floor's server never has). It
    waits at most 180 s, well within the ten minutes the bundle stays fresh in the browser's cache.
    """
    context = phone_context(b)
    try:
        tab = Phone(context)
        first = tab.visit(url)
        tab.close()
        if settle is not None:
            first["settle_before_repeat_s"] = round(settle(), 1)
        tab = Phone(context)
        again = tab.visit(url)
        tab.close()
        return first, again
    finally:
        with contextlib.suppress(Exception):
            context.close()


def run_phone(ctx: apps.Ctx) -> tuple[list[dict], dict]:
    if not peers.panel_available():
        raise RuntimeError("panel is not installed (pip install -e '.[bench]'): the Panel row has no peer")
    bundle = floor_server.TEMPLATE_STATIC / BUNDLE
    if not bundle.exists():
        raise RuntimeError(f"{bundle} is missing (python -m workbook.assets; workbook serve copies it)")
    fig = member_figure(ctx)
    floor_page = ctx.folder / "floor.html"
    write_floor(floor_page, fig, None)
    loads = ctx.phone_loads
    raw = {"profile": {"cpu_throttling_rate": CPU_RATE, "down_mbit": DOWN_MBIT, "up_mbit": UP_MBIT,
                       "latency_ms": LATENCY_MS, "viewport": VIEWPORT, "is_mobile": True, "has_touch": True},
           "bundle": BUNDLE, "loads": loads, "versions": peers.panel_versions(),
           "sides": {s: {"first": [], "repeat": [], "settle": [], "order": []} for s in SIDES}}
    with browser.chromium() as b, apps.room_server(ctx) as member, floor_server_running(ctx, floor_page) as floor, \
            peers.panel_server(ctx.folder, plotly_js=bundle, compress=True) as panel:
        servers = {"floor": floor, "member": member, "panel": panel}
        raw["servers"] = {k: v.notes for k, v in servers.items()}
        trees = [(s.pid, s.pool) for s in servers.values()]
        procs.wait_all_settled(trees, timeout=180)
        # warm-up (unmeasured): the member page first, so the floor's chart box gets the member chart's width
        warm, _ = first_and_repeat(b, member.page)
        raw["member_chart_width"] = warm["width"]
        write_floor(floor_page, fig, warm["width"])
        for side in ("floor", "panel"):
            procs.wait_all_settled(trees, timeout=180)
            first_and_repeat(b, servers[side].page)
        for rnd in range(loads):
            order = list(SIDES[rnd % len(SIDES):] + SIDES[:rnd % len(SIDES)])
            for pos, side in enumerate(order):
                settle = procs.wait_all_settled(trees, timeout=180)
                first, again = first_and_repeat(b, servers[side].page,
                                                 lambda: procs.wait_all_settled(trees, timeout=180))
                series = raw["sides"][side]
                series["first"].append(first)
                series["repeat"].append(again)
                series["settle"].append(round(settle, 1))
                series["order"].append(pos)
                print(f"  phone round {rnd} {side}: chart {first['chart_s']} s, {first['bytes'] / 1e6:.2f} MB in "
                      f"{first['requests']} requests; repeat {again['chart_s']} s, {again['bytes'] / 1e3:.1f} KB in "
                      f"{again['requests']}", flush=True)
    return _phone_rows(raw), raw


def _times(visits: list[dict]) -> list[float]:
    return [v["chart_s"] for v in visits if v["chart_s"] is not None]


def _med(visits: list[dict], key: str):
    return summary([v[key] for v in visits])["median"]


def _phase(visits: list[dict], key: str):
    return summary([v["phases"][key] for v in visits if v.get("phases", {}).get(key) is not None])["median"]


def _phone_rows(raw: dict) -> list[dict]:
    sides = raw["sides"]
    t = {s: {k: _times(sides[s][k]) for k in ("first", "repeat")} for s in SIDES}
    profile = (f"Chromium, CPU / {CPU_RATE}, {DOWN_MBIT}/{UP_MBIT} Mbit/s, {LATENCY_MS} ms, 390x844 touch; "
               f"{raw['loads']} loads each, interleaved")
    member = " ".join(raw["servers"]["member"].get("args", []))
    mb = {s: {k: [v["bytes"] / 1e6 for v in sides[s][k]] for k in ("first", "repeat")} for s in SIDES}
    kb_repeat = {s: [v["bytes"] / 1e3 for v in sides[s]["repeat"]] for s in SIDES}
    problems = {s: sum(len(v["problems"]) for k in ("first", "repeat") for v in sides[s][k]) for s in SIDES}
    outside = {s: sum(len(v["outside"]) for k in ("first", "repeat") for v in sides[s][k]) for s in SIDES}
    ws = {s: _med(sides[s]["first"], "ws_payload_bytes") for s in SIDES}
    worst_first = max(mb["member"]["first"], default=None)
    worst_repeat = max(kb_repeat["member"], default=None)
    return [
        row_ci("phone", "member page cold: time to chart vs static floor", t["member"]["first"], t["floor"]["first"],
               2.0, "s", f"workbook serve {member} (make room), fresh context per load; floor: the same figure, "
               f"chart code and {BUNDLE}, plain HTML; {profile}"),
        row_ci("phone", "member page repeat visit: time to chart vs static floor's repeat", t["member"]["repeat"],
               t["floor"]["repeat"], 1.5, "s", "second load in a new tab of the same context (its cache kept)"),
        row_ci("phone", f"member page vs Panel, both on {BUNDLE}, both compressed: time to chart (cold)",
               t["member"]["first"],
               t["panel"]["first"], 0.8, "s", "the bare app in Panel, its plotly pane pointed at the same file, "
               "responses compressed as the workbook's server compresses them"),
        row("phone", f"bytes over the wire, member first visit (largest load) vs {FIRST_BUDGET_MB} MB budget",
            None if worst_first is None else round(worst_first, 3), FIRST_BUDGET_MB, 1.0, "MB",
            "CDP Network.loadingFinished encodedDataLength, summed over the visit; WebSocket frames not included"),
        row("phone", f"bytes over the wire, member repeat visit (largest load) vs {REPEAT_BUDGET_KB} KB budget",
            None if worst_repeat is None else round(worst_repeat, 1), REPEAT_BUDGET_KB, 1.0, "KB"),
        row("phone", "Panel (same bundle) cold: time to chart vs static floor", summary(t["panel"]["first"])["median"],
            summary(t["floor"]["first"])["median"], None, "s"),
        row("phone", "Panel (same bundle) repeat visit: time to chart vs static floor's repeat",
            summary(t["panel"]["repeat"])["median"], summary(t["floor"]["repeat"])["median"], None, "s"),
        row("phone", "bytes, first visit: member page vs static floor", summary(mb["member"]["first"])["median"],
            summary(mb["floor"]["first"])["median"], None, "MB"),
        row("phone", "bytes, first visit: Panel (same bundle) vs static floor", summary(mb["panel"]["first"])["median"],
            summary(mb["floor"]["first"])["median"], None, "MB"),
        row("phone", "bytes, repeat visit: member page vs static floor", summary(kb_repeat["member"])["median"],
            summary(kb_repeat["floor"])["median"], None, "KB"),
        row("phone", "bytes, repeat visit: Panel (same bundle) vs static floor", summary(kb_repeat["panel"])["median"],
            summary(kb_repeat["floor"])["median"], None, "KB"),
        row("phone", "requests, first visit: member page vs static floor", _med(sides["member"]["first"], "requests"),
            _med(sides["floor"]["first"], "requests"), None, "", "requests that reached a server (median)"),
        row("phone", "requests, first visit: Panel (same bundle) vs static floor",
            _med(sides["panel"]["first"], "requests"), _med(sides["floor"]["first"], "requests"), None),
        row("phone", "requests, repeat visit: member page vs static floor", _med(sides["member"]["repeat"], "requests"),
            _med(sides["floor"]["repeat"], "requests"), None, "", "not answered from the browser's cache"),
        row("phone", "requests, repeat visit: Panel (same bundle) vs static floor",
            _med(sides["panel"]["repeat"], "requests"), _med(sides["floor"]["repeat"], "requests"), None),
        row("phone", "WebSocket payload received, first visit: member page vs Panel", ws["member"], ws["panel"], None,
            "B", "not in the bytes rows: frames' payloads as the page received them (after any decompression)"),
        row("phone", "member page cold: HTML received vs static floor", _phase(sides["member"]["first"], "html_done"),
            _phase(sides["floor"]["first"], "html_done"), None, "s", "navigation timing responseEnd: Voila streams "
            "the page while the kernel builds it"),
        row("phone", f"member page cold: {BUNDLE} received vs static floor",
            _phase(sides["member"]["first"], "bundle_done"), _phase(sides["floor"]["first"], "bundle_done"), None, "s",
            "resource timing responseEnd of the bundle, the same file and URL on both pages"),
        check("phone", "page errors / failed requests / loads without a chart", sum(problems.values()), 0,
              f"per side {problems}"),
        row("phone", "requests outside 127.0.0.1 (blocked): member, floor, Panel", outside["member"], None, None, "",
            f"floor {outside['floor']}, Panel {outside['panel']}, over every load"),
    ]
