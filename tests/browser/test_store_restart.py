"""The store restarts under a room: PostgreSQL is stopped for 30 s while members keep marking, then started.

Every page says its marks wait while the store is down (never "All changes saved"), and the kernels retry by
themselves: the waiting marks are saved within 15 s of the store's return, with nobody clicking, each once.
A real PostgreSQL server (tests/pg_server.py) of this module's own, stopped and started with ``pg_ctl``, and
one ``workbook serve`` pointed at it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, require
from tests.helpers import free_port

from .conftest import Server, stop, wait_for_app, wait_for_port

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]

MEMBERS = 6  # a leadership team marking while the store is away
DOWN = 30.0  # seconds the store is away
BACK_WITHIN = 15.0  # seconds after its return by which every waiting mark is saved
SAVED = "All changes saved"
STATUS = "[...document.querySelectorAll('.wb-saver')].map(e => e.innerText.trim()).join(' | ')"
# every status text the page shows, as it changes (what a member could have seen between two polls too)
RECORD = """() => { window.wbSeen = [];
  const note = () => window.wbSeen.push([Date.now(), %s]);
  for (const line of document.querySelectorAll('.wb-saver'))
    new MutationObserver(note).observe(line, {subtree: true, childList: true, characterData: true,
                                              attributes: true}); }""" % STATUS


def pg_options(pg) -> str:
    """The options tests/pg_server.py starts its cluster with (the same port, so the store's URL holds)."""
    return (f"-p {pg.port} -k {pg.dir} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")


def pg_stop(pg) -> None:
    pg._run("pg_ctl", "-D", str(pg.data), "-m", "fast", "-w", "-t", "30", "stop", timeout=40)


def pg_start(pg) -> None:
    pg._run("pg_ctl", "-D", str(pg.data), "-o", pg_options(pg), "-l", str(pg.dir / "log"), "-w", "-t", "60",
            "start", timeout=70)
    pg._wait_ready(60)


@pytest.fixture(scope="module")
def pg():
    from tests.pg_server import PgServer, find_bindir

    require(find_bindir() is not None, "no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql")
    server = PgServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pg_served(pg, tmp_path_factory):
    """One ``workbook serve`` whose store is the module's PostgreSQL, with a session of its own."""
    from workbook.store import Store

    store = Store(pg.url)
    store.create_district("restart-usd", "Restart Unified (fictional)")
    session = store.create_session("restart-usd", "Store restart")
    store.dispose()
    folder = tmp_path_factory.mktemp("pg-served")
    port, log = free_port(), folder / "voila.log"
    with log.open("w") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "serve", "--port", str(port)],
                                env=dict(os.environ, WORKBOOK_DB_URL=pg.url), stdout=handle,
                                stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            wait_for_port(port, proc)
            codes = {"district": "restart-usd", "session": session.id, "code": session.join_code}
            yield Server(f"http://127.0.0.1:{port}", pg.url, codes, proc, log)
        finally:
            stop(proc)


def marks_by_member(store, session_id: int) -> tuple[dict, dict]:
    """``{name: {spectrum: [current, ...]}}`` for every row the store holds for the session (duplicates kept),
    and how many members of each name joined it."""
    rows: dict = {}
    with store.engine.connect() as conn:
        joined = dict(conn.exec_driver_sql("SELECT name, count(*) FROM respondents WHERE session_id = %(s)s"
                                           " GROUP BY name", {"s": session_id}).all())
        for name, spectrum, value in conn.exec_driver_sql(
                "SELECT r.name, m.spectrum_id, m.current FROM spectrum_marks m JOIN respondents r"
                " ON r.id = m.respondent_id WHERE r.session_id = %(s)s", {"s": session_id}):
            rows.setdefault(name, {}).setdefault(spectrum, []).append(value)
    return rows, joined


def mark(page, spectrum: str, key: str) -> None:
    slider = page.get_by_role("slider", name=re.compile(f"{spectrum}, now"))
    slider.focus()
    page.keyboard.press(key)


def test_marks_made_while_the_store_restarts_are_saved_by_themselves_once_it_is_back(pg, pg_served, chromium):
    names = [f"Restart Member {i + 1}" for i in range(MEMBERS)]
    contexts = [chromium.new_context(viewport={"width": 1280, "height": 900}) for _ in names]
    pages = [c.new_page() for c in contexts]
    try:
        for page, name in zip(pages, names):
            page.set_default_timeout(90_000)
            page.goto(pg_served.member_link())
            wait_for_app(page, "Charting Your Path")
            page.get_by_role("textbox", name="Your name").fill(name)
            page.get_by_role("combobox", name="Your role").select_option("Teacher leader")
            page.get_by_role("button", name="Start charting").click()
            page.get_by_text("Your personal link").wait_for()
            mark(page, "Pace", "ArrowRight")  # 3.5, saved before the store goes
            page.wait_for_function(f"({STATUS}).includes('{SAVED}')")

        pg_stop(pg)
        stopped = time.monotonic()
        marked_at = []
        for page in pages:  # each member marks twice while the store is away: Locus 2.5, Pace 4.0
            page.evaluate(RECORD)
            marked_at.append(page.evaluate("Date.now()"))
            mark(page, "Locus of Control", "ArrowLeft")
            mark(page, "Pace", "ArrowRight")
        for page in pages:  # honest at once: the page says its marks wait, and keeps the button
            page.wait_for_function(f"({STATUS}).includes('Waiting to save (2 changes)')", timeout=20_000)
            assert page.get_by_role("button", name="Try saving again").is_visible()
        seen = []
        while time.monotonic() - stopped < DOWN:  # the store stays away; what the members see meanwhile
            for page in pages:
                seen.append(page.evaluate(STATUS))
            pages[0].wait_for_timeout(200)
        assert not any(SAVED in text for text in seen), sorted(set(seen))

        starting = pages[0].evaluate("Date.now()")  # the store is away until at least this moment
        pg_start(pg)
        back = time.monotonic()
        took = []
        for page in pages:  # nobody clicks
            page.wait_for_function(f"({STATUS}).includes('{SAVED}')", timeout=60_000)
            took.append(time.monotonic() - back)
        print(f"saved {', '.join(f'{t:.1f}' for t in took)} s after the store was back")
        assert max(took) <= BACK_WITHIN, took

        # no page said "All changes saved" from its marks until the store was started (every change of its status)
        for page, since in zip(pages, marked_at):
            early = [text for at, text in page.evaluate("window.wbSeen") if since <= at < starting and SAVED in text]
            assert not early, early
        # every mark in the store, once
        stored, joined = marks_by_member(pg_served.store(), int(pg_served.codes["session"]))
        assert joined == {name: 1 for name in names}, joined
        for name in names:
            assert stored.get(name) == {"pace": [4.0], "locus_of_control": [2.5]}, (name, stored.get(name))
    finally:
        for context in contexts:
            context.close()
