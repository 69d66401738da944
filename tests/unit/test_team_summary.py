"""The team summary a team takes home: what it decided, in the guides' order, printable, no member identifiable."""

from __future__ import annotations

import datetime as dt
import html as htmlmod
import re
import shutil
import subprocess

import pytest

from tests.conftest import require
from workbook.content.errors import InvalidInput
from workbook.reports.team_summary import summary_html, summary_pdf

# a fictional team: five members (the default minimum group), names no real person has
MEMBERS = [("Quillon Marbleworth", "Teacher"), ("Ysolde Farthingale", "Principal / school leader"),
           ("Bramwell Odenkirk", "Teacher"), ("Perpetua Vanstraaten", "Central-office leader"),
           ("Cassius Ellingsworth", "Superintendent")]
REVIEW = dt.date(2027, 3, 15)
NOW = lambda member, spectrum: 1 + (member + spectrum) % 3  # noqa: E731 - member i's mark on spectrum j
ASPIRATION = lambda member, spectrum: 3 + (member + 2 * spectrum) % 3  # noqa: E731
PASTED = "<script>alert('x')</script><b>bold?</b>"


def text_of(page: str) -> str:
    """The page's visible words: tags dropped, entities decoded, whitespace collapsed."""
    body = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    body = re.sub(r"</?(strong|em|span|b|a)\b[^>]*>", "", body)  # inline tags join their words
    return re.sub(r"\s+", " ", htmlmod.unescape(re.sub(r"<[^>]+>", " ", body)))


def make_session(store, content, members=MEMBERS, *, synthetic=False, min_group=5, show_names=False,
                 agreed=True, plan=True):
    """A fictional district session with marks, agreed marks, notes, priorities and a plan; returns its handles."""
    store.create_district("quillby-usd", "Quillby Unified", schools=9, synthetic=synthetic)
    session = store.create_session("quillby-usd", "Spring retreat", dt.date(2027, 2, 20), min_group_size=min_group,
                                   show_authors=show_names)
    code = session.facilitator_code
    spectra = [s.id for s in content.spectra]
    people = [store.add_respondent(session.id, name, role) for name, role in members]
    for i, m in enumerate(people):
        for j, sid in enumerate(spectra):
            store.save_spectrum_mark(m, sid, "current", NOW(i, j))
            store.save_spectrum_mark(m, sid, "aspiration", ASPIRATION(i, j))
        store.save_note(session.id, "rg2.critical", spectra[i % 2], m)
        store.save_note(session.id, "rg2.p1", f"Answer {i}: it notices something", m)
    if agreed:
        store.save_team_mark(session, code, spectra[0], "current", 1.5)
        store.save_team_mark(session, code, spectra[0], "aspiration", 4.5)
        store.save_team_mark(session, code, spectra[1], "current", 3)
        store.save_team_mark(session, code, spectra[1], "aspiration", 3.5)
    store.save_note(session.id, "rg1.dv1", "Equity of access for every learner")
    store.save_outcome(session.id, 1, "Every student owns a learning plan by 2028")
    store.save_note(session.id, "rg2.t1", "Most aligned on pacing; least on locus of control")
    store.save_note(session.id, "rg2.o3", PASTED)
    store.save_note(session.id, "step1.qa", "Ratings cluster around on our way")
    layer = content.framework.layers[2]
    store.save_note(session.id, f"step1.{layer.id}.q2", "We changed grading twice in ten years")
    conditions = [c.id for c in content.conditions]
    for i, m in enumerate(people):
        for k, cid in enumerate(conditions):
            store.save_condition_rating(m, cid, 1 + (i + k) % 5)
        for cid in (conditions[3], conditions[7 + i % 2]):
            store.save_priority(m, cid, True)
    if plan:
        store.set_plan_areas(session, code, [conditions[3]])
        cid = conditions[3]
        store.save_note(session.id, f"plan.{cid}.end_state", "Teachers co-design units with students")
        store.save_note(session.id, f"plan.{cid}.challenge1", "Little common planning time")
        store.add_action_item(session, code, cid, "long", "Revise the master schedule", "next year",
                              "Director of scheduling")
        item = store.add_action_item(session, code, cid, "short", "Pilot co-design in two schools", "by June",
                                     "Assistant superintendent Orla Pennywhistle", review_on=REVIEW)
        done = store.add_action_item(session, code, cid, "short", "Survey teachers on planning time", "January",
                                     "Instructional coaches")
        store.update_action_item(session, code, done, done=True)
    return {"session": session, "people": people, "spectra": spectra, "conditions": conditions, "code": code,
            "item": item if plan else None}


@pytest.fixture()
def team(store, content):
    return make_session(store, content)


