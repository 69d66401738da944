"""District reports: parameters, the report's sections and privacy, the batch runner, papermill's command line."""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import re
import shutil
from html import escape
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa

from tests.helpers import failure_text, names_chosen, run_papermill
from workbook import cli
from workbook.content.errors import InvalidInput, ReportError
from workbook.demo import DEMO_MEMBERS, DEMO_NAME, DEMO_SLUG, seed_demo, seed_network
from workbook.reports import batch as reports
from workbook.reports.district_report import PLOTLY_MIME, ReportDisplay, check_parameters, render_report, report
from workbook.store import Store, now
from workbook.store.schema import tables as t

ROOT = Path(__file__).resolve().parents[2]
REPORT_NB = ROOT / "notebooks" / "district_report.ipynb"
FAULTS_NB = ROOT / "tests" / "fixtures" / "notebooks" / "report_faults.ipynb"
# the first line of every plotly.js bundle (full, basic, cartesian)
BUNDLE_BANNER = "* plotly.js "
CHART = 'class="plotly-graph-div"'
NETWORK = ["network-0001", "network-0002", "network-0003"]
ALL = [DEMO_SLUG, *NETWORK]
SECTIONS = ["Team pathway", "Alignment and roles", "Compared with the national survey", "Conditions for scale",
            "The team's written answers"]


# ------------------------------------------------------------ check_parameters

def test_check_parameters_accepts_the_four_names():
    got = check_parameters(district="example-usd", session="12", compare_session=3, anonymize=False)
    assert got == {"district": "example-usd", "session": 12, "compare_session": 3, "anonymize": False}


@pytest.mark.parametrize("value", ["sqlite:///x.sqlite", None])
def test_db_url_is_not_a_parameter(value):
    # papermill writes every parameter into the output notebook: a URL with a password would travel with it
    with pytest.raises(InvalidInput, match="db_url is not a report parameter.*WORKBOOK_DB_URL"):
        check_parameters(district="example-usd", db_url=value)


@pytest.mark.parametrize(("given", "expected"), [(None, None), ("", None), (7, 7), ("7", 7), (" 42 ", 42)])
@pytest.mark.parametrize("name", ["session", "compare_session"])
def test_check_parameters_session_values(name, given, expected):
    assert check_parameters(district="a", **{name: given})[name] == expected


def test_check_parameters_refuses_unknown_names():
    with pytest.raises(InvalidInput, match="evil"):
        check_parameters(district="example-usd", evil=1)


@pytest.mark.parametrize("slug", ["../x", "/abs", "a\x00", "é", "x" * 65, "", None, "A", "-a", "a-", "a/b", "a.b",
                                  "a\n", 3, ["a"]])
def test_check_parameters_refuses_bad_slugs(slug):
    with pytest.raises(InvalidInput, match="not a valid district slug"):
        check_parameters(district=slug)


def test_check_parameters_longest_slug():
    assert check_parameters(district="x" * 64)["district"] == "x" * 64


@pytest.mark.parametrize("value", [[1], {"a": 1}, True, False, "abc", "1.5", 1.5, "-1", "1e3", "3 4"])
@pytest.mark.parametrize("name", ["session", "compare_session"])
def test_check_parameters_refuses_other_session_values(name, value):
    with pytest.raises(InvalidInput, match=f"Report parameter {name} "):
        check_parameters(district="example-usd", **{name: value})


@pytest.mark.parametrize("value", ["²", "³", "¹²"])
@pytest.mark.parametrize("name", ["session", "compare_session"])
def test_check_parameters_refuses_superscript_digits(name, value):
    # '²'.isdigit() is True but int('²') raises ValueError: it must be refused like 'abc', as InvalidInput
    with pytest.raises(InvalidInput, match=f"Report parameter {name} "):
        check_parameters(district="example-usd", **{name: value})


@pytest.mark.parametrize(("name", "value"), [("anonymize", "yes"), ("anonymize", 1)])
def test_check_parameters_refuses_other_flags(name, value):
    with pytest.raises(InvalidInput, match=name):
        check_parameters(district="example-usd", **{name: value})


# ------------------------------------------------------------ the report on a demo store

@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The demo team plus a small fictional network (3 districts x 6 members x 2 sessions), seeded once."""
    path = tmp_path_factory.mktemp("reports") / "workbook.sqlite"
    s = Store(f"sqlite:///{path}")
    seed_demo(s)
    assert seed_network(s, districts=3, members=6, sessions=2) == 3
    s.dispose()  # checkpoints the WAL into the file, so a plain copy is complete
    return path


def copy_store(template: Path, folder: Path) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "workbook.sqlite"
    shutil.copyfile(template, target)
    return Store(f"sqlite:///{target}")


@pytest.fixture()
def db(template, tmp_path):
    s = copy_store(template, tmp_path / "db")
    yield s
    s.dispose()


@pytest.fixture(scope="module")
def demo_html(template) -> str:
    return render_report(DEMO_SLUG, db_url=f"sqlite:///{template}")


@pytest.fixture()
def env_store(template, monkeypatch):
    """The store as a notebook's kernel finds it: named by WORKBOOK_DB_URL, never by a parameter."""
    monkeypatch.setenv("WORKBOOK_DB_URL", f"sqlite:///{template}")


def h2s(html_text: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", html_text)


def test_report_has_every_section(demo_html):
    heads = h2s(demo_html)
    for section in SECTIONS:
        assert section in heads, heads
    assert "Action plan" in heads  # the session's plan, not only the charts
    assert escape(DEMO_NAME) in demo_html
    assert "fictional demo data" in demo_html
    assert demo_html.count(CHART) == 6
    assert "Traceback" not in demo_html


def test_report_inlines_the_smallest_bundle_once_and_works_offline(demo_html):
    name, _path = reports.bundle_for({"scatter", "box", "heatmap", "bar"})
    assert demo_html.count(BUNDLE_BANNER) == 1
    assert demo_html.index(BUNDLE_BANNER) < demo_html.index(CHART)  # the bundle comes before the first chart
    assert not re.search(r"<script[^>]*\bsrc=", demo_html)
    if name != "plotly.min.js":  # the partial bundles are fetched (python -m workbook.assets)
        assert "plotly.js (cartesian - minified)" in demo_html
        assert len(demo_html.encode()) < 1_700_000


def test_report_object_for_the_notebook(env_store):
    rep = report(DEMO_SLUG)
    assert isinstance(rep, ReportDisplay)
    assert repr(rep) == f"<District report: {DEMO_SLUG}, session latest, 6 chart(s)>"
    charts = [data for data in rep.items if PLOTLY_MIME in data]
    assert len(charts) == 6
    for data in charts:  # plotly's own mime bundle: the figure's JSON and the workbook's chart config
        assert set(data) == {PLOTLY_MIME, "text/plain"} and data["text/plain"].startswith("<Chart: ")
        assert data[PLOTLY_MIME]["data"] and "layout" in data[PLOTLY_MIME]
        assert data[PLOTLY_MIME]["config"]["displaylogo"] is False
    assert all("text/html" in data for data in rep.items if PLOTLY_MIME not in data)
    assert "<style>" in rep.items[0]["text/html"]


def test_html_is_built_from_the_notebooks_figures(env_store):
    items = report(DEMO_SLUG).items
    items[2][PLOTLY_MIME]["layout"]["title"]["text"] = "A title changed in the notebook"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
        nbformat.v4.new_output("display_data", data=data) for data in items])])
    page = reports.notebook_html(nb, "District report")
    assert page.count(CHART) == 6 and "A title changed in the notebook" in page
    assert page.count(BUNDLE_BANNER) == 1 and page.index(BUNDLE_BANNER) < page.index(CHART)


