"""Team pathways, built in Python: facilitator code, member traces, anonymity, refresh, agreed marks, notes."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.helpers import names_chosen, page_text
from workbook.apps.team_pathways import TeamPathways, team_pathways
from workbook.demo import DEMO_MEMBERS, seed_demo
from workbook.store import Store


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The demo team, seeded once per module into a template database (seeding is the slow part)."""
    path = tmp_path_factory.mktemp("demo") / "workbook.sqlite"
    template = Store(f"sqlite:///{path}")
    codes = seed_demo(template)
    template.dispose()  # closes the last connection, which checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path, codes


@pytest.fixture()
def store(seeded, tmp_path):
    """Overrides conftest's empty store: a fresh copy of the seeded demo database per test."""
    target = tmp_path / "workbook.sqlite"
    shutil.copyfile(seeded[0], target)
    s = Store(f"sqlite:///{target}")
    yield s
    s.dispose()


@pytest.fixture()
def demo(store, seeded):
    codes = seeded[1]
    return {"district": codes["district"], "session": str(codes["session"]), "code": codes["facilitator"],
            "join": codes["code"], "session_id": codes["session"]}


def open_team(store, demo) -> TeamPathways:
    page = team_pathways(store, {k: demo[k] for k in ("district", "session", "code")})
    assert isinstance(page, TeamPathways), repr(page)
    return page


def figures_json(page) -> str:
    plots = [page.plot, page.align_now, page.roles_plot, page.gaps_plot, page.survey_plot]
    return "\n".join(json.dumps(p.figure.to_plotly_json(), default=str) for p in plots)


def each_member(page):
    """The pathway chart with each member's pathway shown (the team's spread is the default)."""
    page.show_members.value = True
    return page.plot.figure


def member_traces(fig):
    return [t for t in fig.data if t.name and t.name.endswith(("(now)", "(aspiration)"))]


def names(fig):
    return [t.name for t in fig.data]


# ---------------------------------------------------------------- access


def test_join_code_refused(store, demo):
    page = team_pathways(store, {"district": demo["district"], "session": demo["session"], "code": demo["join"]})
    assert not isinstance(page, TeamPathways)
    assert "facilitator's code" in repr(page)
    assert "Traceback" not in page_text(page)


@pytest.mark.parametrize("params", [{}, {"district": "example-usd"}, {"district": "example-usd", "code": "nope"},
                                    {"district": "nope", "code": "x"}])
def test_other_bad_links_refused(store, demo, params):
    page = team_pathways(store, params)
    assert not isinstance(page, TeamPathways)
    assert "role='alert'" in page_text(page)


def test_personal_token_does_not_open_the_team_view(store, demo):
    member = store.respondents(demo["session_id"])[0]
    page = team_pathways(store, {"district": demo["district"], "session": demo["session"], "me": member.token})
    assert not isinstance(page, TeamPathways)
    assert "facilitator's code" in repr(page)


def test_opens_with_facilitator_code(store, demo):
    page = open_team(store, demo)
    assert "Example Unified School District" in repr(page)
    assert "<strong>8 members</strong> have charted their pathways." in page.summary.value
    # the share link carries the join code, never the facilitator's
    text = page_text(page)
    assert f"code={demo['join']}" in text
    assert demo["code"] not in text


# ---------------------------------------------------------------- pathway chart


def test_pathway_chart_has_member_and_median_traces(store, demo):
    page = open_team(store, demo)
    fig = each_member(page)
    assert len(member_traces(fig)) == 2 * len(DEMO_MEMBERS)
    assert "Team median, now" in names(fig) and "Team median, aspiration" in names(fig)
    assert not any(n and n.startswith("Agreed") for n in names(fig))
    # the median trace is the median of the members' marks
    marks = store.spectrum_marks(demo["session_id"])
    median = marks.groupby("spectrum")["current"].median()
    med = next(t for t in fig.data if t.name == "Team median, now")
    for spectrum, x in zip(page.content.spectra, med.x):
        assert x == median[spectrum.id]


