"""A room on its own network: the links members get from the projector, and pages that stay alive.

One server for the module, served as a facilitator serves a room (``workbook serve --room``),
listening on every address with a public URL on a loopback address the browser would not guess
(127.0.0.2), and with a short idle-kernel timeout so an idle spell fits in a test; every other
setting is the shipped one.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT, require

from .conftest import chart_data, free_port, stop, wait_for_app, wait_for_port
from .test_faults import kernels_of

pytestmark = pytest.mark.browser

CULL_IDLE, CULL_INTERVAL = 20, 5


class Room:
    def __init__(self, proc, printed: str, db_url: str, codes: dict, public: str):
        self.proc, self.printed, self.db_url, self.codes, self.public = proc, printed, db_url, codes, public

    def printed_link(self, label: str) -> str:
        match = re.search(rf"{re.escape(label)}\s+(http\S+)", self.printed)
        assert match, f"no link for {label!r} in what serve printed:\n{self.printed}"
        return match.group(1)

    def projector_link(self) -> str:
        match = re.search(r"On the projector for [^:]+: (http\S+)", self.printed)
        assert match, self.printed
        return match.group(1)

    def store(self):
        from workbook.store import Store

        return Store(self.db_url)


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    from workbook import demo
    from workbook.store import Store

    folder = tmp_path_factory.mktemp("room")
    db_url = f"sqlite:///{folder / 'room.sqlite'}"
    store = Store(db_url)
    codes = demo.seed_demo(store)
    store.dispose()
    port = free_port()
    public = f"http://127.0.0.2:{port}/"
    log = folder / "serve.log"
    env = dict(os.environ, WORKBOOK_DB_URL=db_url)
    with log.open("w") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "serve", "--room", "--port", str(port),
                                 "--public-url", public, "--cull-idle", str(CULL_IDLE),
                                 "--cull-interval", str(CULL_INTERVAL)],
                                env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            wait_for_port(port, proc)
            printed = log.read_text().split("Serving the workbook at", 1)[0]
            yield Room(proc, printed, db_url, codes, public)
        finally:
            stop(proc)


def decode_qr(png: bytes) -> str:
    """The text of the QR code in a screenshot, read by OpenCV's QR decoder."""
    try:
        import cv2
        import numpy as np
    except ImportError:
        require(False, "opencv-python-headless is not installed (the `test` extra)")
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text, "the QR code could not be decoded"
    return text


def fresh_page(chromium, width: int = 1280):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def join(page, link: str, name: str) -> str:
    """Open a member link, enter name and role, start; returns the personal link shown."""
    page.goto(link)
    wait_for_app(page, "Charting Your Path")
    page.get_by_role("textbox", name="Your name").fill(name)
    page.get_by_role("combobox", name="Your role").select_option("Teacher leader")
    page.get_by_role("button", name="Start charting").click()
    page.get_by_text("Your personal link").wait_for()
    return page.locator(".wb-link").inner_text()


def mark(page, spectrum: str, key: str = "ArrowRight") -> None:
    slider = page.get_by_role("slider", name=re.compile(f"{spectrum}, now"))
    slider.focus()
    page.keyboard.press(key)


def current_mark(room, name: str, spectrum: str):
    marks = room.store().spectrum_marks(int(room.codes["session"]))
    mine = marks[(marks["name"] == name) & (marks["spectrum"] == spectrum)]
    return None if mine.empty else float(mine["current"].iloc[0])


def test_printed_shown_and_scanned_links_agree_and_open_from_a_fresh_browser(room, chromium):
    printed = room.printed_link("Charting Your Path")
    assert printed.startswith(room.public) and "token=" in printed
    assert room.codes["facilitator"] not in printed, "a member link must not carry the facilitator's code"
    assert printed == subprocess.run([sys.executable, "-m", "workbook.cli", "links"], capture_output=True, text=True,
                                     env=dict(os.environ, WORKBOOK_DB_URL=room.db_url), check=True,
                                     ).stdout.split("Charting Your Path", 1)[1].split()[0]

    projector = fresh_page(chromium)
    try:
        projector.goto(room.projector_link())
        wait_for_app(projector, "Example Unified School District (fictional)")  # the session's label below it
        shown = projector.locator(".wb-link").first.inner_text().strip()
        qr = projector.get_by_role("img", name=re.compile("QR code")).first
        scanned = decode_qr(qr.screenshot())
    finally:
        projector.context.close()
    assert printed == shown == scanned

    member = fresh_page(chromium)  # a phone that scanned the code: no cookie, nothing typed
    try:
        personal = join(member, scanned, "Pat Phone")
        assert personal.startswith(room.public) and "token=" in personal and "me=" in personal
        assert [t["x"] for t in chart_data(member, 0) if t["name"] == "Now"]
        mark(member, "Pace")
        member.get_by_text("All changes saved").wait_for()
        assert current_mark(room, "Pat Phone", "pace") == 3.5
    finally:
        member.context.close()


def test_the_same_link_without_the_secret_is_refused(room):
    link = re.sub(r"&token=[^&]+", "", room.printed_link("Charting Your Path"))
    assert "token=" not in link

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        response = urllib.request.build_opener(NoRedirect).open(link, timeout=30)
        status, location, body = response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as exc:
        status, location, body = exc.code, exc.headers.get("Location", ""), ""
    assert status in (302, 403) and ("login" in location or status == 403), (status, location)
    assert "Charting Your Path" not in body


def test_an_idle_page_keeps_saving_after_the_cull_timeout(room, chromium):
    page = fresh_page(chromium)
    try:
        join(page, room.printed_link("Charting Your Path"), "Ida Idle")
        mark(page, "Locus of Control")
        page.get_by_text("All changes saved").wait_for()
        # listen to the discussion for longer than the server lets an idle kernel live
        page.wait_for_timeout((CULL_IDLE + 3 * CULL_INTERVAL + 10) * 1000)
        mark(page, "Locus of Control")
        page.wait_for_function("document.querySelector('.wb-status')?.textContent.includes('All changes saved')")
        deadline = time.time() + 20
        while current_mark(room, "Ida Idle", "locus_of_control") != 4.0 and time.time() < deadline:
            time.sleep(0.3)
        assert current_mark(room, "Ida Idle", "locus_of_control") == 4.0
        assert page.evaluate("document.body.dataset.wbConnection") == "ok"
    finally:
        page.context.close()


def test_a_page_whose_kernel_is_gone_says_so_and_reopens_with_its_marks(room, chromium):
    page = fresh_page(chromium)
    before = set(kernels_of(room.proc.pid))
    try:
        personal = join(page, room.printed_link("Charting Your Path"), "Kai Gone")
        mark(page, "Pace")
        page.get_by_text("All changes saved").wait_for()
        for pid in set(kernels_of(room.proc.pid)) - before:
            os.kill(pid, signal.SIGKILL)
        # the page is covered before the member can make a change that would go nowhere
        page.get_by_role("alertdialog").wait_for(timeout=90_000)
        assert page.evaluate("document.body.dataset.wbConnection") == "lost"
        assert "Everything saved before is safe" in page.get_by_role("alertdialog").inner_text()
        page.get_by_role("button", name="Reopen this page").click()
        page.wait_for_url(personal)
        wait_for_app(page, "Charting Your Path")
        page.wait_for_function("[...document.querySelectorAll('input[type=range]')]"
                               ".some(e => (e.getAttribute('aria-valuetext') || '').startsWith('Pace, now: 3.5'))")
    finally:
        page.context.close()