def test_shared_plotlyjs_is_written_once_and_referred_to(env_store, tmp_path):
    items = report(DEMO_SLUG).items
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
        nbformat.v4.new_output("display_data", data=data) for data in items])])
    page = reports.notebook_html(nb, "District report", "shared", tmp_path)
    name, path = reports.bundle_for({"scatter", "box", "heatmap", "bar"})
    assert f"<script src='{name}' charset='utf-8'></script>" in page
    assert BUNDLE_BANNER not in page and len(page.encode()) < 300_000
    assert (tmp_path / name).read_bytes() == path.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_bundle_for_picks_the_smallest_that_draws_the_traces():
    basic, _ = reports.bundle_for({"scatter", "bar"})
    cartesian, _ = reports.bundle_for({"scatter", "heatmap"})
    full, _ = reports.bundle_for({"scatter", "sankey"})
    assert full == "plotly.min.js"
    assert basic in ("plotly-basic.min.js", "plotly.min.js") and cartesian in ("plotly-cartesian.min.js",
                                                                                "plotly.min.js")


def test_plotlyjs_none_leaves_the_bundle_out(template):
    html_text = render_report(DEMO_SLUG, db_url=f"sqlite:///{template}", plotlyjs="none")
    assert BUNDLE_BANNER not in html_text
    assert html_text.count(CHART) == 6


def test_session_without_responses(db):
    db.create_district("quiet-usd", "Quiet USD")
    db.create_session("quiet-usd", "First meeting")
    html_text = render_report("quiet-usd", db_url=db.url)
    assert "Nobody in this session has charted a pathway yet" in html_text
    assert "Nobody has rated the conditions yet" in html_text
    assert "No written answers yet" in html_text
    assert CHART not in html_text and "Traceback" not in html_text


def test_district_without_a_session_fails(db):
    db.create_district("new-usd", "New USD")
    with pytest.raises(ReportError, match=r"District report for 'new-usd' \(latest session\): New USD has no "
                                          r"reflection session yet"):
        render_report("new-usd", db_url=db.url)


def test_unknown_district_fails_naming_it(template):
    with pytest.raises(ReportError) as info:
        render_report("nowhere", session=3, db_url=f"sqlite:///{template}")
    assert str(info.value) == ("District report for 'nowhere' (session 3): There is no district called 'nowhere' "
                               "in this workbook. Check the link you were given.")
    assert (info.value.district, info.value.session) == ("nowhere", 3)
    assert info.value.problem.startswith("There is no district called 'nowhere'")


def test_unknown_session_fails_naming_it(template):
    with pytest.raises(ReportError, match=rf"District report for '{DEMO_SLUG}' \(session 999999\): .*999999"):
        render_report(DEMO_SLUG, session=999999, db_url=f"sqlite:///{template}")


@pytest.mark.parametrize("district", ["../etc/passwd", "Bad Slug", "<script>"])
def test_bad_district_parameter_fails(template, district):
    with pytest.raises(ReportError, match="not a valid district slug"):
        render_report(district, db_url=f"sqlite:///{template}")


def test_superscript_session_fails_with_a_plain_message(template):
    # what `papermill ... -p session ²` gets: the workbook's message, not int()'s ValueError
    with pytest.raises(ReportError, match="Report parameter session must be a session number or empty, not '²'"):
        render_report(DEMO_SLUG, session="²", db_url=f"sqlite:///{template}")


def test_an_error_inside_a_section_names_the_section(env_store, monkeypatch):
    from workbook.reports import district_report

    def broken(rep):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(district_report, "SECTIONS", (district_report.title_section, broken))
    with pytest.raises(ReportError, match=rf"'{DEMO_SLUG}' \(latest session\): the 'broken' section failed: "
                                          r"ZeroDivisionError: division by zero") as info:
        district_report.parts(DEMO_SLUG, sections=district_report.SECTIONS)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_small_team_figures_are_withheld(db):
    db.create_district("small-usd", "Small USD")
    session = db.create_session("small-usd", "Round 1", min_group_size=5)
    for i in range(3):
        member = db.add_respondent(session.id, f"Small Member {i}", "Teacher leader")
        for sid in ("pace", "locus_of_control"):
            db.save_spectrum_mark(member, sid, "current", 2 + i)
            db.save_spectrum_mark(member, sid, "aspiration", 4)
        db.save_condition_rating(member, "visioning", 3)
        db.save_note(session.id, "rg2.p1", f"private thought number {i}", member)
    db.save_note(session.id, "rg2.p1", "what we agreed together")
    html_text = render_report("small-usd", db_url=db.url)
    assert "Fewer than 5 members have responded (3 so far)" in html_text
    heads = h2s(html_text)
    assert "Alignment and roles" not in heads and "Compared with the national survey" not in heads
    assert CHART not in html_text
    assert "private thought number" not in html_text
    assert "Small Member" not in html_text
    assert "what we agreed together" in html_text  # the team's own answer is not an individual's


