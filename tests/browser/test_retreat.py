"""The whole retreat in a real browser: a facilitator runs the day from the run of show with six members.

One fictional district, one session, six members on their own devices (one a phone: 390 x 844, touch), the
facilitator's laptop and the projector. The facilitator moves the room through every step in the guides'
order; the projector shows each step's questions as the guide words them; the counts of members who finished
move without a Refresh; members go from page to page with the link the room line gives them (so each is one
member throughout); the team agrees its marks, writes a plan with an owner and a review date, downloads its
summary as a PDF and starts the follow-up session, whose pages start from the marks agreed here.

The module runs its own ``workbook serve``; every member, the laptop and the projector share it.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.browser.conftest import DOCS, charts_settled, fresh_server, wait_for_app
from tests.browser.test_phone import tap_value
from tests.conftest import require
from tests.helpers import eventually

pytestmark = pytest.mark.browser

LOAD = 120_000  # ms: a kernel start on a busy two-core machine
SLUG = "harbor-point-usd"
ROLES = ("Superintendent", "Teacher", "Principal / school leader", "Teacher", "Central-office leader", "Teacher")
PHONE = 5  # the member on a phone


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    yield from fresh_server(tmp_path_factory, "retreat")


def shows(page, text: str, timeout: float = LOAD) -> None:
    """Wait until the page's visible text holds ``text`` (whitespace as the browser lays it out)."""
    want = re.sub(r"\s+", " ", text).strip()
    page.wait_for_function("t => document.body.innerText.replace(/\\s+/g, ' ').includes(t)", arg=want,
                           timeout=timeout)


def tap_or_click(page, locator, phone: bool) -> None:
    (locator.tap if phone else locator.click)()


def identify(page, name: str, role: str, start: str, phone: bool) -> None:
    field = page.get_by_role("textbox", name="Your name")
    tap_or_click(page, field, phone)
    field.fill(name)
    page.get_by_role("combobox", name="Your role").select_option(role)
    tap_or_click(page, page.get_by_role("button", name=start), phone)
    page.get_by_text("Your personal link").wait_for(timeout=LOAD)


def mark(page, slider, value: float, phone: bool) -> None:
    """One mark: a tap where the value lies on a phone; on a laptop, Enter (the middle, 3) then arrow keys."""
    if phone:
        tap_value(page, slider, value)
        return
    slider.focus()
    page.keyboard.press("Enter")
    steps = round((value - 3) / 0.5)
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowRight" if steps > 0 else "ArrowLeft")