def test_the_summary_holds_what_the_team_decided_in_the_guides_order(store, content, team):
    page = summary_html(store, team["session"].id, content)
    words = text_of(page)
    s0, s1 = content.spectrum(team["spectra"][0]), content.spectrum(team["spectra"][1])
    cond = content.condition(team["conditions"][3])
    # the district and the session, then each guide in its order, each part with what the team recorded
    order = ["Quillby Unified", "Spring retreat", "20 February 2027",
             content.guides.guide_1.title, "Equity of access for every learner",
             "Every student owns a learning plan by 2028",
             content.guides.guide_2.title, s0.dimension, "Most aligned on pacing; least on locus of control",
             content.framework.step1.title, cond.name, "Ratings cluster around on our way",
             "We changed grading twice in ten years",
             content.framework.step2.title, "Teachers co-design units with students", "Little common planning time",
             "Pilot co-design in two schools", "Revise the master schedule"]
    where = [words.find(x) for x in order]
    assert -1 not in where, [x for x, i in zip(order, where) if i < 0]
    assert where == sorted(where), list(zip(order, where))
    # the agreed marks, with the gap toward its pole, in the table of the agreed marks
    agreed = re.search(r"<table class='agreed'>.*?</table>", page, re.S).group(0)
    row0 = text_of(re.search(rf"<tr><th scope='row'>{re.escape(htmlmod.escape(s0.dimension))}.*?</tr>", agreed,
                             re.S).group(0))
    assert " 1.5 " in row0 and " 4.5 " in row0 and f"3 toward {s0.right.plain_label}" in row0
    row1 = text_of(re.search(rf"<tr><th scope='row'>{re.escape(htmlmod.escape(s1.dimension))}.*?</tr>", agreed,
                             re.S).group(0))
    assert " 3 " in row1 and " 3.5 " in row1 and f"0.5 toward {s1.right.plain_label}" in row1
    # the widest agreed gap comes first
    widest = words[words.find("Widest gaps, as the team agreed"):]
    assert widest.find(s0.dimension) < widest.find(s1.dimension)
    # the critical gaps as the team view counts them: three members named the first spectrum, two the second
    critical = words[words.find("The most critical gap, as members see it"):]
    assert f"{s0.dimension}: 3 members" in critical and f"{s1.dimension}: 2 members" in critical
    # the priority with its votes: every member voted for the fourth condition
    prio = re.search(rf"<tr><th scope='row'>{re.escape(htmlmod.escape(cond.name))}</th>.*?</tr>", page).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", prio)
    assert cells[1] == str(len(MEMBERS)) and cells[-1] == "Yes"
    # each action with owner, timeline, review date and status, short-term first
    actions = re.search(r"<table class='actions'>.*?</table>", page, re.S).group(0)
    pilot = text_of(re.search(r"<tr><td[^>]*>[^<]*</td><td>Pilot co-design.*?</tr>", actions).group(0))
    assert "Assistant superintendent Orla Pennywhistle" in pilot and "by June" in pilot
    assert "15 March 2027" in pilot and "Open" in pilot
    survey = text_of(re.search(r"<tr><td[^>]*>[^<]*</td><td>Survey teachers.*?</tr>", actions).group(0))
    assert "Done" in survey and "—" in survey  # no review date set
    assert actions.find("Pilot co-design") < actions.find("Revise the master schedule")
    # the credit to The Learning Accelerator under CC BY 4.0, in the footer
    footer = page[page.find("<footer>"):]
    assert "The Learning Accelerator" in footer and "CC BY 4.0" in footer


def test_the_page_prints_on_letter_paper_without_colour_or_scripts(store, content, team):
    page = summary_html(store, team["session"].id, content)
    assert "size: letter" in page and "margin: 0.6in" in page
    assert re.search(r"tr[^{}]*\{[^}]*break-inside: avoid", page)  # no table row split across pages
    assert "<script" not in page.lower() and "plotly" not in page.lower()
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    # now and aspiration differ by shape, line and label, not only by colour
    assert "<circle" in svg and "<path d='M" in svg and "stroke-dasharray" in svg
    assert "Now (agreed)" in svg and "Aspiration (agreed)" in svg
    assert svg.count("<circle") == 2 + 1 and svg.count("Z' fill='#FFFFFF'") == 2 + 1  # two agreed + the legend's


def test_fewer_members_than_the_minimum_group_withholds_the_figures(store, content):
    team = make_session(store, content, MEMBERS[:3])  # three members, minimum group five
    page = summary_html(store, team["session"].id, content)
    words = text_of(page)
    cond = content.condition(team["conditions"][3])
    assert words.count("withheld: 3 members have taken part, fewer than the 5") >= 3
    # no members' median, no critical-gap counts, no votes
    assert "Widest gaps, members' median" not in words and "Members' median" not in words
    critical = words[words.find("The most critical gap"):words.find("Comparing pathways")]
    assert "withheld" in critical and not any(f"{s.dimension}:" in critical for s in content.spectra), critical
    assert "<table class='priorities'>" not in page
    # the team's own decisions stay: agreed marks, answers, the plan and its owners
    assert "<table class='agreed'>" in page and "Little common planning time" in page
    assert f"The team plans for: {cond.name}" in words and "Assistant superintendent Orla Pennywhistle" in words


def test_enough_members_shows_the_members_median(store, content, team):
    words = text_of(summary_html(store, team["session"].id, content))
    assert "Widest gaps, members' median" in words and "withheld" not in words