def test_a_lone_superintendent_is_not_identifiable_by_role_in_the_report(db):
    db.create_district("roles-usd", "Roles USD (fictional)")
    session = db.create_session("roles-usd", "Round 1", min_group_size=5)
    for i, role in enumerate(["Superintendent"] + ["Teacher leader"] * 5):
        member = db.add_respondent(session.id, f"Roles Member {i}", role)
        for sid in ("pace", "locus_of_control"):
            db.save_spectrum_mark(member, sid, "current", 1 if role == "Superintendent" else 4)
            db.save_spectrum_mark(member, sid, "aspiration", 5 if role == "Superintendent" else 3)
        db.save_note(session.id, "rg2.p1", f"thought {i}", member)
    html_text = render_report("roles-usd", db_url=db.url)
    assert "Alignment and roles" in h2s(html_text)  # six members: the team's figures are shown
    assert "Superintendent" not in html_text  # but no role chart, label or hover text names the one superintendent
    assert "No one is identifiable by role" in html_text


def test_anonymized_report_shows_no_names_even_when_authors_are_shown(db):
    session = db.sessions(DEMO_SLUG)[-1]
    names_chosen(db, session.id)
    html_text = render_report(DEMO_SLUG, db_url=db.url, anonymize=True)
    for name, _role in DEMO_MEMBERS:
        assert name not in html_text
    assert re.search(r"(Superintendent|Other roles|Member) 1", html_text)  # members appear by role (or role group)


def test_named_report_when_the_team_chose_names(db):
    session = db.sessions(DEMO_SLUG)[-1]
    names_chosen(db, session.id)
    html_text = render_report(DEMO_SLUG, db_url=db.url, anonymize=False)
    assert "Avery Example: We lean central" in html_text
    assert "Blake Sample: Surprised how far apart" in html_text
    for name, _role in DEMO_MEMBERS:
        assert name in html_text  # every member labels a row of the conditions heat map


def test_names_stay_hidden_without_the_teams_choice(template):
    html_text = render_report(DEMO_SLUG, db_url=f"sqlite:///{template}", anonymize=False)
    for name, _role in DEMO_MEMBERS:
        assert name not in html_text


PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</script>", "javascript:alert(1)"]


def test_free_text_is_escaped(db):
    session = db.sessions(DEMO_SLUG)[-1]
    names_chosen(db, session.id)
    members = db.respondents(session.id)
    text = " ".join(PAYLOADS)
    db.save_note(session.id, "rg2.p1", "member: " + text, members[0])
    db.save_note(session.id, "rg2.p3", "team: " + text)
    db.save_outcome(session.id, 1, "outcome: " + text)
    db.update_respondent(members[1], name="<img src=x onerror=alert(2)>")
    db.save_note(session.id, "rg2.p1", "second member", members[1])
    for anonymize in (True, False):
        html_text = render_report(DEMO_SLUG, db_url=db.url, anonymize=anonymize)
        assert "<img src=x" not in html_text
        assert "<script>alert" not in html_text
        assert not re.search(r"(href|src)\s*=\s*['\"]?\s*javascript:", html_text, re.I)
        for prefix in ("member: ", "team: ", "outcome: "):
            assert escape(prefix + text) in html_text
        assert html_text.count("</script>") == html_text.count("<script")  # only real script tags close
    assert escape("<img src=x onerror=alert(2)>: second member") in html_text  # the named run


def test_compare_session_draws_the_change(template):
    url = f"sqlite:///{template}"
    s = Store(url)
    first, last = s.sessions("network-0001")
    other = s.sessions("network-0002")[0]
    s.dispose()
    html_text = render_report("network-0001", session=last.id, db_url=url, compare_session=first.id)
    assert "Change since Round 1" in h2s(html_text)
    assert "Round 2" in html_text
    without = render_report("network-0001", session=str(last.id), db_url=url)
    assert html_text.count(CHART) == without.count(CHART) + 1
    assert not any(h.startswith("Change since") for h in h2s(without))
    with pytest.raises(ReportError, match=f"Session {other.id} does not belong to Fictional District 0001"):
        render_report("network-0001", session=last.id, db_url=url, compare_session=other.id)


def test_compare_with_a_thin_session(db):
    thin = db.create_session(DEMO_SLUG, "Spring check-in")
    db.add_respondent(thin.id, "Only One", "Teacher leader")
    first = db.sessions(DEMO_SLUG)[0]
    html_text = render_report(DEMO_SLUG, session=first.id, db_url=db.url, compare_session=thin.id)
    assert "Change since Spring check-in" in html_text
    assert "too few responses to compare" in html_text


# ------------------------------------------------------------ output paths and selection

@pytest.mark.parametrize("slug", ["../x", "/abs", "..", ".", "a/../../b", "a\x00", "", "x" * 65, "A", "a\\b"])
def test_output_path_refuses_escaping_slugs(tmp_path, slug):
    with pytest.raises(InvalidInput):
        reports.output_path(tmp_path, slug)


def test_output_path_inside_the_folder(tmp_path):
    assert reports.output_path(tmp_path, "example-usd") == (tmp_path / "example-usd.html").resolve()


def test_shards_partition_the_districts(template):
    s = Store(f"sqlite:///{template}")
    try:
        assert [d.slug for d in reports.select(s)] == ALL
        for n in (1, 2, 3, 5):
            parts = [[d.slug for d in reports.select(s, shard=f"{i}/{n}")] for i in range(1, n + 1)]
            flat = [slug for part in parts for slug in part]
            assert sorted(flat) == ALL and len(flat) == len(set(flat)), (n, parts)
        assert [d.slug for d in reports.select(s, shard="1/2")] == [DEMO_SLUG, "network-0002"]
        assert [d.slug for d in reports.select(s, shard="2/2")] == ["network-0001", "network-0003"]
        assert [d.slug for d in reports.select(s, ["network-0003", "example-usd"], "2/2")] == ["network-0003"]
    finally:
        s.dispose()


@pytest.mark.parametrize("shard", ["0/2", "3/2", "2", "a/b", "1/0", "1/2/3", "-1/2", "/", "1/-2", "½/2"])
def test_bad_shard_is_refused(template, shard):
    s = Store(f"sqlite:///{template}")
    try:
        with pytest.raises(InvalidInput, match="--shard"):
            reports.select(s, shard=shard)
    finally:
        s.dispose()


def test_unknown_district_is_refused(template):
    s = Store(f"sqlite:///{template}")
    try:
        with pytest.raises(InvalidInput, match="nowhere"):
            reports.select(s, ["example-usd", "nowhere"])
    finally:
        s.dispose()


@pytest.mark.parametrize("extra", [["--shard", "3/2"], ["--district", "nowhere"], ["--district", "../x"],
                                   ["--notebook", "charting_your_path"], ["--notebook", "../x"]])