def test_the_team_view_opens_on_the_medians_and_the_middle_half_of_the_team(store, demo):
    page = open_team(store, demo)
    fig = page.plot.figure
    assert member_traces(fig) == [], "eighteen faint lines by default make a tangle a room cannot read"
    marks = store.spectrum_marks(demo["session_id"])
    dims = [s.dimension for s in page.content.spectra]
    for field, label in (("current", "now"), ("aspiration", "aspiration")):
        band = [t for t in fig.data if t.name == f"Middle half of the team, {label}"]
        assert len(band) == 1 and band[0].fill == "toself"
        xs, ys = list(band[0].x), list(band[0].y)
        q = marks.groupby("spectrum")[field].quantile([0.25, 0.75]).unstack()
        for s in page.content.spectra:  # the band runs down the lower quartiles and back up the upper ones
            lo, hi = q.loc[s.id, 0.25], q.loc[s.id, 0.75]
            assert xs[dims.index(s.dimension)] == pytest.approx(min(lo, hi - 0.08))
            assert xs[len(dims) + dims[::-1].index(s.dimension)] == pytest.approx(max(hi, lo + 0.08))
        assert ys == dims + dims[::-1]
    assert "Shaded bands" in page.pathway_note.value
    # each member's pathway is one click away, and back
    page.show_members.value = True
    assert len(member_traces(page.plot.figure)) == 2 * len(DEMO_MEMBERS)
    assert not [t for t in page.plot.figure.data if (t.name or "").startswith("Middle half")]
    assert "Thin lines: each member's pathway" in page.pathway_note.value
    page.show_members.value = False
    assert member_traces(page.plot.figure) == []


def test_names_hidden_by_default(store, demo):
    page = open_team(store, demo)
    labels = {t.name.rsplit(" (", 1)[0] for t in member_traces(each_member(page))}
    # the demo session shows no group under five: its eight members' roles (one to two each) are folded together
    assert labels == {f"Other roles {i}" for i in range(1, 9)}
    everything = page_text(page) + figures_json(page)
    for name, role in DEMO_MEMBERS:
        assert name not in everything
        assert name.split()[0] not in everything
        assert f"{role} " not in everything  # no role label, hover text or role chart
    # the members' answers are attributed by their group too
    assert "Other roles 1:" in page.answers.value


def _small_roles_session(store, min_group=5):
    """One superintendent and five teachers (fictional), every one of them charted."""
    store.create_district("roles-usd", "Roles USD (fictional)")
    session = store.create_session("roles-usd", "Round 1", min_group_size=min_group)
    for i, (name, role) in enumerate([("Sam Solo", "Superintendent")] + [(f"Teacher Person {i}", "Teacher leader")
                                                                         for i in range(5)]):
        member = store.add_respondent(session.id, name, role)
        store.save_spectrum_mark(member, "pace", "current", 1.0 if role == "Superintendent" else 4.0)
        store.save_spectrum_mark(member, "pace", "aspiration", 5.0 if role == "Superintendent" else 3.0)
        store.save_note(session.id, "rg2.q1", f"answer {i}", member)
    return session


def test_a_lone_superintendent_is_not_identifiable_by_role(store):
    session = _small_roles_session(store)
    page = team_pathways(store, {"district": "roles-usd", "session": str(session.id),
                                 "code": session.facilitator_code})
    assert isinstance(page, TeamPathways), repr(page)
    everything = page_text(page) + figures_json(page)
    assert "Superintendent" not in everything  # no label, hover text, role chart or role sentence
    labels = {t.name.rsplit(" (", 1)[0] for t in member_traces(each_member(page))}
    assert labels == {"Member 1", *(f"Teacher leader {i}" for i in range(1, 6))}
    # the role chart shows the only group large enough; the rule is said where roles are shown
    assert [t.name for t in page.roles_plot.figure.data if t.name == "Teacher leader"] == ["Teacher leader"]
    assert "No one is identifiable by role" in page.roles_text.value
    # team figures still count every member
    assert "<strong>6 members</strong> have charted" in page.summary.value


def test_with_a_group_of_one_allowed_every_role_shows(store):
    session = _small_roles_session(store, min_group=1)
    page = team_pathways(store, {"district": "roles-usd", "session": str(session.id),
                                 "code": session.facilitator_code})
    assert "Superintendent 1 (now)" in names(each_member(page))
    assert "Superintendent" in page.roles_text.value


