"""A member on a phone: a 390 x 844 touch screen, taps only (the phone's keyboard types the name), and a page
light enough for a phone's connection.

The phone is Chromium's mobile emulation (``is_mobile``, ``has_touch``): taps are touch events, the page is laid
out for the device's width. The member's marks are checked in the store, not only on the page. The tests run
on the session-wide server of ``conftest.py``, in a district and session of their own (the demo session keeps
the members other tests count).

Run as a script (``python -m tests.browser.test_phone``) it weighs the member page on a server of its own:
requests and bytes over the wire on a first visit and on a repeat visit in the same browser.
"""

from __future__ import annotations

import re
import time

import pytest

from .conftest import chart_data, wait_for_app
from .layout import layout_problems

pytestmark = pytest.mark.browser

LOAD = 90_000  # ms: a kernel start on a busy two-core machine
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
NOW = (1.0, 2.0, 3.0, 4.0, 5.0, 2.5, 1.5)  # each spectrum's mark, Locus of Control first; 3 is where it rests
ASPIRATION = (4.0, 3.0, 5.0, 2.0, 1.0, 4.5, 3.5)


@pytest.fixture(scope="module")
def phone_session(server):
    """A district and session of this module's own on the shared server."""
    return server.own_session("phone-usd", "Phone Unified (fictional)", "On a phone")


@pytest.fixture()
def phone(chromium):
    """A page on a phone: 390 x 844, touch, laid out for the device's width."""
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def link(server, session, notebook: str) -> str:
    return server.app(notebook, district="phone-usd", session=session.id, code=session.join_code)


def tap_value(page, slider, value: float) -> None:
    """Tap ``slider`` (a mark's range input, 1 to 5) where ``value`` lies along its track, and see it taken."""
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    assert box and box["width"] >= 120, f"a slider a thumb cannot use on a phone: {box}"
    lo, hi = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
    thumb = 16  # Chromium's range thumb: the track's ends are half a thumb in from the box's
    x = thumb / 2 + (value - lo) / (hi - lo) * (box["width"] - thumb)
    slider.tap(position={"x": x, "y": box["height"] / 2})
    page.wait_for_function("([e, v]) => parseFloat(e.value) === v && !e.closest('.wb-unset')", arg=[
        slider.element_handle(), value], timeout=10_000)


def identify_by_taps(page, name: str, role: str, start: str) -> None:
    """The first screen on a phone: tap the name field and type (the phone's keyboard), tap the role and pick it
    (the phone's own picker), tap the start button. Nothing on the first screen lies over anything else."""
    assert layout_problems(page) == [], layout_problems(page)
    field = page.get_by_role("textbox", name="Your name")
    field.tap()
    assert page.evaluate("document.activeElement.placeholder") == "e.g. Jordan Lee"
    page.keyboard.type(name)
    choice = page.get_by_role("combobox", name="Your role")
    choice.tap()
    choice.select_option(role)
    page.get_by_role("button", name=start).tap()
    page.get_by_text("Your personal link").wait_for(timeout=LOAD)


def eventually(check, timeout: float = 30, what: str = "condition"):
    """Poll ``check`` (a store query) until it returns a truthy value; the kernel saves asynchronously."""
    deadline, last = time.time() + timeout, None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")