def test_cli_refuses_bad_selection(db, tmp_path, capsys, extra):
    out = tmp_path / "out"
    assert cli.main(["--db", db.url, "report", "--out", str(out), *extra]) == 2
    assert "workbook report:" in capsys.readouterr().err
    assert not (out / "index.html").exists()


# ------------------------------------------------------------ the batch

def html_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name != "index.html" and p.name.endswith(".html")}


@pytest.fixture(scope="module")
def batch(template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    s = copy_store(template, folder / "db")
    out = folder / "out"
    outcomes = reports.run_batch(s, out, workers=2, progress=False)
    s.dispose()
    return out, outcomes


def test_batch_writes_a_page_per_district(batch):
    out, outcomes = batch
    assert sorted(o.district for o in outcomes) == ALL
    assert all(o.status == "ok" and o.error == "" for o in outcomes), outcomes
    assert html_files(out) == {f"{slug}.html" for slug in ALL}
    assert {o.file for o in outcomes} == {f"{slug}.html" for slug in ALL}
    assert not list(out.glob("*.tmp"))


def test_batch_pages_are_full_offline_pages_with_charts(batch):
    out, _ = batch
    for slug in ALL:
        page = (out / f"{slug}.html").read_text(encoding="utf-8")
        assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
        assert "<title>District report: " in page
        # plotly.js once, from the folder, by a relative path (opens offline with the folder)
        sources = re.findall(r"<script[^>]*\bsrc='([^']*)'", page)
        assert len(sources) == 1 and "/" not in sources[0] and (out / sources[0]).is_file(), sources
        assert BUNDLE_BANNER not in page and len(page.encode()) < 300_000
        # the demo team also rated the conditions (two more charts); the network teams did not
        assert page.count(CHART) == (6 if slug == DEMO_SLUG else 4), slug
        assert "from workbook.reports.district_report import" not in page  # code cells are left out
        for section in SECTIONS:
            assert f"<h2>{section}</h2>" in page
        assert "Traceback" not in page
    assert escape(DEMO_NAME) in (out / f"{DEMO_SLUG}.html").read_text(encoding="utf-8")
    assert "Fictional District 0002" in (out / "network-0002.html").read_text(encoding="utf-8")


def test_batch_index_lists_each_district(batch):
    out, outcomes = batch
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "4 ready, 0 failed" in index
    for o in outcomes:
        assert f"<tr><td><a href='{o.file}'>{escape(o.name)}</a></td><td>{o.district}</td><td>ready</td>" in index
    assert "failed</strong>" not in index


def test_cli_report_exits_zero(db, tmp_path, capsys):
    out = tmp_path / "out"
    # the named districts, then the second of two slices of them: network-0003 alone (one kernel)
    argv = ["--db", db.url, "report", "--out", str(out), "--district", "network-0001", "--district", "network-0003",
            "--shard", "2/2"]
    assert cli.main(argv) == 0
    said = capsys.readouterr().out
    assert f"report: 1 of 1 report(s) written to {out}/" in said
    summary = json.loads((out / "summary.json").read_text())
    assert [(o["district"], o["status"], o["file"]) for o in summary] == [("network-0003", "ok", "network-0003.html")]
    assert html_files(out) == {"network-0003.html"}
    assert "Fictional District 0003" in (out / "index.html").read_text(encoding="utf-8")


BROKEN = "network-0002"
HEALTHY = "network-0003"


def break_district(store: Store, slug: str) -> None:
    """A mark for a spectrum the framework does not have, written behind the store's validation."""
    session = store.sessions(slug)[-1]
    member = store.respondents(session.id)[0]
    store.transaction(lambda c: c.execute(t.spectrum_marks.insert().values(
        respondent_id=member.id, spectrum_id="bogus", current=3.0, aspiration=4.0, updated_at=now())), write=True)
    count = store.transaction(lambda c: c.execute(sa.select(sa.func.count()).select_from(t.spectrum_marks)
                                           .where(t.spectrum_marks.c.spectrum_id == "bogus")).scalar())
    assert count == 1


@pytest.fixture(scope="module")
def broken_run(template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("broken")
    s = copy_store(template, folder / "db")
    break_district(s, BROKEN)
    url = s.url
    s.dispose()
    out = folder / "out"
    # the broken district and one healthy one (each district starts a kernel)
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        rc = cli.main(["--db", url, "report", "--out", str(out), "--notebooks", "--workers", "2", "--district", BROKEN,
                       "--district", HEALTHY])
    return url, out, rc, said.getvalue()


BROKEN_ERROR = (rf"ReportError: District report for '{BROKEN}' \(latest session\): the '[a-z ]+' section "
                r"failed: KeyError: 'bogus'")


def test_the_broken_data_breaks_that_report(broken_run):
    url = broken_run[0]
    with pytest.raises(ReportError, match=BROKEN_ERROR.removeprefix("ReportError: ")) as info:
        render_report(BROKEN, db_url=url)
    assert isinstance(info.value.__cause__, KeyError)


def test_a_failed_district_is_recorded_and_the_others_complete(broken_run):
    _, out, rc, said = broken_run
    assert rc == 1
    assert "report: 1 of 2 report(s) written" in said
    assert re.search(rf"FAILED {BROKEN}: cell \d+: {BROKEN_ERROR}", said), said
    outcomes = {o["district"]: o for o in json.loads((out / "summary.json").read_text())}
    assert sorted(outcomes) == [BROKEN, HEALTHY]
    bad = outcomes[BROKEN]
    assert bad["status"] == "failed" and bad["file"] is None
    assert re.fullmatch(rf"cell \d+: {BROKEN_ERROR}", bad["error"]), bad["error"]
    assert outcomes[HEALTHY]["status"] == "ok", outcomes[HEALTHY]
    assert (outcomes[HEALTHY]["notebook"], bad["notebook"]) == (f"{HEALTHY}.ipynb", None)
    assert html_files(out) == {f"{HEALTHY}.html"}
    assert sorted(p.name for p in out.glob("*.ipynb")) == [f"{HEALTHY}.ipynb"]
    assert not list(out.glob("*.tmp"))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "1 ready, 1 failed" in index
    row = re.search(rf"<tr><td>Fictional District 0002</td><td>{BROKEN}</td>(.*?)</tr>", index)
    assert row, index[-3000:]
    assert "<strong>failed</strong>" in row.group(1)
    assert escape(bad["error"]) in row.group(1)
    assert f"href='{BROKEN}.html'" not in index
    assert f"<a href='{HEALTHY}.html'>Fictional District 0003</a>" in index


# ------------------------------------------------------------ faults: errors, dead kernels, timeouts

def test_batch_survives_a_raise_a_dead_kernel_and_a_timeout(store, tmp_path, monkeypatch):
    # the pool forks, so the patched module global reaches the workers (the ok page below proves it)
    assert multiprocessing.get_start_method() == "fork"
    monkeypatch.setattr(reports, "NOTEBOOK", FAULTS_NB)
    kinds = ["ok", "raises", "dies", "slow"]
    for kind in kinds:
        store.create_district(f"fault-{kind}", f"Fault {kind}")
        store.create_session(f"fault-{kind}", "Round 1")
    out = tmp_path / "out"
    outcomes = {o.district: o for o in reports.run_batch(store, out, workers=2, timeout=10, progress=False)}
    assert sorted(outcomes) == sorted(f"fault-{k}" for k in kinds)
    ok = outcomes["fault-ok"]
    assert (ok.status, ok.file, ok.error) == ("ok", "fault-ok.html", "")
    assert "fixture report for fault-ok" in (out / "fault-ok.html").read_text(encoding="utf-8")
    reasons = {"raises": r"cell \d+: ValueError: boom", "dies": r".*kernel died.*",
               "slow": r"timed out: .*10 seconds.*"}
    for kind, pattern in reasons.items():
        o = outcomes[f"fault-{kind}"]
        assert o.status == "failed" and o.file is None, o
        assert re.fullmatch(pattern, o.error), o.error
        assert not (out / f"fault-{kind}.html").exists()
    assert outcomes["fault-slow"].seconds < 60
    assert html_files(out) == {"fault-ok.html"}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "1 ready, 3 failed" in index
    for kind in reasons:
        assert escape(outcomes[f"fault-{kind}"].error) in index


# ------------------------------------------------------------ kernels forked from the warm template

PROBE = """import os, sys
leftover = sorted(k for k in globals() if k.startswith("district_data"))
district_data_here = district
print(os.getpid(), os.getppid(), os.getcwd(), os.environ.get("WORKBOOK_PROBE"), leftover, "pandas" in sys.modules)
"""


@pytest.fixture()
def forked(tmp_path):
    """Run a small notebook twice through papermill with forked kernels; the template is stopped after."""
    import papermill as pm

    from workbook.reports.kernels import ForkingKernelManager
    from workbook.reports.kernels import ReportTemplate as Template

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('district = "x"', metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell(PROBE)],
                                  metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3"}})
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)

    def run(district: str) -> list[str]:
        done = pm.execute_notebook(str(path), None, parameters={"district": district}, kernel_name="python3",
                                   progress_bar=False, log_output=False, cwd=str(tmp_path),
                                   kernel_manager_class=ForkingKernelManager, shutdown_kernel="immediate")
        return "".join(done.cells[-1].outputs[0]["text"]).split(" ", 3)

    os.environ["WORKBOOK_PROBE"] = "seen"
    try:
        yield run, Template
    finally:
        os.environ.pop("WORKBOOK_PROBE", None)
        if Template._instance is not None:
            Template._instance.close()
            Template._instance = None


def test_each_run_gets_a_fresh_kernel_forked_from_the_template(forked, tmp_path):
    run, template = forked
    first = run("district-a")
    second = run("district-b")
    parent = str(template._instance.process.pid)
    assert first[1] == second[1] == parent  # forked by the template ...
    assert first[0] != second[0]  # ... a new process each time
    for out in (first, second):
        assert out[2] == str(tmp_path)  # the working directory and the environment jupyter_client asked for
        assert out[3].startswith("seen [] True")  # nothing left over from the other district; imports done
    for pid in (first[0], second[0]):  # killed once the notebook finished
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)