def test_a_facilitator_runs_the_retreat_with_six_members(room, chromium, tmp_path):
    from workbook.content import retreat
    from workbook.content.frameworks import load_content

    content = load_content()
    store = room.store()
    store.create_district(SLUG, "Harbor Point Unified School District (fictional)", schools=11)
    session = store.create_session(SLUG, "Spring retreat (fictional)", min_group_size=3)

    def link(notebook: str, code: str, **more) -> str:
        return room.app(notebook, district=SLUG, session=session.id, code=code, **more)

    desk_context = chromium.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    desk = desk_context.new_page()
    projector = chromium.new_context(viewport={"width": 1280, "height": 720}).new_page()
    members = [chromium.new_context(viewport={"width": 1280, "height": 800}).new_page() for _ in range(PHONE)]
    members.append(chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                        device_scale_factor=2).new_page())
    for page in (desk, projector, *members):
        page.set_default_timeout(LOAD)

    live = desk.locator(".wb-ros-live")

    def count(text: str) -> None:  # the run of show's count moves by itself (no Refresh on the laptop)
        desk.wait_for_function("t => document.querySelector('.wb-ros-live')?.innerText.startsWith(t)", arg=text,
                               timeout=LOAD)

    def move_to(step) -> None:
        """Next on the run of show until the room is on ``step``; the projector follows without a click."""
        number = retreat.STEPS.index(step) + 1
        heading = desk.get_by_role("heading", name=f"Step {number} of {len(retreat.STEPS)}: {step.title}")
        desk.get_by_role("button", name=re.compile(r"^\W*(Next|Start: first step)$")).click()
        heading.wait_for()
        assert store.current_step(session.id) == step.id
        for _ref, _label, text in retreat.questions(content, step):
            shows(projector, text[:90])  # the guide's own words, on the projector
        if not retreat.questions(content, step):
            shows(projector, step.title)

    try:
        desk.goto(link("run_of_show.ipynb", session.facilitator_code))
        desk.get_by_role("heading", name="Run of show", level=1).wait_for(timeout=LOAD)
        projector.goto(link("presenter.ipynb", session.facilitator_code))
        projector.locator(".wb-count").wait_for(timeout=LOAD)  # the presenter is up, counting members

        # ---- Reflection Guide 1: members join on Laying the Foundation and answer; the count moves
        steps = iter(retreat.STEPS)
        move_to(next(steps))  # driving values
        for page in members:
            page.goto(link("laying_the_foundation.ipynb", session.join_code), wait_until="commit")
        for i, page in enumerate(members):
            wait_for_app(page, "Laying the Foundation")
            identify(page, f"Member {i + 1} (fictional)", ROLES[i], "Start", phone=i == PHONE)
            answer = page.get_by_placeholder("Your answer…").first
            tap_or_click(page, answer, i == PHONE)
            answer.fill(f"Every student known well ({i + 1}).")
            answer.blur()
        count("6 of 6")
        assert "6 of 6 have answered a question" in live.inner_text()
        move_to(next(steps))  # context, culture & climate
        move_to(next(steps))  # desired outcomes: the facilitator writes the team's list in its team view
        team_g1 = desk_context.new_page()
        team_g1.goto(link("laying_the_foundation.ipynb", session.facilitator_code))
        wait_for_app(team_g1, "Laying the Foundation: the team")
        outcome = "Every student reads on grade level by grade 3"
        team_g1.get_by_role("textbox", name="Outcome 1").fill(outcome)
        team_g1.get_by_role("textbox", name="Outcome 1").blur()
        eventually(lambda: store.desired_outcomes(session.id)[:1] == [outcome], what="the desired outcome saved",
                   timeout=60)
        team_g1.close()

        # ---- Reflection Guide 2, first pass: members follow the room line to Charting Your Path as themselves
        now_step = next(steps)
        move_to(now_step)
        now_values = {}
        for i, page in enumerate(members):
            go = page.locator("a.wb-room-go")
            go.wait_for(timeout=LOAD)  # the line appears without a click on the member's page
            tap_or_click(page, go, i == PHONE)
            wait_for_app(page, "Charting Your Path")
            page.wait_for_function("[...document.querySelectorAll('input[type=range]')].some(e => !e.disabled)")
            for j, spectrum in enumerate(content.spectra):
                value = [1.5, 2.0, 2.5, 3.0, 3.5, 4.0][(i + j) % 6]
                now_values[(i, spectrum.id)] = value
                mark(page, page.get_by_role("slider", name=f"{spectrum.dimension}, now"), value, i == PHONE)
        count("6 of 6")
        assert len(store.respondents(session.id)) == 6, "a member who changed pages stayed one member"
        move_to(next(steps))  # what do you notice?
        screenshot = DOCS / "presenter-question-1280x720.png"
        charts_settled(projector)
        projector.screenshot(path=str(screenshot))

        # ---- second pass: the aspirations
        move_to(next(steps))
        for i, page in enumerate(members):
            tap_or_click(page, page.get_by_role("button", name=re.compile(r"^2 · ")), i == PHONE)
            for j, spectrum in enumerate(content.spectra):
                mark(page, page.get_by_role("slider", name=f"{spectrum.dimension}, aspiration"),
                     [3.5, 4.0, 4.5, 5.0][(i + j) % 4], i == PHONE)
        count("6 of 6")
        move_to(next(steps))  # the gaps

        # ---- the team's pathways: the facilitator records the agreed marks in Team pathways
        move_to(next(steps))
        team = desk_context.new_page()
        team.goto(link("team_pathways.ipynb", session.facilitator_code))
        wait_for_app(team, "Team pathways")
        for spectrum in content.spectra:
            mark(team, team.get_by_role("slider", name=f"{spectrum.dimension}, agreed now"), 2.5, False)
            mark(team, team.get_by_role("slider", name=f"{spectrum.dimension}, agreed aspiration"), 4.0, False)
        want = {"current": {s.id: 2.5 for s in content.spectra}, "aspiration": {s.id: 4.0 for s in content.spectra}}
        eventually(lambda: store.agreed_marks(session.id) == want, what="fourteen agreed marks in the store",
                   timeout=60)
        shows(team, outcome)  # the desired outcomes stand beside the questions that look back at Guide 1

        # ---- Step 1: ratings, the room's questions, priorities
        move_to(next(steps))
        conditions = [c for layer in content.framework.layers for c in layer.conditions]
        for i, page in enumerate(members):
            go = page.locator("a.wb-room-go")
            go.wait_for()
            tap_or_click(page, go, i == PHONE)
            wait_for_app(page, "Conditions for Scale")
            page.wait_for_function("[...document.querySelectorAll('input[type=range]')].some(e => !e.disabled)")
            for j, condition in enumerate(conditions):
                mark(page, page.get_by_role("slider", name=f"{condition.name}, alignment"),
                     [1.5, 2.0, 3.0, 4.0][(i + j) % 4], i == PHONE)
        count("6 of 6")
        assert len(store.respondents(session.id)) == 6
        move_to(next(steps))  # questions a-c
        move_to(next(steps))  # the layers' questions
        move_to(next(steps))  # priorities
        picks = (conditions[0], conditions[5], conditions[9])
        for i, page in enumerate(members):
            for condition in picks[: 2 if i % 2 else 3]:
                row = page.locator(".widget-vbox", has=page.get_by_role("slider", name=f"{condition.name}, alignment"))
                tap_or_click(page, row.last.get_by_role("checkbox"), i == PHONE)
        count("6 of 6")

        # ---- Step 2: the plan, with an owner and a review date
        move_to(next(steps))
        plan = desk_context.new_page()
        plan.goto(link("action_planning.ipynb", session.facilitator_code))
        wait_for_app(plan, "Action planning")
        first = content.condition(store.plan_areas(session.id)[0])
        card = plan.locator(".wb-card", has=plan.get_by_role("heading", name=first.name, exact=True))
        card.get_by_placeholder("New action item").first.fill("Pilot a student-led conference in two schools")
        card.get_by_placeholder("e.g. by March").first.fill("by June")
        card.get_by_role("textbox", name="Who is responsible").first.fill("Director of innovation (fictional)")
        card.get_by_role("button", name="Add").first.click()
        eventually(lambda: len(store.action_items(session.id)) == 1, what="the action saved", timeout=60)
        card.get_by_label("Review on").first.fill("2027-01-15")
        card.get_by_label("Review on").first.blur()
        eventually(lambda: str(store.action_items(session.id)["review_on"].iloc[0]) == "2027-01-15",
                   what="the review date saved", timeout=60)

        # ---- the close: the team's summary as a PDF, then the follow-up session
        move_to(next(steps))
        plan.get_by_role("button", name="Team summary (PDF)").click()
        download = plan.get_by_role("link", name=re.compile(r"Download .*team-summary.*\.pdf"))
        download.wait_for(timeout=LOAD)
        with plan.expect_download() as got:
            download.click()
        pdf = tmp_path / "summary.pdf"
        got.value.save_as(pdf)
        assert pdf.read_bytes()[:5] == b"%PDF-"
        require(shutil.which("pdftotext") is not None, "pdftotext not found: apt-get install poppler-utils")
        text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                                  text=True, check=True).stdout)
        assert "2.5" in text and "4" in text and outcome in text
        assert all(c.name in text for c in picks[:2]), "the priorities the team voted for"
        assert "Director of innovation (fictional)" in text and "2027" in text and "January" in text
        assert not any(f"Member {i + 1} (fictional)" in text for i in range(6)), "no member named"

        desk.bring_to_front()
        desk.get_by_role("textbox", name="Label").fill("Autumn check-in (fictional)")
        desk.get_by_role("button", name="Start the follow-up session").click()
        shows(desk, "is ready for")
        later = store.sessions(SLUG)[-1]
        assert later.follows_session_id == session.id and later.label == "Autumn check-in (fictional)"

        # the follow-up's pages start from the marks agreed today
        again = members[0]
        again.goto(room.app("charting_your_path.ipynb", district=SLUG, session=later.id, code=later.join_code))
        wait_for_app(again, "Charting Your Path")
        again.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')].some(p => p.data && "
                                "p.data.some(t => (t.name || '').startsWith('Agreed last time')))", timeout=LOAD)
        traces = again.evaluate("[...document.querySelectorAll('.js-plotly-plot')][0].data"
                                ".filter(t => (t.name || '').startsWith('Agreed last time')).map(t => t.x)")
        assert traces and 2.5 in traces[0] and 4.0 in traces[0]

        # the server's console carried what a facilitator can act on, not the two harmless warnings of every start
        console = room.log.read_text(encoding="utf-8", errors="replace")
        assert "Kernel started" in console or "Voil" in console
        assert "is not trusted" not in console and "without encryption" not in console
        assert "dict-traits is deprecated" not in console
    finally:
        store.dispose()
        for page in (desk, projector, *members):
            page.context.close()
