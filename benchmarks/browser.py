"""Chromium (Debian's, driven by playwright): time a page to its chart, time a slider move to the redraw.

Both ends of every browser timing are read from the page's own clock (``performance.now()``): navigation
start is its zero, and a key press is stamped by a capturing ``keydown`` listener.
"""

from __future__ import annotations

import contextlib
import time
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
# Every request outside this machine is blocked, on every page alike: Chromium sends it to a proxy that is not
# there (port 9 on 127.0.0.1, nothing listens), and it fails at once; Chromium never sends loopback addresses
# (127.0.0.1, localhost) to a proxy, so the servers under test are reached directly. The pages' own requests to
# other hosts (a CDN's stylesheet or font) are counted (``Tab.outside``), not left to wait on a network the
# benchmark machine may or may not have. A proxy, not request interception: intercepting requests (playwright's
# ``route``) turns the browser's HTTP cache off, and the repeat visits of the ``phone`` group need it.
BLOCK_OUTSIDE = ["--proxy-server=http://127.0.0.1:9"]
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", *BLOCK_OUTSIDE]
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def outside(url: str) -> bool:
    """True for an http(s) or ws(s) URL whose host is not this machine (``data:``, ``blob:`` are never outside)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and (parts.hostname or "") not in LOOPBACK
VIEWPORT = {"width": 1280, "height": 900}

# The one readiness check for every page (the workbook, bare Voila, Panel): the first plotly graph div with
# data, a height and its SVG in place, searched in the document and in every open shadow root (Panel/Bokeh
# render into shadow DOM). Returns the page clock's time, or false.
READY_FN = """() => {
  // drawn AND not clipped to nothing by a box around it (a page whose shell collapses to no height draws its
  // chart where nobody can see it: that is not a chart drawn)
  const shown = (gd) => {
    for (let e = gd; e; e = e.parentElement || (e.getRootNode && e.getRootNode().host)) {
      const r = e.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) {
        if (e === gd || getComputedStyle(e).overflow !== 'visible') return false;
      }
    }
    return true;
  };
  const ready = (gd) => gd.data && gd.data.length && gd.offsetHeight > 0 && gd.querySelector('.main-svg')
    && shown(gd);
  const find = (root) => {
    for (const gd of root.querySelectorAll('.js-plotly-plot')) if (ready(gd)) return gd;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const gd = find(el.shadowRoot); if (gd) return gd; }
    }
    return null;
  };
  return find(document) ? performance.now() : false;
}"""
CHART_READY = READY_FN

# the same check run by the page itself every 50 ms from navigation start: the first time it holds is kept in
# ``window.__chartAt`` (epoch ms), whatever the benchmark is waiting on meanwhile (rooms of pages). A timer, not
# an animation-frame loop: a rAF loop makes every page render a frame 60 times a second and walks the whole DOM
# each time, a load the probe would add to the room (more on a page with a larger DOM) that no user's page has.
STAMP = f"""(() => {{
  const ready = {READY_FN};
  const timer = setInterval(() => {{
    const t = ready();
    if (t !== false) {{ window.__chartAt = performance.timeOrigin + t; clearInterval(timer); }}
  }}, 50);
}})();"""

# watch the first chart's traced x values (trace named `name`, else the first trace) for a change
WATCH = """(name) => {
  const pick = () => {
    const gd = document.querySelector('.js-plotly-plot');
    if (!gd || !gd.data || !gd.querySelector('.main-svg')) return null;
    const tr = gd.data.find(t => t.name === name) || gd.data[0];
    return JSON.stringify(Array.from(tr.x || []));
  };
  const w = window.__bench = {t0: null, t1: null, before: pick(), pick};
  if (!w.keyHooked) {
    document.addEventListener('keydown', () => { window.__bench.t0 = performance.now(); }, true);
    w.keyHooked = true;
  }
  const check = () => {
    const b = window.__bench;
    if (b.t0 === null || b.t1 !== null) return;
    const now = b.pick();
    if (now !== null && now !== b.before) { b.t1 = performance.now(); b.after = now; }
  };
  if (window.__benchObserver) window.__benchObserver.disconnect();
  window.__benchObserver = new MutationObserver(check);
  window.__benchObserver.observe(document.body, {subtree: true, childList: true, attributes: true});
  return w.before;
}"""


@contextlib.contextmanager
def chromium():
    """A headless Chromium; closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Tab:
    """One page in a fresh browser context, with its errors counted."""

    def __init__(self, browser, stamp: bool = False):
        self.context = browser.new_context(viewport=VIEWPORT)
        if stamp:
            self.context.add_init_script(STAMP)
        self.page = self.context.new_page()
        self.page.set_default_timeout(120_000)
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.outside: list[str] = []  # requests to other hosts than this machine, blocked (``BLOCK_OUTSIDE``)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)[:200]))
        self.page.on("requestfailed", lambda req: self.failed.append(req.url[:120]))
        self.context.on("request", lambda req: self.outside.append(req.url[:120]) if outside(req.url) else None)

    def problems(self) -> list[str]:
        """Page errors and failed requests to this machine; requests to other hosts are counted apart (``outside``)."""
        return self.errors + [u for u in self.failed if not outside(u)]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.context.close()