def test_a_member_charts_both_passes_with_taps_alone(server, phone, phone_session):
    from workbook.content.frameworks import load_content

    spectra = [s.id for s in load_content().spectra]
    page = phone
    page.goto(link(server, phone_session, "charting_your_path.ipynb"))
    wait_for_app(page, "Charting Your Path")
    identify_by_taps(page, "Pat Phone", "Teacher", "Start charting")
    page.wait_for_function("[...document.querySelectorAll('input[type=range]')].every(e => !e.disabled)",
                           timeout=LOAD)

    # the first pass: where the system is now, every spectrum tapped where its mark belongs
    now = page.get_by_role("slider", name=re.compile(", now$"))
    assert now.count() == 7 and page.get_by_role("slider", name=re.compile(", aspiration$")).count() == 0
    for i, value in enumerate(NOW):
        tap_value(page, now.nth(i), value)
    page.wait_for_function("v => JSON.stringify([...document.querySelectorAll('.js-plotly-plot')][0]?.data?"
                           ".find(t => t.name === 'Now')?.x) === JSON.stringify(v)", arg=list(NOW), timeout=LOAD)

    # the second pass: where it should be
    page.get_by_role("button", name=re.compile(r"^2 · ")).tap()
    aspiration = page.get_by_role("slider", name=re.compile(", aspiration$"))
    aspiration.first.wait_for(timeout=LOAD)
    assert aspiration.count() == 7
    for i, value in enumerate(ASPIRATION):
        tap_value(page, aspiration.nth(i), value)
    page.get_by_text("All changes saved").wait_for(timeout=LOAD)

    store = server.store()

    def marked():
        marks = store.spectrum_marks(phone_session.id)
        mine = marks[marks["name"] == "Pat Phone"].set_index("spectrum")
        return len(mine) == 7 and mine.loc[spectra, "current"].tolist() == list(NOW) \
            and mine.loc[spectra, "aspiration"].tolist() == list(ASPIRATION)
    eventually(marked, what="the 14 marks tapped in the store")
    member = next(r for r in store.respondents(phone_session.id) if r.name == "Pat Phone")
    assert member.role == "Teacher"
    store.dispose()


def test_a_member_rates_the_conditions_for_scale_with_taps(server, phone, phone_session):
    from workbook.content.frameworks import load_content

    conditions = [c for layer in load_content().framework.layers for c in layer.conditions]
    page = phone
    page.goto(link(server, phone_session, "conditions_for_scale.ipynb"))
    wait_for_app(page, "Conditions for Scale")
    identify_by_taps(page, "Kit Touch", "Principal / school leader", "Start")
    page.wait_for_function("[...document.querySelectorAll('input[type=range]')].every(e => !e.disabled)",
                           timeout=LOAD)
    ratings = {c.id: 1.0 + (i % 9) * 0.5 for i, c in enumerate(conditions)}  # 1 to 5, each step of the scale
    picks = [conditions[i].id for i in (1, 7, 14)]
    for cond in conditions:
        slider = page.get_by_role("slider", name=f"{cond.name}, alignment")
        tap_value(page, slider, ratings[cond.id])
        if cond.id in picks:  # the condition's own checkbox, under its slider
            box = slider.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]").get_by_role("checkbox")
            box.tap()
            assert box.is_checked()
    page.get_by_text("16 of 16 conditions marked · 3 of 3 priorities picked").wait_for(timeout=LOAD)

    store = server.store()
    member = next(r for r in store.respondents(phone_session.id) if r.name == "Kit Touch")

    def saved():
        marks = store.condition_marks(phone_session.id)
        mine = marks[marks["respondent_id"] == member.id].set_index("condition")
        return mine["rating"].to_dict() == ratings and sorted(mine.index[mine["priority"]]) == sorted(picks)
    eventually(saved, what="16 ratings and 3 priorities tapped, in the store")
    store.dispose()


# ---------------------------------------------------------------- the page's weight
def weigh(page, url: str, ready=None) -> dict:
    """Open ``url`` in ``page`` and count what crossed the network until the app has drawn its chart.

    Every request the page made (from the network or the browser's cache; websockets and ``data:``/``blob:``
    URLs left out), with its status, type, ``Content-Encoding`` and bytes over the wire (Chromium's
    ``encodedDataLength``: headers and body as they travelled, 0 from the browser's cache).
    """
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    requests: dict[str, dict] = {}

    def sent(event):
        url_ = event["request"]["url"]
        if url_.startswith(("http://", "https://")):
            requests[event["requestId"]] = {"url": url_, "type": event.get("type", ""), "bytes": 0,
                                            "cache": False, "status": None, "encoding": ""}

    def answered(event):
        if event["requestId"] in requests:
            r = event["response"]
            headers = {k.lower(): v for k, v in r["headers"].items()}
            row = requests[event["requestId"]]
            row.update(status=r["status"], encoding=headers.get("content-encoding", ""),
                       cache=row["cache"] or bool(r.get("fromDiskCache") or r.get("fromPrefetchCache")))

    def finished(event):
        if event["requestId"] in requests:
            requests[event["requestId"]]["bytes"] = event["encodedDataLength"]

    def cached(event):
        if event["requestId"] in requests:
            requests[event["requestId"]]["cache"] = True

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", answered)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestServedFromCache", cached)
    sockets: list[dict] = []  # each WebSocket's handshake answer: its URL and the extensions the server took
    cdp.on("Network.webSocketCreated", lambda e: sockets.append({"id": e["requestId"], "url": e["url"]}))

    def shook(event):
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        for row in sockets:
            if row["id"] == event["requestId"]:
                row["extensions"] = headers.get("sec-websocket-extensions", "")

    cdp.on("Network.webSocketHandshakeResponseReceived", shook)
    page.goto(url)
    (ready or (lambda: (wait_for_app(page, "Charting Your Path"), chart_data(page))))()
    page.wait_for_load_state("networkidle")
    cdp.detach()
    rows = list(requests.values())
    return {"requests": rows, "count": len(rows), "bytes": sum(r["bytes"] for r in rows),
            "network": [r for r in rows if not r["cache"]], "sockets": sockets}