def test_privacy_settings_are_fixed_once_members_join(store):
    store.create_district("new-usd", "New USD (fictional)")
    session = store.create_session("new-usd", "Round 1")
    params = {"district": "new-usd", "session": str(session.id), "code": session.facilitator_code}
    page = team_pathways(store, params)
    assert not page.show_names.disabled and not page.min_group.disabled
    page.min_group.value = 3
    assert store.session(session.id).min_group_size == 3
    store.add_respondent(session.id, "First Member", "Teacher leader")
    page.refresh()
    assert page.show_names.disabled and page.min_group.disabled
    assert "no longer change" in page.settings_note.value


def test_names_shown_when_team_chooses(store, demo):
    names_chosen(store, demo["session_id"])
    page = open_team(store, demo)
    labels = {t.name.rsplit(" (", 1)[0] for t in member_traces(each_member(page))}
    assert labels == {name for name, _ in DEMO_MEMBERS}
    assert "Avery Example:" in page.answers.value


def test_show_names_picked_up_on_refresh(store, demo):
    page = open_team(store, demo)
    assert "Avery Example (now)" not in names(each_member(page))
    names_chosen(store, demo["session_id"])
    page.refresh()
    assert "Avery Example (now)" in names(each_member(page))


def test_refresh_picks_up_a_new_member(store, demo):
    page = open_team(store, demo)
    before = len(each_member(page).data)
    renders = page.plot.renders
    member = store.add_respondent(demo["session_id"], "Late Joiner", "Teacher")
    store.save_spectrum_mark(member, "pace", "current", 4.0)
    store.save_spectrum_mark(member, "pace", "aspiration", 2.0)
    # nothing changes until refresh
    assert "<strong>8 members</strong>" in page.summary.value
    page.refresh()
    assert "<strong>9 members</strong> have charted their pathways." in page.summary.value
    assert len(each_member(page).data) == before + 2
    assert "Other roles 9 (now)" in names(each_member(page))
    assert page.plot.renders > renders
    new = next(t for t in each_member(page).data if t.name == "Other roles 9 (now)")
    dims = [s.dimension for s in page.content.spectra]
    assert new.x[dims.index("Pace")] == 4.0


def test_refresh_button_refreshes(store, demo):
    page = open_team(store, demo)
    store.add_respondent(demo["session_id"], "No Marks Yet", "Other")
    page.refresh_button.click()
    # joined but not charted: counted as a member, not as a pathway
    assert "<strong>8 members</strong> have charted their pathways; 1 more has joined." in page.summary.value
    assert len(member_traces(each_member(page))) == 16


def test_small_team_notice(store):
    store.create_district("small-usd", "Small (fictional)")
    session = store.create_session("small-usd", "Round 1", min_group_size=5)
    page = team_pathways(store, {"district": "small-usd", "session": str(session.id),
                                 "code": session.facilitator_code})
    assert isinstance(page, TeamPathways), repr(page)
    assert "Nobody has joined yet" in page.summary.value
    assert "at least 5" in page.summary.value
    assert member_traces(each_member(page)) == []
    assert "Nobody has charted" in json.dumps(page.plot.figure.to_plotly_json()["layout"]["annotations"])


# ---------------------------------------------------------------- agreed marks


def test_agreed_slider_saves_team_mark_and_draws_markers(store, demo):
    page = open_team(store, demo)
    assert store.team_marks(demo["session_id"]).empty
    assert len(page.agreed) == 14
    assert all(sl.value is None for sl in page.agreed)
    now_pace = next(sl for sl in page.agreed if sl.spectrum_id == "pace" and sl.field == "current")
    now_pace.value = 2.5
    rows = store.team_marks(demo["session_id"]).set_index("spectrum")
    assert rows.loc["pace", "current"] == 2.5
    assert rows["aspiration"].isna().all()
    fig = page.plot.figure
    assert "Agreed now" in names(fig) and "Agreed aspiration" in names(fig)
    agreed_now = next(t for t in fig.data if t.name == "Agreed now")
    assert agreed_now.mode == "markers"
    dims = [s.dimension for s in page.content.spectra]
    assert agreed_now.x[dims.index("Pace")] == 2.5
    assert sum(x is not None for x in agreed_now.x) == 1

    asp = next(sl for sl in page.agreed if sl.spectrum_id == "pace" and sl.field == "aspiration")
    asp.value = 4.0
    assert store.team_marks(demo["session_id"]).set_index("spectrum").loc["pace", "aspiration"] == 4.0
    assert store.team_marks(demo["session_id"]).set_index("spectrum").loc["pace", "current"] == 2.5
    assert "All changes saved" in page.saver.status.value