def test_template_never_runs_report_code(forked):
    run, template = forked
    run("district-a")
    pid = template._instance.process.pid
    # the template imported the report's modules but holds no store connection and runs no thread but its own
    assert len(os.listdir(f"/proc/{pid}/task")) == 1
    assert not any("sqlite" in os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd"))


# ------------------------------------------------------------ papermill's own command line

PAPERMILL_RUNS = {
    "demo": ["-p", "district", DEMO_SLUG],
    "small": ["-p", "district", "small-usd"],
    "unknown": ["-p", "district", "no-such-district"],
    "unknown-session": ["-p", "district", DEMO_SLUG, "-p", "session", "999999"],
    "bad-session": ["-p", "district", DEMO_SLUG, "-p", "session", "abc"],
    "broken": ["-p", "district", BROKEN],
    "db-url": ["-p", "district", DEMO_SLUG, "-p", "db_url", "sqlite:////tmp/elsewhere.sqlite"],
}


@pytest.fixture(scope="module")
def papermill_runs(template, tmp_path_factory):
    """The real ``python -m papermill`` runs, started side by side (each starts a kernel)."""
    folder = tmp_path_factory.mktemp("papermill")
    s = copy_store(template, folder / "db")
    break_district(s, BROKEN)
    s.create_district("small-usd", "Small USD")
    session = s.create_session("small-usd", "Round 1", min_group_size=5)
    for i in range(3):  # fewer than the minimum group: not a failure, the report says so
        member = s.add_respondent(session.id, f"Small Member {i}", "Teacher leader")
        s.save_spectrum_mark(member, "pace", "current", 2 + i)
    env = dict(os.environ, WORKBOOK_DB_URL=s.url)
    s.dispose()
    jobs = {key: (REPORT_NB, folder / f"{key}.ipynb", params) for key, params in PAPERMILL_RUNS.items()}
    return run_papermill(jobs, env, ROOT)  # two at a time: each starts a kernel


def report_outputs(nb: dict) -> list[dict]:
    """The report cell's outputs (the cell that calls ``report``)."""
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and "report(" in "".join(c["source"])]
    assert len(cells) == 1
    return cells[0]["outputs"]


def joined(data: dict) -> dict:
    return {k: "".join(v) if isinstance(v, list) else v for k, v in data.items()}


def no_errors(nb: dict) -> None:
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            assert o["output_type"] != "error", o
            assert "Traceback" not in json.dumps(o)


