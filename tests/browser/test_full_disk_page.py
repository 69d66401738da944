"""A member's page on a store whose disk fills up: the page says so in plain words, and saves once space returns.

The store is SQLite on a real 16 MiB tmpfs (``tests/storage/test_full_disk.py``: needs root or CAP_SYS_ADMIN;
skipped without, failing under CI=true), served by the real ``workbook serve`` to Debian's Chromium.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from tests.browser.conftest import stop, wait_for_app, wait_for_port
from tests.conftest import ROOT
from tests.helpers import free_port
from tests.storage.test_full_disk import fill, integrity, quiet, small_disk  # noqa: F401 - the fixture
from workbook.content.errors import DISK_FULL

pytestmark = pytest.mark.browser


def stored(path, name: str, spectrum: str):
    """A member's "now" mark as the store file holds it (its own read-only connection)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT m.current FROM spectrum_marks m JOIN respondents r ON r.id = m.respondent_id "
                           "WHERE r.name = ? AND m.spectrum_id = ?", (name, spectrum)).fetchone()
    return None if row is None else row[0]


def test_a_member_is_told_the_disk_is_full_and_the_mark_is_saved_when_space_returns(small_disk, chromium,  # noqa: F811
                                                                                       tmp_path):
    from workbook import demo
    from workbook.store import Store

    path = small_disk / "workbook.sqlite"
    url = f"sqlite:///{path}"
    store = Store(url)
    codes = demo.seed_demo(store)
    store.dispose()
    port = free_port()
    log = tmp_path / "voila.log"
    with log.open("w") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "serve", "--port", str(port), "--preheat", "0"],
                                env=dict(os.environ, WORKBOOK_DB_URL=url), stdout=handle, stderr=subprocess.STDOUT,
                                cwd=ROOT)
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(90_000)
    try:
        wait_for_port(port, proc)
        page.goto(f"http://127.0.0.1:{port}/voila/render/charting_your_path.ipynb?district={codes['district']}"
                  f"&session={codes['session']}&code={codes['code']}")
        wait_for_app(page, "Charting Your Path")
        page.get_by_role("textbox", name="Your name").fill("Dana Disk (fictional)")
        page.get_by_role("combobox", name="Your role").select_option("Teacher")
        page.get_by_role("button", name="Start charting").click()
        page.get_by_text("Your personal link").wait_for()
        page.get_by_role("slider", name="Locus of Control, now").focus()
        page.keyboard.press("Enter")
        page.get_by_text("All changes saved").wait_for()
        assert stored(path, "Dana Disk (fictional)", "locus_of_control") == 3.0

        quiet(path)
        ballast = fill(small_disk)  # the disk fills up under the room
        page.get_by_role("slider", name="Pace, now").focus()
        page.keyboard.press("Enter")
        page.get_by_text(DISK_FULL).wait_for()  # in plain words, on the member's page
        assert "All changes saved" not in page.locator(".wb-saver").inner_text()
        assert stored(path, "Dana Disk (fictional)", "pace") is None

        ballast.unlink()  # the facilitator frees space: the page saves the waiting mark by itself, no click
        page.get_by_text("All changes saved").wait_for(timeout=60_000)
        assert stored(path, "Dana Disk (fictional)", "pace") == 3.0
    finally:
        page.context.close()
        stop(proc)
    assert integrity(path) == "ok"