def test_agreed_marks_shown_when_reopened(store, demo):
    page = open_team(store, demo)
    page.agreed[0].value = 3.5
    again = open_team(store, demo)
    assert again.agreed[0].value == 3.5
    assert all(sl.value is None for sl in again.agreed[1:])
    # reopening writes nothing more
    assert len(store.team_marks(demo["session_id"])) == 1


def test_forged_agreed_value_refused(store, demo):
    import traitlets

    page = open_team(store, demo)
    with pytest.raises(traitlets.TraitError):
        page.agreed[0].value = 7
    assert store.team_marks(demo["session_id"]).empty


# ---------------------------------------------------------------- notes and answers


def test_team_questions_save_team_notes(store, demo):
    page = open_team(store, demo)
    areas = [box.children[1] for box in page.team_notes]
    assert [a.question_id for a in areas] == ["rg2.t1", "rg2.t2", "rg2.o1", "rg2.o2", "rg2.o3"]
    before = store.notes(demo["session_id"])
    before = set(before[before["respondent_id"] == 0]["question_id"])
    areas[0].value = "Most aligned on pace."
    areas[4].value = "Sharing learning matters most."
    notes = store.notes(demo["session_id"])
    team = notes[notes["respondent_id"] == 0].set_index("question_id")
    assert team.loc["rg2.t1", "text"] == "Most aligned on pace."
    assert team.loc["rg2.o3", "text"] == "Sharing learning matters most."
    assert set(team.index) - before == {"rg2.t1", "rg2.o3"}
    # reopened, the team's answers are there
    again = open_team(store, demo)
    assert again.team_notes[0].children[1].value == "Most aligned on pace."


def test_members_answers_are_escaped(store, demo):
    member = store.respondents(demo["session_id"])[3]
    store.save_note(demo["session_id"], "rg2.p3", "<script>alert(1)</script>", member)
    page = open_team(store, demo)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.answers.value
    assert "<script>" not in page.answers.value
    # the seeded answers are listed under their questions; the team's own notes are not members' answers
    assert "We lean central" in page.answers.value
    page.team_notes[0].children[1].value = "team answer"
    store.save_note(demo["session_id"], "rg2.p1", "team-level text")
    page.refresh()
    assert "team-level text" not in page.answers.value


def test_session_create_sets_the_privacy_settings_before_anyone_joins(tmp_path, capsys):
    from workbook import cli

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert cli.main(["--db", url, "district", "create", "cli-usd", "--name", "CLI USD (fictional)"]) == 0
    assert cli.main(["--db", url, "session", "create", "cli-usd", "--label", "Named", "--min-group", "3",
                     "--show-names"]) == 0
    assert cli.main(["--db", url, "session", "create", "cli-usd", "--label", "Default"]) == 0
    capsys.readouterr()
    db = Store(url)
    by_label = {s.label: s for s in db.sessions("cli-usd")}
    assert (by_label["Named"].min_group_size, by_label["Named"].show_authors) == (3, True)
    assert (by_label["Default"].min_group_size, by_label["Default"].show_authors) == (5, False)
    db.dispose()


def test_the_critical_gaps_members_named_are_counted(store, demo):
    members = store.respondents(demo["session_id"])
    for member, spectrum in zip(members, ["pace", "pace", "sharing_learning"]):
        store.save_note(demo["session_id"], "rg2.critical", spectrum, member)
    page = open_team(store, demo)
    text = page.critical_text.value
    assert "<strong>Pace</strong>: 2 members" in text and "<strong>Sharing Learning</strong>: 1 member<" in text
    assert text.index("Pace") < text.index("Sharing Learning")


def test_agreement_and_role_differences_cover_aspiration_and_gap(store):
    session = _small_roles_session(store, min_group=1)
    page = team_pathways(store, {"district": "roles-usd", "session": str(session.id),
                                 "code": session.facilitator_code})
    # Pace: now 1, 4, 4, 4, 4, 4 (IQR 0, range 3: split); aspiration 5, 3 x5 (IQR 0, range 2: close);
    # gap 4, -1 x5 (IQR 0, range 5: split)
    text = page.agreement.value
    assert "<th scope='row'>Pace</th><td class=''>split</td><td class='wb-ok'>close agreement</td>" in text
    assert "The numbers behind the words" in text and "0 / 3" in text
    assert "On where the system should be: most on <strong>Pace</strong> (Teacher leader 3, Superintendent 5)" \
        in page.roles_text.value
    assert "On how far it has to go: most on <strong>Pace</strong> (Teacher leader -1, Superintendent 4)" \
        in page.roles_text.value