def failed_with(result, message: str) -> None:
    """papermill exited non-zero, wrote its failure banner, and the report cell holds the workbook's error."""
    rc, nb, stderr = result
    assert rc != 0, failure_text(stderr)
    assert "papermill-error-cell-tag" in nb["cells"][0]["metadata"].get("tags", [])
    assert "An Exception was encountered at" in "".join(nb["cells"][0]["source"])
    errors = [o for o in report_outputs(nb) if o["output_type"] == "error"]
    assert len(errors) == 1
    assert errors[0]["ename"] == "ReportError"
    assert re.fullmatch(message, errors[0]["evalue"]), errors[0]["evalue"]
    assert "ReportError" in stderr


def test_papermill_cli_demo_report(papermill_runs):
    rc, nb, stderr = papermill_runs["demo"]
    assert rc == 0, failure_text(stderr)
    no_errors(nb)
    outputs = report_outputs(nb)
    assert {o["output_type"] for o in outputs} == {"display_data"}
    charts = [joined(o["data"]) for o in outputs if PLOTLY_MIME in o["data"]]
    assert len(charts) == 6  # plotly's own output, which JupyterLab draws in a saved notebook
    html_text = "".join(joined(o["data"]).get("text/html", "") for o in outputs)
    assert escape(DEMO_NAME) in html_text and "<h2>Action plan</h2>" in html_text
    assert BUNDLE_BANNER not in json.dumps(nb)  # no plotly.js in the notebook: the charts are data
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and f'district = "{DEMO_SLUG}"' in "".join(injected[0]["source"])


def test_papermill_cli_small_group_is_a_report_not_a_failure(papermill_runs):
    rc, nb, stderr = papermill_runs["small"]
    assert rc == 0, failure_text(stderr)
    no_errors(nb)
    html_text = "".join(joined(o["data"]).get("text/html", "") for o in report_outputs(nb))
    assert "Fewer than 5 members have responded (3 so far)" in html_text
    assert not any(PLOTLY_MIME in o["data"] for o in report_outputs(nb))


def test_papermill_cli_unknown_district_fails(papermill_runs):
    failed_with(papermill_runs["unknown"], r"District report for 'no-such-district' \(latest session\): There is no "
                                           r"district called 'no-such-district' in this workbook\..*")


def test_papermill_cli_unknown_session_fails(papermill_runs):
    failed_with(papermill_runs["unknown-session"], rf"District report for '{DEMO_SLUG}' \(session 999999\): .*")


def test_papermill_cli_bad_session_fails(papermill_runs):
    failed_with(papermill_runs["bad-session"], rf"District report for '{DEMO_SLUG}' \(session abc\): Report "
                                               r"parameter session must be a session number or empty, not 'abc'\.")


def test_papermill_cli_error_inside_the_report_fails(papermill_runs):
    failed_with(papermill_runs["broken"], BROKEN_ERROR.removeprefix("ReportError: "))


def test_papermill_cli_store_is_the_environments_not_a_parameter(papermill_runs):
    # a stray -p db_url is not a parameter of the report: the store is still WORKBOOK_DB_URL's
    rc, nb, stderr = papermill_runs["db-url"]
    assert rc == 0 and "Passed unknown parameter: db_url" in stderr, failure_text(stderr)
    assert escape(DEMO_NAME) in "".join(joined(o["data"]).get("text/html", "") for o in report_outputs(nb))
    parameters = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert "db_url" not in "".join(parameters[0]["source"])
    for key in PAPERMILL_RUNS:  # no connection string in the other output notebooks' parameters or cells
        if key != "db-url":
            assert "sqlite:///" not in json.dumps(papermill_runs[key][1]), key


# ------------------------------------------------------------ executed notebooks kept beside the pages

def test_cli_notebooks_are_kept_with_plotly_outputs(db, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["--db", db.url, "report", "--out", str(out), "--district", DEMO_SLUG, "--notebooks"]) == 0
    nb = nbformat.read(out / f"{DEMO_SLUG}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.papermill.parameters == {"district": DEMO_SLUG, "session": None}
    charts = [o.data[PLOTLY_MIME] for c in nb.cells for o in c.get("outputs", []) if PLOTLY_MIME in o.get("data", {})]
    assert len(charts) == 6
    page = (out / f"{DEMO_SLUG}.html").read_text(encoding="utf-8")
    for spec in charts:  # the page is drawn from the very figures the notebook holds
        assert json.dumps(spec["layout"]["title"]["text"])[1:-1] in page
    assert db.url not in (out / f"{DEMO_SLUG}.ipynb").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text())
    assert summary[0]["notebook"] == f"{DEMO_SLUG}.ipynb" and summary[0]["bytes"] == len(page.encode())
    assert f"<a href='{DEMO_SLUG}.ipynb'>notebook</a>" in (out / "index.html").read_text(encoding="utf-8")


def test_cli_self_contained_inlines_the_smallest_bundle(db, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["--db", db.url, "report", "--out", str(out), "--district", "network-0001",
                     "--self-contained"]) == 0
    page = (out / "network-0001.html").read_text(encoding="utf-8")
    assert page.count(BUNDLE_BANNER) == 1 and not re.search(r"<script[^>]*\bsrc=", page)
    assert not list(out.glob("*.js"))
    if reports.bundle_for({"scatter", "box"})[0] != "plotly.min.js":
        assert len(page.encode()) < 1_700_000