def static(rows) -> list[dict]:
    """The scripts and stylesheets among ``rows`` (the page's own code and styles, not the page or its API)."""
    return [r for r in rows if r["type"] in ("Script", "Stylesheet")]


def test_the_member_page_arrives_compressed_and_a_repeat_visit_takes_it_from_the_cache(server, chromium,
                                                                                        phone_session):
    """Scripts, styles and the kernel's messages travel compressed; opened again, the page asks the server for
    none of its scripts and styles.

    Without compression the member page was 5.6 MB over the wire; without a cache policy its scripts and styles
    would be left to the browser's guesses (JupyterLab's extension scripts, which facilitator pages still load,
    are sent ``no-cache``).
    """
    context = chromium.new_context(**PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(LOAD)
        url = link(server, phone_session, "charting_your_path.ipynb")
        first = weigh(page, url)
        loaded = static(first["requests"])
        names = {r["url"].split("?")[0].rsplit("/", 1)[-1] for r in loaded}
        # the page's own script and styles and the plotly bundle; not Voila's JupyterLab application
        assert {"workbook-page.js", "workbook-page.css", "plotly-basic.min.js"} <= names, names
        assert not [n for n in names if n.endswith("voila.js") or "labextensions" in n], names
        plain = [(r["url"], r["bytes"]) for r in loaded if r["encoding"] not in ("gzip", "br") and r["bytes"] > 1500]
        assert not plain, f"scripts and styles that arrived uncompressed: {plain}"
        # the widgets' state (about 230 KB of JSON) comes over the kernel's WebSocket: compressed too
        kernels = [s for s in first["sockets"] if "/api/kernels/" in s["url"]]
        assert kernels and all("permessage-deflate" in s.get("extensions", "") for s in kernels), first["sockets"]
        repeat = weigh(page, url)
        again = [(r["url"], r["status"]) for r in static(repeat["network"])]
        assert not again, f"scripts and styles asked of the server again on a repeat visit: {again}"
        assert repeat["bytes"] < first["bytes"] / 20, (repeat["bytes"], first["bytes"])
    finally:
        context.close()


def main() -> None:
    """Weigh the member page on a server of its own and print the figures."""
    import tempfile
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from .conftest import CHROMIUM, LAUNCH_ARGS, fresh_server

    class Folders:
        @staticmethod
        def mktemp(name):
            return Path(tempfile.mkdtemp(prefix=name))

    servers = fresh_server(Folders)
    server = next(servers)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            context = browser.new_context(**PHONE)
            page = context.new_page()
            page.set_default_timeout(LOAD)
            for visit in ("first visit", "repeat visit"):
                weight = weigh(page, server.member_link())
                net, code = weight["network"], static(weight["requests"])
                print(f"{visit}: {weight['count']} requests ({len(net)} to the server), "
                      f"{weight['bytes'] / 1e6:.3f} MB over the wire; scripts and styles "
                      f"{sum(r['bytes'] for r in code) / 1e6:.3f} MB, {sum(1 for r in code if r['encoding'])} of "
                      f"{len(code)} compressed, {sum(r['status'] == 304 for r in net)} answered 304")
            browser.close()
    finally:
        servers.close()


if __name__ == "__main__":
    main()