def test_survey_figures_beside_each_spectrum_with_the_surveys_wording(store, demo, content):
    page = open_team(store, demo)
    text = page.survey_text.value
    loc = next(r for r in content.survey if r.spectrum == "locus_of_control")
    assert f"<td>{loc.top_priority:g}%</td><td>{loc.devoted_resources:g}%</td>" in text
    assert "86 respondents, leaders of school systems" in text
    assert "86 systems" not in page_text(page)


def test_the_store_keeps_the_privacy_promise_members_joined_under(store):
    import pytest

    from workbook.content.errors import InvalidInput

    store.create_district("promise-usd", "Promise Unified (fictional)")
    session = store.create_session("promise-usd", "Round 1")
    assert store.update_session(session.id, show_authors=True, min_group_size=3).show_authors  # nobody joined yet
    store.add_respondent(session.id, "Sam Fictional", "Teacher")
    with pytest.raises(InvalidInput, match="joined under its privacy settings.*no longer change"):
        store.update_session(session.id, show_authors=False)
    with pytest.raises(InvalidInput, match="Start a new session"):
        store.update_session(session.id, min_group_size=5)
    kept = store.session(session.id)
    assert kept.show_authors and kept.min_group_size == 3  # nothing was written
    assert store.update_session(session.id, show_authors=True).show_authors  # the same value is no change


def test_a_lone_superintendent_is_not_identifiable_in_what_leaves_the_team(store, tmp_path):
    """The coach's network overview shows district medians only: no role, no name, however small the group."""
    import json as _json

    from workbook.apps.network_overview import network_overview
    from workbook.widgets.chart import figure_json

    _small_roles_session(store)
    overview = network_overview(store, {"code": store.coach_code(), "district": "roles-usd"})
    assert "roles-usd" in overview.pathways.index  # six members charted: the district is in the network
    shown = page_text(overview) + "\n".join(_json.dumps(figure_json(p.figure), default=str)
                                             for p in (overview.plot, overview.movement))
    assert "Superintendent" not in shown and "Sam Solo" not in shown


# ---------------------------------------------------------------- what the team is asked to look at


def test_the_guides_instruction_is_shown_as_one_not_as_a_question_without_answers(store, demo, content):
    from html import escape

    instruction = next(q for q in content.guides.guide_2.section("pathway").questions if q.kind == "instruction")
    member = store.respondents(demo["session_id"])[0]
    store.save_note(demo["session_id"], f"rg2.{instruction.id}", "an old typed answer", member)
    page = open_team(store, demo)
    answers = page.answers.value
    assert escape(instruction.text) in answers  # the guide's words, as the instruction
    assert f"<h3>{escape(instruction.text)}</h3>" not in answers  # not a question heading
    assert "an old typed answer" not in answers  # no answer list under it
    # the questions keep their answers: one "No answers yet" at most, never for the instruction
    after = answers.split(escape(instruction.text), 1)[1]
    nxt = after.split("<h3>", 1)
    assert "No answers yet" not in nxt[0]
    questions = [q for q in content.guides.guide_2.section("pathway").questions if q.kind == "question"]
    assert answers.count("<h3>") == len(questions)


def test_the_desired_outcomes_and_the_pathway_sit_with_the_last_questions(store, demo, content):
    page = open_team(store, demo)
    outcomes = store.desired_outcomes(demo["session_id"])
    assert outcomes  # the demo team listed two
    for text in outcomes:
        assert text in page.outcomes.value
    # in the card that asks the team to think back, above the three questions
    section = next(c for c in page.children if page.team_notes[2] in getattr(c, "children", ()))
    kids = list(section.children)
    assert kids.index(page.outcomes) < kids.index(page.outcomes_plot) < kids.index(page.team_notes[2])
    # the visual: the team's pathway, its median and the marks it agreed
    fig = page.outcomes_plot.figure
    assert {"Team median, now", "Team median, aspiration"} <= set(names(fig))
    assert not member_traces(fig)
    page.agreed[0].value = 2.0
    assert "Agreed now" in names(page.outcomes_plot.figure)
    # a later outcome shows on refresh
    store.save_outcome(demo["session_id"], 3, "Families see their child's goals each week.")
    page.refresh()
    assert "Families see their child&#x27;s goals each week." in page.outcomes.value