def test_cli_runs_app_notebooks_per_district(db, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["--db", db.url, "report", "--out", str(out), "--district", DEMO_SLUG, "--notebooks",
            "--notebook", "team_pathways", "--notebook", "district_report"]
    assert cli.main(argv) == 0
    assert html_files(out) == {f"{DEMO_SLUG}.html", f"{DEMO_SLUG}.team_pathways.html"}
    assert sorted(p.name for p in out.glob("*.ipynb")) == [f"{DEMO_SLUG}.ipynb", f"{DEMO_SLUG}.team_pathways.ipynb"]
    team = (out / f"{DEMO_SLUG}.team_pathways.html").read_text(encoding="utf-8")
    assert "<title>Team pathways: " in team and team.count(CHART) == 4
    assert "<h2>Conditions for scale</h2>" not in team and "<h2>Alignment and roles</h2>" in team
    summary = json.loads((out / "summary.json").read_text())
    assert [(o["view"], o["status"], o["file"]) for o in summary] == [
        ("district_report", "ok", f"{DEMO_SLUG}.html"), ("team_pathways", "ok", f"{DEMO_SLUG}.team_pathways.html")]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"<a href='{DEMO_SLUG}.team_pathways.html'>{escape(DEMO_NAME)} · Team pathways</a>" in index


def test_cli_pdf_prints_each_page(db, tmp_path, capsys):
    from tests.conftest import require

    require(bool(shutil.which("chromium")) or Path("/usr/bin/chromium").exists(), "Chromium is not installed")
    out = tmp_path / "out"
    assert cli.main(["--db", db.url, "report", "--out", str(out), "--district", DEMO_SLUG, "--pdf"]) == 0
    data = (out / f"{DEMO_SLUG}.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 2  # paginated
    assert not list(out.glob(".*tmp*"))
    assert json.loads((out / "summary.json").read_text())[0]["pdf"] == f"{DEMO_SLUG}.pdf"
    assert f"<a href='{DEMO_SLUG}.pdf'>PDF</a>" in (out / "index.html").read_text(encoding="utf-8")


def test_cli_pdf_without_chromium_is_refused_before_anything_runs(db, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORKBOOK_CHROMIUM", str(tmp_path / "no-chromium"))
    out = tmp_path / "out"
    assert cli.main(["--db", db.url, "report", "--out", str(out), "--district", DEMO_SLUG, "--pdf"]) == 2
    assert "--pdf prints with Chromium, and none was found" in capsys.readouterr().err
    assert not (out / "index.html").exists()


def test_cli_unknown_session_is_a_failed_district(db, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["--db", db.url, "report", "--out", str(out), "--district", "network-0001",
                     "--session", "999999"]) == 1
    said = capsys.readouterr().out
    assert "report: 0 of 1 report(s) written" in said
    [bad] = json.loads((out / "summary.json").read_text())
    assert (bad["district"], bad["status"], bad["file"]) == ("network-0001", "failed", None)
    assert re.fullmatch(r"cell \d+: ReportError: District report for 'network-0001' \(session 999999\): .*999999.*",
                        bad["error"]), bad["error"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "0 ready, 1 failed" in index and "ready</td>" not in index
    assert html_files(out) == set()


def test_the_report_carries_the_critical_gaps_and_step_1_answers(db):
    session = db.sessions(DEMO_SLUG)[-1]
    members = db.respondents(session.id)
    for member in members[:3]:
        db.save_note(session.id, "rg2.critical", "sharing_learning", member)
    db.save_note(session.id, "step1.qa", "Talent systems stand out as least aligned.")
    html_text = render_report(DEMO_SLUG, db_url=db.url)
    assert "The most critical gap, as members see it" in html_text
    assert "<strong>Sharing Learning</strong>: 3 members" in html_text
    assert "Step 1: the team&#x27;s answers" in html_text or "Step 1: the team's answers" in html_text
    assert "Talent systems stand out as least aligned." in html_text


def test_papermill_reads_the_report_notebook_without_its_stored_outputs(tmp_path):
    source = tmp_path / "nb.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", execution_count=3, outputs=[
        nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=3)])])
    nbformat.write(nb, source)
    from papermill.iorw import load_notebook_node

    read = load_notebook_node(reports._stripped(source))
    assert read.cells[0].source == "1 + 1" and read.cells[0].outputs == [] and read.cells[0].execution_count is None
    nb.cells[0].source = "2 + 2"  # the file changes: read again
    nbformat.write(nb, source)
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 10**9))
    assert load_notebook_node(reports._stripped(source)).cells[0].source == "2 + 2"
    assert nbformat.read(source, as_version=4).cells[0].outputs, "the file itself keeps its outputs"
    with pytest.raises(OSError, match="only read"):
        reports.StrippedNotebooks.write("{}", reports._stripped(source))


def test_a_report_is_not_serialised_for_nothing_and_a_kept_notebook_still_is(tmp_path, monkeypatch):
    """papermill's final save of a notebook without a path is skipped; ``--notebooks`` still writes its copy."""
    import papermill.execute
    import papermill.iorw

    store = Store(f"sqlite:///{tmp_path / 'wb.sqlite'}")
    seed_demo(store)
    monkeypatch.setenv("WORKBOOK_DB_URL", store.url)
    monkeypatch.setattr(papermill.execute, "write_ipynb", papermill.iorw.write_ipynb)  # as papermill ships it
    calls = []
    real = nbformat.writes
    executed = lambda nb: any(c.get("outputs") for c in nb.cells)  # noqa: E731
    monkeypatch.setattr(nbformat, "writes", lambda nb, *a, **k: (executed(nb) and calls.append(len(nb.cells)))
                        or real(nb, *a, **k))
    out = tmp_path / "out"
    out.mkdir()
    done = reports.run_one(DEMO_SLUG, DEMO_NAME, None, str(out), 600)
    assert done.status == "ok", done.error
    assert calls == [], "the executed notebook was serialised although nothing keeps it"
    kept = reports.run_one(DEMO_SLUG, DEMO_NAME, None, str(out), 600, notebooks=True)
    assert kept.status == "ok" and len(calls) == 1
    copy = nbformat.reads((out / kept.notebook).read_text(), as_version=4)
    assert copy.cells[-1].outputs and copy.metadata.papermill.input_path == str(reports.NOTEBOOK)
    path = tmp_path / "saved.ipynb"  # a notebook with a path is still written by papermill itself
    papermill.execute.write_ipynb(nbformat.v4.new_notebook(), str(path))
    assert path.exists()


def test_a_kernel_that_never_answers_is_replaced_once_and_a_failing_report_is_not_run_twice(tmp_path, monkeypatch):
    """A report whose kernel never answered its first request is run again with a new kernel, once."""
    import papermill

    store = Store(f"sqlite:///{tmp_path / 'wb.sqlite'}")
    seed_demo(store)
    monkeypatch.setenv("WORKBOOK_DB_URL", store.url)
    real, calls = papermill.execute_notebook, []

    def flaky(*args, **kwargs):
        calls.append(kwargs["start_timeout"])
        if len(calls) == 1:
            raise RuntimeError("Kernel didn't respond in 30 seconds")
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    out = tmp_path / "out"
    out.mkdir()
    done = reports.run_one(DEMO_SLUG, DEMO_NAME, None, str(out), 600)
    assert done.status == "ok", done.error
    assert calls == [reports.START_TIMEOUT] * 2 and (out / done.file).exists()

    calls.clear()  # a kernel that never answers twice: the district fails and says why
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: calls.append(1) or (_ for _ in ()).throw(
        RuntimeError("Kernel didn't respond in 30 seconds")))
    failed = reports.run_one(DEMO_SLUG, DEMO_NAME, None, str(out), 600)
    assert failed.status == "failed" and len(calls) == 2 and "didn't respond" in failed.error
    assert "did not start" in failed.error and "run the batch again" in failed.error
    assert not (out / done.file).exists(), "an older run's page must not pass for this run's"

    calls.clear()  # a report that fails in a cell is never run twice
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: calls.append(1) or (_ for _ in ()).throw(
        RuntimeError("the store is down")))
    assert reports.run_one(DEMO_SLUG, DEMO_NAME, None, str(out), 600).status == "failed" and len(calls) == 1


