"""A school's Wi-Fi drops for 20 s under an open member page: a mark made meanwhile waits in the browser, the page
says so (never "All changes saved" while it waits), and the mark is saved when the way is back, without a reload.

A real TCP proxy (tests/browser/proxy.py) stands between Chromium and ``workbook serve``; the cut resets every
connection through it and refuses new ones, as a dropped access point does.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest

from .conftest import wait_for_app
from .proxy import Proxy

pytestmark = pytest.mark.browser

CUT = 20.0  # seconds the way to the server is gone
SAVED = "All changes saved"
OFFLINE = "Not connected: your change will be saved when the connection returns"
# what the page shows as its saving status: the visible text of its status line (CSS-hidden text excluded)
STATUS = "[...document.querySelectorAll('.wb-saver')].map(e => e.innerText.trim()).join(' | ')"


@pytest.fixture()
def proxy(server):
    way = Proxy(urlsplit(server.url).port).start()
    yield way
    way.close()


def current(store, session_id: int, name: str, spectrum: str):
    marks = store.spectrum_marks(session_id)
    mine = marks[(marks["name"] == name) & (marks["spectrum"] == spectrum)]
    return None if mine.empty else float(mine["current"].iloc[0])


def test_a_mark_made_during_a_wifi_blip_is_said_to_wait_and_is_saved_when_the_way_is_back(server, proxy, page):
    store = server.store()
    store.create_district("blip-usd", "Blip Unified (fictional)")
    session = store.create_session("blip-usd", "Wi-Fi blip")
    link = server.app("charting_your_path.ipynb", district="blip-usd", session=session.id, code=session.join_code)
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    page.goto(link.replace(server.url, proxy.url))  # every request and the kernel's websocket go through the proxy
    wait_for_app(page, "Charting Your Path")
    page.get_by_role("textbox", name="Your name").fill("Wren Wifi")
    page.get_by_role("combobox", name="Your role").select_option("Teacher leader")
    page.get_by_role("button", name="Start charting").click()
    page.get_by_text("Your personal link").wait_for()
    pace = page.get_by_role("slider", name=re.compile("Pace, now"))
    pace.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"({STATUS}).includes('{SAVED}')")
    assert current(store, session.id, "Wren Wifi", "pace") == 3.5
    page.evaluate("window.wbSameDocument = true")  # gone if the page reloads
    kernel_sockets = [ws for ws in sockets if "/channels" in ws.url and not ws.is_closed()]
    assert kernel_sockets, [ws.url for ws in sockets]

    # the access point drops: every connection is reset and no new one gets through
    assert proxy.cut() >= 1
    cut_at = time.monotonic()
    for ws in kernel_sockets:
        if not ws.is_closed():
            ws.wait_for_event("close", timeout=10_000)  # the browser has noticed ...
    page.wait_for_function("document.body.dataset.wbConnection === 'reconnecting'", timeout=10_000)  # ... the page too

    locus = page.get_by_role("slider", name=re.compile("Locus of Control, now"))
    locus.focus()
    page.keyboard.press("ArrowLeft")  # the mark made while the way is gone: 2.5
    seen = [page.evaluate(STATUS)]
    assert OFFLINE in seen[0], f"right after the mark the status read {seen[0]!r}"
    while time.monotonic() - cut_at < CUT:  # what a member glancing at the page sees, every 100 ms of the cut
        page.wait_for_timeout(100)
        seen.append(page.evaluate(STATUS))
    assert not any(SAVED in text for text in seen), \
        f"'{SAVED}' shown while the mark waited in the browser: {sorted(set(seen))}"
    assert all(OFFLINE in text for text in seen), sorted(set(seen))
    assert current(store, session.id, "Wren Wifi", "locus_of_control") is None  # it really waited in the browser

    proxy.restore()
    back_at = time.monotonic()
    # the page comes back by itself and the kernel confirms the waiting mark: only then "All changes saved"
    page.wait_for_function(f"({STATUS}).includes('{SAVED}')", timeout=60_000)
    resumed = time.monotonic() - back_at
    assert current(store, session.id, "Wren Wifi", "locus_of_control") == 2.5  # saved before the kernel said so
    assert page.evaluate("window.wbSameDocument === true"), "the page was reloaded"
    assert page.evaluate("document.body.dataset.wbConnection") == "ok"
    assert page.get_by_role("alertdialog").count() == 0
    assert locus.get_attribute("aria-valuetext").startswith("Locus of Control, now: 2.5")
    print(f"saved {resumed:.1f} s after the way was back")

    # and the page goes on saving as usual
    pace.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"({STATUS}).includes('{SAVED}')")
    deadline = time.monotonic() + 10
    while current(store, session.id, "Wren Wifi", "pace") != 4.0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert current(store, session.id, "Wren Wifi", "pace") == 4.0


def test_a_page_whose_kernel_went_away_during_a_blip_says_so_when_the_way_is_back(server, proxy, page):
    import urllib.request

    store = server.store()
    store.create_district("gone-usd", "Gone Unified (fictional)")
    session = store.create_session("gone-usd", "Kernel gone")
    link = server.app("charting_your_path.ipynb", district="gone-usd", session=session.id, code=session.join_code)
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    page.goto(link.replace(server.url, proxy.url))
    wait_for_app(page, "Charting Your Path")
    kernel_socket = next(ws for ws in sockets if "/channels" in ws.url)
    kernel_id = re.search(r"/api/kernels/([0-9a-f-]+)/channels", kernel_socket.url).group(1)

    proxy.cut()
    if not kernel_socket.is_closed():
        kernel_socket.wait_for_event("close", timeout=10_000)
    # while the page cannot reach it, its kernel is shut down (culled, or its server restarted)
    request = urllib.request.Request(f"{server.url}/api/kernels/{kernel_id}", method="DELETE",  # as the culler does
                                     headers={"Cookie": "_xsrf=blip", "X-XSRFToken": "blip"})
    assert urllib.request.urlopen(request, timeout=30).status == 204
    assert page.get_by_role("alertdialog").count() == 0  # the page cannot know yet: it still only waits
    proxy.restore()
    # the server answers that it has no such kernel: the page is covered before a change could go nowhere
    page.get_by_role("alertdialog").wait_for(timeout=30_000)
    assert page.evaluate("document.body.dataset.wbConnection") == "lost"
    assert "Everything saved before is safe" in page.get_by_role("alertdialog").inner_text()