def test_before_the_team_agrees_the_members_median_pathway_is_shown(store, content):
    import statistics

    team = make_session(store, content, agreed=False)
    page = summary_html(store, team["session"].id, content)
    assert "<table class='agreed'>" not in page and "<svg" not in page
    assert "The team has not recorded agreed marks yet" in text_of(page)
    table = re.search(r"<table class='medians'>.*?</table>", page, re.S).group(0)
    for j, s in enumerate(content.spectra):
        now = statistics.median(NOW(i, j) for i in range(len(MEMBERS)))
        asp = statistics.median(ASPIRATION(i, j) for i in range(len(MEMBERS)))
        row = text_of(re.search(rf"<tr><th scope='row'>{re.escape(htmlmod.escape(s.dimension))}.*?</tr>", table,
                                re.S).group(0))
        assert f" {now:g} {asp:g} " in row, (s.dimension, row)


@pytest.mark.parametrize("show_names", [False, True])
def test_no_member_is_named_and_pasted_html_shows_as_text(store, content, show_names):
    team = make_session(store, content, show_names=show_names)
    page = summary_html(store, team["session"].id, content)
    for name, _role in MEMBERS:
        for part in name.split():
            assert part not in page, part
    assert "notices something" not in page  # members' own answers are not the team's
    assert "<script>alert" not in page and "<b>bold?</b>" not in page
    assert htmlmod.escape(PASTED, quote=False) in page.replace("&#x27;", "'")


def test_empty_sections_say_so(store, content):
    store.create_district("quillby-usd", "Quillby Unified", synthetic=True)
    session = store.create_session("quillby-usd", "First look", dt.date(2027, 1, 9))
    words = text_of(summary_html(store, session.id, content))
    for line in ("No team answers recorded yet.", "No desired outcomes listed yet.",
                 "The team has not recorded agreed marks yet", "No member has charted a pathway yet",
                 "No member has named the gap they find the most critical yet",
                 "No member has rated the conditions or picked a priority yet",
                 "No priority conditions have been planned yet"):
        assert line in words, line
    # a fictional district says so, on the page and in every page's running header
    assert "Fictional demo data" in words
    assert "(fictional demo data) · First look · Team summary" in summary_html(store, session.id, content)


def test_a_real_district_is_not_marked_fictional(store, content, team):
    page = summary_html(store, team["session"].id, content)
    assert "Fictional demo data" not in page and "fictional demo data" not in page


def test_free_text_cannot_leave_the_running_header(store, content):
    store.create_district("quillby-usd", "Quillby Unified")
    session = store.create_session("quillby-usd", 'Retreat"; } body { display: none } </style><script>x()</script>')
    page = summary_html(store, session.id, content)
    assert page.count("</style") == 1 and "<script" not in page
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    # the label stays one CSS string: its quote is escaped, so the rule after it is text, not a rule
    header = re.search(r'@top-left \{ content: ("(?:[^"\\]|\\.)*");', style).group(1)
    assert "Retreat\\22 ; } body { display: none }" in header


# ---------------------------------------------------------------- the PDF


def pdf_text(path) -> str:
    require(shutil.which("pdftotext") is not None, "pdftotext not found: apt-get install poppler-utils")
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", " ", done.stdout)


def have_chromium() -> None:
    from workbook.reports.batch import chromium

    try:
        chromium()
    except InvalidInput as exc:
        require(False, f"chromium not found: {exc}")


def test_the_pdf_holds_the_agreed_marks_a_priority_an_owner_and_a_review_date(store, content, team, tmp_path):
    have_chromium()
    target = summary_pdf(store, team["session"].id, tmp_path / "out" / "summary.pdf", content)
    assert target.read_bytes()[:5] == b"%PDF-"
    assert [p.name for p in target.parent.iterdir()] == ["summary.pdf"]  # nothing left beside it
    text = pdf_text(target)
    s0 = content.spectrum(team["spectra"][0])
    assert re.search(rf"{re.escape(s0.dimension)}.*?1\.5 4\.5 3 toward", text), text[:2000]
    assert content.condition(team["conditions"][3]).name in text
    assert "Pilot co-design in two schools Assistant superintendent Orla Pennywhistle by June 15 March 2027" in text
    assert "Page 1 of" in text and "CC BY 4.0" in text  # the running footer
    pages = int(re.search(r"Page 1 of (\d+)", text).group(1))
    assert pages <= 6, pages


def test_no_chromium_is_a_plain_error(store, content, team, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InvalidInput, match="printed with Chromium"):
        summary_pdf(store, team["session"].id, tmp_path / "summary.pdf", content)
    assert not (tmp_path / "summary.pdf").exists()


def test_write_summary_writes_a_page_or_refuses_other_files(store, content, team, tmp_path):
    from workbook.reports.team_summary import write_summary

    page = write_summary(store, team["session"].id, tmp_path / "team" / "summary.html", content)
    assert "Assistant superintendent Orla Pennywhistle" in page.read_text(encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"\.html or \.pdf"):
        write_summary(store, team["session"].id, tmp_path / "team" / "summary.docx", content)
    assert [p.name for p in (tmp_path / "team").iterdir()] == ["summary.html"]