def test_a_report_flushes_the_output_streams_once_and_displays_every_part_in_order(monkeypatch):
    """Each display in a kernel first flushes stdout and stderr (a wait on the output thread): once is enough."""
    import types

    import IPython
    import IPython.display

    class Publisher:  # as ipykernel's: every publish flushes the streams first
        def __init__(self, fail_at=None):
            self.flushes, self.shown, self.fail_at = 0, [], fail_at

        def _flush_streams(self):
            self.flushes += 1

        def publish(self, data):
            self._flush_streams()
            if len(self.shown) == self.fail_at:
                raise RuntimeError("the kernel went away")
            self.shown.append(data["text/plain"])

    shell = types.SimpleNamespace(display_pub=Publisher())
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setattr(IPython.display, "display", lambda data, raw: shell.display_pub.publish(data))
    items = [{"text/html": f"<p>{i}</p>", "text/plain": f"part {i}"} for i in range(4)]
    ReportDisplay(items, "r")._ipython_display_()
    pub = shell.display_pub
    assert pub.shown == ["part 0", "part 1", "part 2", "part 3"] and pub.flushes == 1
    assert "_flush_streams" not in vars(pub), "the publisher's own flush is back"
    shell.display_pub = pub = Publisher(fail_at=2)
    with pytest.raises(RuntimeError, match="went away"):
        ReportDisplay(items, "r")._ipython_display_()
    assert "_flush_streams" not in vars(pub) and pub.shown == ["part 0", "part 1"]


# ------------------------------------------------------------ a follow-up session, the plan's review dates, layers

def _team(db, session, n, spectra=("pace", "locus_of_control"), shift=0.0, prefix="Member"):
    for i in range(n):
        member = db.add_respondent(session.id, f"{prefix} {session.id}-{i}", "Teacher leader")
        for sid in spectra:
            db.save_spectrum_mark(member, sid, "current", 2 + shift + (i % 2) * 0.5)
            db.save_spectrum_mark(member, sid, "aspiration", 4)


def _follow_up(db, before_members=6, after_members=6):
    import datetime as dt

    db.create_district("again-usd", "Again USD (fictional)")
    first = db.create_session("again-usd", "Spring retreat", dt.date(2026, 3, 2), min_group_size=5)
    _team(db, first, before_members)
    later = db.create_session("again-usd", "Autumn check-in", dt.date(2026, 10, 1), follows=first.id)
    _team(db, later, after_members, shift=1.0)
    return first, later


def test_a_follow_up_is_compared_with_the_session_it_follows_by_default(db):
    first, later = _follow_up(db)
    html_text = render_report("again-usd", db_url=db.url)  # the latest session, no compare_session given
    assert "Change since Spring retreat" in h2s(html_text)
    assert "(the session this one follows up)" in html_text
    assert "follows up Spring retreat (2 March 2026)" in html_text
    # the movement in numbers: pace's median now moved from 2.25 to 3.25
    assert "2.25 → 3.25 (+1)" in html_text
    # the first session follows nothing up: nothing to compare
    earlier = render_report("again-usd", session=first.id, db_url=db.url)
    assert not any(h.startswith("Change since") for h in h2s(earlier))
    assert html_text.count(CHART) == earlier.count(CHART) + 1


def test_the_movement_withholds_a_session_below_its_minimum_group(db):
    first, later = _follow_up(db, before_members=3)
    html_text = render_report("again-usd", db_url=db.url)
    assert "Change since Spring retreat" in h2s(html_text)
    assert "too few responses to compare" in html_text and "Spring retreat needs at least 5" in html_text
    assert "How the team&#x27;s pathway moved" not in html_text and "→" not in html_text


def test_the_movement_withholds_a_spectrum_too_few_marked(db):
    first, later = _follow_up(db)
    _team(db, first, 3, spectra=("comprehensiveness",), prefix="Partial")  # three members more, one spectrum
    html_text = render_report("again-usd", session=later.id, compare_session=first.id, db_url=db.url)
    change = html_text.split("<h2>Change since Spring retreat</h2>", 1)[1]
    assert "2 median(s) marked by fewer members than their session's minimum group are not drawn" in change
    row = re.search(r"<th scope='row'>Comprehensiveness</th>(.*?)</tr>", change).group(1)
    assert row == "<td>—</td><td>—</td>"


def test_the_plan_shows_its_review_dates(db):
    import datetime as dt

    session = db.sessions(DEMO_SLUG)[-1]
    items = db.action_items(session.id)
    db.update_action_item(session, session.facilitator_code, int(items.iloc[0]["id"]), review_on=dt.date(2027, 1, 20))
    db.update_action_item(session, session.facilitator_code, int(items.iloc[1]["id"]), review_on="2027-01-20")
    html_text = render_report(DEMO_SLUG, db_url=db.url)
    plan = html_text.split("<h2>Action plan</h2>", 1)[1].split("<h2>", 1)[0]
    assert "<th scope='col'>Review on</th>" in plan and "20 January 2027" in plan
    assert "When the team looks again:</strong> 20 January 2027 (2 actions)." in plan


def test_the_layer_questions_answers_reach_the_report(db, content):
    session = db.sessions(DEMO_SLUG)[-1]
    layer = content.framework.layers[0]
    db.save_note(session.id, f"step1.{layer.id}.q2", "Coaches in every building by spring.")
    html_text = render_report(DEMO_SLUG, db_url=db.url)
    answers = html_text.split("<h2>The team's written answers</h2>", 1)[1]
    assert f"{escape(layer.name)}: reflection questions for teams" in answers
    assert escape(layer.questions[1].text, quote=False) in answers
    assert "Coaches in every building by spring." in answers


def test_the_guides_instruction_takes_no_answer_in_the_report(db, content):
    session = db.sessions(DEMO_SLUG)[-1]
    instruction = next(q for q in content.guides.guide_2.questions if q.kind == "instruction")
    db.save_note(session.id, f"rg2.{instruction.id}", "a stray note under the instruction")
    html_text = render_report(DEMO_SLUG, db_url=db.url)
    assert "a stray note under the instruction" not in html_text
