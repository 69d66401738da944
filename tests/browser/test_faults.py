"""Faults a room will meet: a member's kernel killed mid-session, hostile text, a store that is down."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

from .conftest import screenshot, wait_for_app
from .layout import SIZES, check_layout

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=alert('xss-img')>",
    "</script><script>alert('xss-close')</script>",
    "<a href=\"javascript:alert('xss-link')\">click me</a>",
]


def kernels_of(server_pid: int) -> list[int]:
    """ipykernel processes below the Voila server: its children, or forked from its kernel template."""
    parents, kinds = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        comm, rest = stat.split("(", 1)[1].rsplit(")", 1)
        parents[int(entry.name)] = int(rest.split()[1])
        kinds[int(entry.name)] = "kernel" if comm == "ipykernel" or "ipykernel_launcher" in cmd else "other"

    def below(pid: int) -> bool:
        while pid in parents and pid > 1:
            pid = parents[pid]
            if pid == server_pid:
                return True
        return False

    return [pid for pid, kind in kinds.items() if kind == "kernel" and below(pid)]


def _join(page, server, name):
    page.goto(server.member_link())
    wait_for_app(page, "Charting Your Path")
    page.get_by_role("textbox", name="Your name").fill(name)
    page.get_by_role("combobox", name="Your role").select_option("Teacher leader")
    page.get_by_role("button", name="Start charting").click()
    page.get_by_text("Your personal link").wait_for()


def test_answers_saved_before_a_kernel_dies_are_back_after_reload(server, page):
    before = set(kernels_of(server.proc.pid))
    _join(page, server, "Kim Killed")
    slider = page.get_by_role("slider", name=re.compile("Pace, now"))
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.get_by_text("All changes saved").wait_for()
    link = page.locator(".wb-link").inner_text()
    mine = [pid for pid in kernels_of(server.proc.pid) if pid not in before] or kernels_of(server.proc.pid)
    for pid in mine:
        os.kill(pid, signal.SIGKILL)
    page.goto(re.sub(r"^http://[^/]+", server.url, link))
    wait_for_app(page, "Charting Your Path")
    restored = page.get_by_role("slider", name=re.compile("Pace, now"))
    page.wait_for_function("[...document.querySelectorAll('input[type=range]')]"
                           ".some(e => (e.getAttribute('aria-valuetext') || '').startsWith('Pace, now: 3.5'))")
    assert restored.get_attribute("aria-valuetext").startswith("Pace, now: 3.5 of 5")


def test_hostile_text_shows_as_text_in_the_team_view_and_the_report(server, page, tmp_path):
    store = server.store()
    session = int(server.codes["session"])
    members = store.respondents(session)
    for i, text in enumerate(PAYLOADS):
        store.save_note(session, "rg2.p1", text, members[i])
        store.save_note(session, f"rg2.t{1 + i % 2}", text)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server.facilitator_link())
    wait_for_app(page, "Team pathways")
    page.get_by_text("<img src=x onerror=alert('xss-img')>", exact=False).first.wait_for()
    from workbook.reports.batch import page as report_page
    from workbook.reports.district_report import render_report

    report = tmp_path / "report.html"
    report.write_text(report_page("report", render_report(server.codes["district"], db_url=server.db_url)))
    page.goto(report.as_uri())
    page.get_by_role("heading", name=re.compile("Example Unified")).wait_for()
    page.wait_for_timeout(500)
    assert dialogs == []
    html = report.read_text()
    assert "<img src=x" not in html and "<script>alert(" not in html
    screenshot(page, "report-hostile-text")


def test_an_unreachable_store_is_said_in_plain_words(tmp_path, monkeypatch):
    from workbook.apps.charting_your_path import charting_your_path

    monkeypatch.setenv("WORKBOOK_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    app = charting_your_path(params={"district": "example-usd"})
    assert "cannot be reached" in repr(app) or "Cannot use the database" in repr(app)
    assert "postgresql" not in repr(app) and "nobody" not in repr(app)


def test_presenter_shows_one_spectrum_large_with_names_hidden(server, page):
    page.set_viewport_size({"width": 1280, "height": 720})  # a projector
    page.goto(server.facilitator_link("presenter.ipynb"))
    page.get_by_role("heading", name=re.compile("Example Unified")).first.wait_for(timeout=90_000)
    page.get_by_role("img", name=re.compile("QR code")).first.wait_for()  # the QR code to join, in a corner
    page.get_by_role("button", name="Q2 Pace").click()
    page.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')].some(p => "
                           "(p.layout?.title?.text || '').includes('Pace'))")
    text = page.inner_text("body")
    store = server.store()
    names = [r.name for r in store.respondents(int(server.codes["session"]))]
    assert not any(n in text for n in names)

    # the chart fills the first screen; the title and the join corner sit above it without overlapping
    box = page.locator(".js-plotly-plot").first.bounding_box()
    assert box["y"] + box["height"] <= 720 + 2 and box["height"] >= 420, box  # all of it, large, no scrolling
    title = page.locator(".wb-present-title h1").bounding_box()
    corner = page.locator(".wb-join").bounding_box()
    assert title["x"] + title["width"] <= corner["x"] or title["y"] + title["height"] <= corner["y"], (title, corner)
    assert title["height"] < 2 * 48, title  # one line of the title, not lines drawn over each other
    # the active view is unmistakable
    colours = page.evaluate("""() => [...document.querySelectorAll('.wb-views .widget-toggle-button')]
        .map(b => [b.textContent.trim(), getComputedStyle(b).backgroundColor])""")
    active = [c for t, c in colours if t == "Q2 Pace"][0]
    assert all(c != active for t, c in colours if t != "Q2 Pace"), colours
    # laptop, tablet, phone and projector: nothing cut off or covered, and the chart wholly on the first
    # screen wherever the screen is wider than tall
    check_layout(page, "presenter", above_the_fold=".js-plotly-plot",
                 sizes={**SIZES, "1920x1080": (1920, 1080)})  # and a full-HD projector

    # joining can be hidden (and shown again)
    hide = page.get_by_role("button", name="Hide join code")
    assert hide.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), "the button's text is cut off"
    hide.click()
    page.get_by_role("img", name=re.compile("QR code")).first.wait_for(state="hidden")
    page.get_by_role("button", name="Show join code").click()
    page.get_by_role("img", name=re.compile("QR code")).first.wait_for()



def test_the_presenter_updates_by_itself_as_members_join_and_mark(server, page):
    # a session of its own, so the shared demo session keeps its members for the other tests
    store = server.store()
    store.create_district("live-usd", "Live Unified (fictional)")
    session = store.create_session("live-usd", "Live check")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server.app("presenter.ipynb", district="live-usd", session=session.id, code=session.facilitator_code))
    count = page.locator(".wb-count strong")
    count.wait_for(timeout=90_000)
    assert count.inner_text() == "0"
    for i, value in enumerate((2.0, 4.0), start=1):
        member = store.add_respondent(session.id, f"Live Member {i}", "Teacher")
        store.save_spectrum_mark(member, "pace", "current", value)
        # no one presses Refresh: the page asks its kernel every 2 s and redraws when something changed
        page.wait_for_function(f"document.querySelector('.wb-count strong')?.textContent === '{i}'", timeout=15_000)
    # the median pathway moved with them (Pace is the second spectrum: the median of 2 and 4)
    page.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')].some(p => (p.data || []).some("
                           "t => t.name === 'Team median, now' && (t.x || [])[1] === 3))", timeout=15_000)


def test_a_members_mark_reaches_the_team_view_and_the_presenter_without_refresh(server, chromium):
    """A member marks on their own device; the facilitator's two screens follow by themselves."""
    store = server.store()
    store.create_district("follow-usd", "Follow Unified (fictional)")
    session = store.create_session("follow-usd", "Follow check")
    link = dict(district="follow-usd", session=session.id)
    facilitator = chromium.new_context(viewport={"width": 1280, "height": 800})
    member = chromium.new_context(viewport={"width": 390, "height": 844})
    try:
        team = facilitator.new_page()
        team.goto(server.app("team_pathways.ipynb", **link, code=session.facilitator_code))
        wait_for_app(team, "Team pathways")
        team.get_by_text("Nobody has joined yet").wait_for()
        presenter = facilitator.new_page()
        presenter.goto(server.app("presenter.ipynb", **link, code=session.facilitator_code))
        presenter.locator(".wb-count strong").wait_for(timeout=90_000)

        phone = member.new_page()
        phone.goto(server.app("charting_your_path.ipynb", **link, code=session.join_code))
        wait_for_app(phone, "Charting Your Path")
        phone.get_by_role("textbox", name="Your name").fill("Sam Follow")
        phone.get_by_role("combobox", name="Your role").select_option("Teacher leader")
        phone.get_by_role("button", name="Start charting").click()
        phone.get_by_text("Your personal link").wait_for()
        slider = phone.get_by_role("slider", name=re.compile("Pace, now"))
        slider.focus()
        phone.keyboard.press("Enter")  # marks the middle of the track
        phone.get_by_text("All changes saved").wait_for()
        marks = store.spectrum_marks(session.id)
        value = float(marks.loc[marks["spectrum"] == "pace", "current"].iloc[0])

        # nobody presses Refresh on either screen
        team.get_by_text("1 member has charted a pathway.").wait_for(timeout=15_000)
        median = ("[...document.querySelectorAll('.js-plotly-plot')].some(p => (p.data || []).some("
                  f"t => t.name === 'Team median, now' && (t.x || [])[1] === {value}))")
        team.wait_for_function(median, timeout=15_000)
        presenter.wait_for_function("document.querySelector('.wb-count strong')?.textContent === '1'",
                                    timeout=15_000)
        presenter.wait_for_function(median, timeout=15_000)
        assert "Sam Follow" not in presenter.inner_text("body")
    finally:
        member.close()
        facilitator.close()