def goto(tab: Tab, url: str) -> None:
    tab.page.goto(url, wait_until="commit", timeout=120_000)


# how often a waiting benchmark runs ``READY_FN`` in the page: a timer, as ``STAMP`` does, not every animation
# frame. Polled on every frame, the check walks the whole DOM 60 times a second while the page loads, main-thread
# time that grows with the page's DOM and that ``main_thread`` would count as the page's own
POLL_MS = 50


def wait_chart(tab: Tab, timeout: float = 120) -> float:
    """Seconds from the page's navigation start to its first chart drawn (``READY_FN``, any page).

    Checked every ``POLL_MS``: the time is that of the first check that held, up to ``POLL_MS`` after the draw,
    on every page alike.
    """
    handle = tab.page.wait_for_function(CHART_READY, polling=POLL_MS, timeout=timeout * 1000)
    return handle.json_value() / 1000


# where the time went: the HTML fully received (Voila streams it while the kernel runs the notebook), the DOM ready
PHASES = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  return {first_byte: n.responseStart / 1000, html_done: n.responseEnd / 1000,
          dom_ready: n.domContentLoadedEventEnd / 1000};
}"""


def time_to_chart(browser, url: str, outside: list | None = None) -> tuple[float, list[str], dict]:
    """Open ``url`` in a fresh context; seconds to the chart drawn, the page's problems, its phases (s).

    ``outside``: a list that gets the page's requests to other hosts (blocked), whether or not it drew its chart.
    """
    tab = Tab(browser)
    try:
        goto(tab, url)
        seconds = wait_chart(tab)
        return seconds, tab.problems(), tab.page.evaluate(PHASES)
    finally:
        if outside is not None:
            outside.extend(tab.outside)
        tab.close()


def navigate_now(tab: Tab, url: str) -> None:
    """Start navigating ``tab`` to ``url`` without waiting for any byte (a room opens its links together)."""
    tab.page.evaluate("(u) => { setTimeout(() => { location.href = u; }, 0); }", url)


def chart_at(tab: Tab, timeout: float) -> float:
    """Epoch seconds at which the tab (opened with ``stamp=True``) first drew its chart, waiting up to ``timeout``."""
    handle = tab.page.wait_for_function("() => window.__chartAt || false", polling=100, timeout=timeout * 1000)
    return handle.json_value() / 1000


def html_at(tab: Tab) -> float | None:
    """Epoch seconds at which the tab's page had received its whole HTML (navigation timing's ``responseEnd``)."""
    ms = tab.page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0]; "
                           "return n && n.responseEnd ? performance.timeOrigin + n.responseEnd : null; }")
    return None if ms is None else ms / 1000


METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def main_thread(browser, url: str, timeout: float = 180) -> dict:
    """Open ``url`` in a fresh context; at its chart drawn, the renderer main thread's busy seconds so far.

    From Chromium's ``Performance.getMetrics`` (CDP, ``threadTicks``: the main thread's CPU time, so other
    work on the machine does not count): ``TaskDuration`` (every task), ``ScriptDuration`` (JavaScript),
    layout and style recalculation; with the seconds to the chart and the page's problems.
    """
    tab = Tab(browser)
    try:
        cdp = tab.context.new_cdp_session(tab.page)
        cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
        goto(tab, url)
        seconds = wait_chart(tab, timeout)
        got = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        out = {name: round(got.get(name, 0.0), 4) for name in METRICS}
        out.update(chart_s=round(seconds, 3), problems=tab.problems(), outside=list(tab.outside))
        return out
    finally:
        tab.close()


def move_latency(page, key: str, trace: str, timeout: float = 30) -> float:
    """Milliseconds from pressing ``key`` (on the focused slider) to the chart's ``trace`` x redrawn."""
    page.evaluate(WATCH, trace)
    page.keyboard.press(key)
    page.wait_for_function("() => window.__bench.t1 !== null", polling="raf", timeout=timeout * 1000)
    return page.evaluate("() => window.__bench.t1 - window.__bench.t0")


# the workbook's chart stamps each redraw from the kernel's figure (``data-spec-drawn``, page clock)
CONFIRMED = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const t = gd && gd.dataset.specDrawn ? parseFloat(gd.dataset.specDrawn) : null;
  return t !== null && t > window.__bench.t0 ? t - window.__bench.t0 : false;
}"""


def confirmed_latency(page, timeout: float = 30) -> float:
    """Milliseconds from the last key press to the kernel's own figure redrawn (the workbook's chart only)."""
    return page.wait_for_function(CONFIRMED, polling="raf", timeout=timeout * 1000).json_value()


def move_many(page, focus, moves: int, trace: str, pause: float = 0.35,
              confirmed: list | None = None) -> list[float]:
    """``moves`` alternating ArrowRight/ArrowLeft presses on the slider ``focus()`` focuses; latencies in ms.

    With ``confirmed`` (a list), also the latency to the kernel's redraw of each move is appended to it.
    """
    out = []
    for i in range(moves):
        focus()
        out.append(move_latency(page, "ArrowRight" if i % 2 == 0 else "ArrowLeft", trace))
        if confirmed is not None:
            confirmed.append(confirmed_latency(page))
        time.sleep(pause)  # let the kernel finish (saves, the status line) before the next press
    return out