def test_no_outcomes_yet_points_to_laying_the_foundation(store, content):
    store.create_district("blank-usd", "Blank USD (fictional)")
    session = store.create_session("blank-usd", "Round 1")
    page = team_pathways(store, {"district": "blank-usd", "session": str(session.id),
                                 "code": session.facilitator_code})
    assert "No desired outcomes recorded yet" in page.outcomes.value
    assert content.guides.guide_1.title in page.outcomes.value


@pytest.mark.parametrize("m", [2, 3, 5, 7])
def test_the_privacy_sentence_says_what_the_numbers_mean(m):
    from workbook.html.team import privacy_choices

    text = privacy_choices(m, False)
    assert f"With {m}, a role needs {m} members to be shown by itself" in text
    assert f"team figures appear in reports once {m} have marked" in text
    assert f"the team needs at least {2 * m} members" in text
    # a cabinet of 6-10 with one or two people in each role: no role shown alone from three on
    assert ("no role by itself" in text) == (m >= 3)
    assert ("each role of two by itself" in text) == (m == 2)
    assert "Names hidden" in text and "Names shown" not in text


def test_the_privacy_sentence_with_a_group_of_one_and_names():
    from workbook.html.team import privacy_choices

    text = privacy_choices(1, True)
    assert "every role is shown by itself" in text and "a role needs" not in text
    assert "Names shown" in text


def test_the_settings_say_what_they_mean_before_anyone_joins(store):
    store.create_district("new-usd", "New USD (fictional)")
    session = store.create_session("new-usd", "Round 1")
    page = team_pathways(store, {"district": "new-usd", "session": str(session.id),
                                 "code": session.facilitator_code})
    assert "With 5, a role needs 5 members to be shown by itself" in page.settings_note.value
    assert "at least 10 members" in page.settings_note.value
    page.min_group.value = 3
    assert "With 3, a role needs 3 members" in page.settings_note.value
    assert "With 5" not in page.settings_note.value
    page.show_names.value = True
    assert "Names shown" in page.settings_note.value


# ---------------------------------------------------------------- a follow-up session


def _follow_up(store):
    import datetime as dt

    store.create_district("again-usd", "Again USD (fictional)")
    first = store.create_session("again-usd", "Spring retreat", dt.date(2026, 3, 2))
    store.save_team_mark(first, first.facilitator_code, "pace", "current", 2.0)
    store.save_team_mark(first, first.facilitator_code, "pace", "aspiration", 4.5)
    later = store.create_session("again-usd", "Autumn check-in", dt.date(2026, 10, 1), follows=first.id)
    return first, later


def test_a_follow_up_starts_from_the_marks_agreed_last_time(store):
    first, later = _follow_up(store)
    page = team_pathways(store, {"district": "again-usd", "session": str(later.id),
                                 "code": later.facilitator_code})
    fig = page.plot.figure
    # one muted pathway, named as on a member's chart: now's run, a gap, then the aspiration's
    last = [t for t in fig.data if (t.name or "").startswith("Agreed last time")]
    assert [t.name for t in last] == ["Agreed last time (Spring retreat, 2 March 2026)"]
    points = [(x, y) for x, y in zip(last[0].x, last[0].y) if x is not None]
    assert points == [(2.0, "Pace"), (4.5, "Pace")]
    assert "(now)" in " ".join(last[0].text) and "(should be)" in " ".join(last[0].text)
    assert "Agreed last time (Spring retreat, 2 March 2026)" in page.last_time.value
    assert "now 2 · should be 4.5" in page.last_time.value
    # this session's agreed marks appear beside them as they are recorded
    next(sl for sl in page.agreed if sl.spectrum_id == "pace" and sl.field == "current").value = 3.0
    assert "now 3 · should be —" in page.last_time.value
    # the first session is no follow-up: no lines, no column
    first_page = team_pathways(store, {"district": "again-usd", "session": str(first.id),
                                       "code": first.facilitator_code})
    assert not any((t.name or "").startswith("Agreed last time") for t in first_page.plot.figure.data)
    assert first_page.last_time.value == ""
