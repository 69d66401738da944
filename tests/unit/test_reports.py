"""District reports: parameters, the report's sections and privacy, the batch runner, papermill's command line."""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa

from workbook import cli, reports
from workbook.demo import DEMO_MEMBERS, DEMO_NAME, DEMO_SLUG, seed_demo, seed_network
from workbook.district_report import PLOTLYJS_MARKER, HTMLReport, check_parameters, render_report, report
from workbook.errors import InvalidInput
from workbook.schema import tables as t
from workbook.store import Store, now

ROOT = Path(__file__).resolve().parents[2]
REPORT_NB = ROOT / "notebooks" / "district_report.ipynb"
FAULTS_NB = ROOT / "tests" / "fixtures" / "notebooks" / "report_faults.ipynb"
# what fig.to_html(include_plotlyjs="inline") emits once, just before the plotly.js bundle
BUNDLE = "window.PlotlyConfig"
BUNDLE_BANNER = "* plotly.js v"
CHART = 'class="plotly-graph-div"'
NETWORK = ["network-0001", "network-0002", "network-0003"]
ALL = [DEMO_SLUG, *NETWORK]
SECTIONS = ["Team pathway", "Alignment and roles", "Compared with the national survey", "Conditions for scale",
            "The team's written answers"]


# ------------------------------------------------------------ check_parameters

def test_check_parameters_accepts_the_five_names():
    got = check_parameters(district="example-usd", session="12", db_url="sqlite:///x.sqlite", compare_session=3,
                           anonymize=False)
    assert got == {"district": "example-usd", "session": 12, "db_url": "sqlite:///x.sqlite", "compare_session": 3,
                   "anonymize": False}


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


@pytest.mark.parametrize(("name", "value"), [("anonymize", "yes"), ("anonymize", 1), ("db_url", 5)])
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
def no_bundle(monkeypatch):
    monkeypatch.setenv("WORKBOOK_REPORT_PLOTLYJS", "none")


def h2s(html_text: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", html_text)


def test_report_has_every_section(demo_html):
    heads = h2s(demo_html)
    for section in SECTIONS:
        assert section in heads, heads
    assert escape(DEMO_NAME) in demo_html
    assert "fictional demo data" in demo_html
    assert demo_html.count(CHART) == 6
    assert "Traceback" not in demo_html


def test_report_embeds_plotly_once_and_works_offline(demo_html):
    assert demo_html.count(BUNDLE) == 1
    assert demo_html.count(BUNDLE_BANNER) == 1
    assert demo_html.index(BUNDLE) < demo_html.index(CHART)  # the bundle comes before the first chart
    assert not re.search(r"<script[^>]*\bsrc=", demo_html)
    assert '<script src="http' not in demo_html and "<script src='http" not in demo_html


def test_report_object_for_the_notebook(template, no_bundle):
    rep = report(DEMO_SLUG, db_url=f"sqlite:///{template}")
    assert isinstance(rep, HTMLReport)
    assert repr(rep) == f"<District report: {DEMO_SLUG}, session latest, 6 chart(s)>"
    assert rep._repr_html_() == rep.html and rep.html.count(CHART) == 6


def test_plotlyjs_marker_leaves_a_marker_the_worker_fills_in(template, monkeypatch):
    monkeypatch.setenv("WORKBOOK_REPORT_PLOTLYJS", "marker")
    html_text = render_report(DEMO_SLUG, db_url=f"sqlite:///{template}")
    assert BUNDLE not in html_text and BUNDLE_BANNER not in html_text
    assert html_text.count(PLOTLYJS_MARKER) == 1
    assert html_text.index(PLOTLYJS_MARKER) < html_text.index(CHART)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": html_text, "text/plain": "report"})])])
    page = reports.notebook_html(nb, "District report")
    assert PLOTLYJS_MARKER not in page
    assert page.count(BUNDLE) == 1 and page.count(BUNDLE_BANNER) == 1
    assert page.index(BUNDLE) < page.index(CHART)
    # the same bundle, byte for byte, as plotly embeds inline
    monkeypatch.setenv("WORKBOOK_REPORT_PLOTLYJS", "inline")
    assert reports.plotlyjs_html() in render_report(DEMO_SLUG, db_url=f"sqlite:///{template}")


def test_plotlyjs_none_leaves_the_bundle_out(template, no_bundle):
    html_text = render_report(DEMO_SLUG, db_url=f"sqlite:///{template}")
    assert BUNDLE not in html_text and BUNDLE_BANNER not in html_text
    assert html_text.count(CHART) == 6


def test_session_without_responses(db, no_bundle):
    db.create_district("quiet-usd", "Quiet USD")
    db.create_session("quiet-usd", "First meeting")
    html_text = render_report("quiet-usd", db_url=db.url)
    assert "Nobody in this session has charted a pathway yet" in html_text
    assert "Nobody has rated the conditions yet" in html_text
    assert "No written answers yet" in html_text
    assert CHART not in html_text and "Traceback" not in html_text


def test_district_without_a_session(db, no_bundle):
    db.create_district("new-usd", "New USD")
    html_text = render_report("new-usd", db_url=db.url)
    assert "class='wb-error'" in html_text
    assert escape("New USD has no reflection session yet") in html_text


def test_unknown_district_gives_the_plain_message(template, no_bundle):
    html_text = render_report("nowhere", db_url=f"sqlite:///{template}")
    message = escape("There is no district called 'nowhere' in this workbook.")
    assert f"<p class='wb-error'>{message}" in html_text
    assert CHART not in html_text and "Traceback" not in html_text
    assert repr(report("nowhere", db_url=f"sqlite:///{template}")) == \
        "<District report: nowhere, session latest, 0 chart(s)>"


@pytest.mark.parametrize("district", ["../etc/passwd", "Bad Slug", "<script>"])
def test_bad_district_parameter_gives_the_plain_message(template, district):
    html_text = render_report(district, db_url=f"sqlite:///{template}")
    assert "not a valid district slug" in html_text
    assert "<script>" not in html_text.split("</style>", 1)[1]


def test_superscript_session_gives_the_plain_message(template, no_bundle):
    # what `papermill ... -p session ²` shows: a message, not a ValueError traceback in the report cell
    html_text = render_report(DEMO_SLUG, session="²", db_url=f"sqlite:///{template}")
    assert "Report parameter session must be a session number or empty" in html_text


def test_small_team_figures_are_withheld(db, no_bundle):
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


def test_anonymized_report_shows_no_names_even_when_authors_are_shown(db, no_bundle):
    session = db.sessions(DEMO_SLUG)[-1]
    db.update_session(session.id, show_authors=True)
    html_text = render_report(DEMO_SLUG, db_url=db.url, anonymize=True)
    for name, _role in DEMO_MEMBERS:
        assert name not in html_text
    assert "Superintendent 1" in html_text  # members appear by role


def test_named_report_when_the_team_chose_names(db, no_bundle):
    session = db.sessions(DEMO_SLUG)[-1]
    db.update_session(session.id, show_authors=True)
    html_text = render_report(DEMO_SLUG, db_url=db.url, anonymize=False)
    assert "Avery Example: We lean central" in html_text
    assert "Blake Sample: Surprised how far apart" in html_text
    for name, _role in DEMO_MEMBERS:
        assert name in html_text  # every member labels a row of the conditions heat map


def test_names_stay_hidden_without_the_teams_choice(template, no_bundle):
    html_text = render_report(DEMO_SLUG, db_url=f"sqlite:///{template}", anonymize=False)
    for name, _role in DEMO_MEMBERS:
        assert name not in html_text


PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</script>", "javascript:alert(1)"]


def test_free_text_is_escaped(db, no_bundle):
    session = db.sessions(DEMO_SLUG)[-1]
    db.update_session(session.id, show_authors=True)
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


def test_compare_session_draws_the_change(template, no_bundle):
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
    foreign = render_report("network-0001", session=last.id, db_url=url, compare_session=other.id)
    assert f"Session {other.id} does not belong to Fictional District 0001" in foreign
    assert CHART not in foreign


def test_compare_with_a_thin_session(db, no_bundle):
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


@pytest.mark.parametrize("extra", [["--shard", "3/2"], ["--district", "nowhere"], ["--district", "../x"]])
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
        assert page.count(BUNDLE) == 1, slug
        # the demo team also rated the conditions (two more charts); the network teams did not
        assert page.count(CHART) == (6 if slug == DEMO_SLUG else 4), slug
        assert not re.search(r"<script[^>]*\bsrc=", page)
        assert "from workbook.district_report import" not in page  # code cells are left out
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
    assert f"report: 1 of 1 district report(s) written to {out}/" in said
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
    store._run(lambda c: c.execute(t.spectrum_marks.insert().values(
        respondent_id=member.id, spectrum_id="bogus", current=3.0, aspiration=4.0, updated_at=now())), write=True)
    count = store._run(lambda c: c.execute(sa.select(sa.func.count()).select_from(t.spectrum_marks)
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
        rc = cli.main(["--db", url, "report", "--out", str(out), "--workers", "2", "--district", BROKEN, "--district",
                       HEALTHY])
    return url, out, rc, said.getvalue()


def test_the_broken_data_breaks_that_report(broken_run):
    url = broken_run[0]
    with pytest.raises(KeyError, match="bogus"):
        render_report(BROKEN, db_url=url)


def test_a_failed_district_is_recorded_and_the_others_complete(broken_run):
    _, out, rc, said = broken_run
    assert rc == 1
    assert "report: 1 of 2 district report(s) written" in said
    assert re.search(rf"FAILED {BROKEN}: cell \d+: KeyError: 'bogus'", said), said
    outcomes = {o["district"]: o for o in json.loads((out / "summary.json").read_text())}
    assert sorted(outcomes) == [BROKEN, HEALTHY]
    bad = outcomes[BROKEN]
    assert bad["status"] == "failed" and bad["file"] is None
    assert re.fullmatch(r"cell \d+: KeyError: 'bogus'", bad["error"]), bad["error"]
    assert outcomes[HEALTHY]["status"] == "ok", outcomes[HEALTHY]
    assert html_files(out) == {f"{HEALTHY}.html"}
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

    from workbook.report_kernels import ForkingKernelManager, Template

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
    "unknown": ["-p", "district", "nowhere"],
    "bad-session": ["-p", "district", DEMO_SLUG, "-p", "session", "abc"],
}


@pytest.fixture(scope="module")
def papermill_runs(template, tmp_path_factory):
    """The real ``python -m papermill`` runs, started side by side (each starts a kernel)."""
    folder = tmp_path_factory.mktemp("papermill")
    env = dict(os.environ, WORKBOOK_DB_URL=f"sqlite:///{template}")
    env.pop("WORKBOOK_REPORT_PLOTLYJS", None)
    procs = {}
    for key, params in PAPERMILL_RUNS.items():
        out = folder / f"{key}.ipynb"
        procs[key] = (out, subprocess.Popen([sys.executable, "-m", "papermill", str(REPORT_NB), str(out), *params],
                                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            text=True))
    results = {}
    for key, (out, proc) in procs.items():
        stdout, stderr = proc.communicate(timeout=240)
        results[key] = (proc.returncode, json.loads(out.read_text(encoding="utf-8")), stderr)
    return results


def report_output(nb: dict) -> dict:
    """The report cell's only output (the cell that calls ``report``)."""
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and "report(" in "".join(c["source"])]
    assert len(cells) == 1
    outputs = cells[0]["outputs"]
    assert [o["output_type"] for o in outputs] == ["execute_result"], outputs
    return {k: "".join(v) if isinstance(v, list) else v for k, v in outputs[0]["data"].items()}


def no_errors(nb: dict) -> None:
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            assert o["output_type"] != "error", o
            assert "Traceback" not in json.dumps(o)


def test_papermill_cli_demo_report(papermill_runs):
    rc, nb, stderr = papermill_runs["demo"]
    assert rc == 0, stderr[-2000:]
    no_errors(nb)
    data = report_output(nb)
    assert data["text/plain"] == f"<District report: {DEMO_SLUG}, session latest, 6 chart(s)>"
    assert escape(DEMO_NAME) in data["text/html"]
    assert data["text/html"].count(BUNDLE) == 1
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and f'district = "{DEMO_SLUG}"' in "".join(injected[0]["source"])


def test_papermill_cli_unknown_district(papermill_runs):
    rc, nb, stderr = papermill_runs["unknown"]
    assert rc == 0, stderr[-2000:]
    no_errors(nb)
    data = report_output(nb)
    assert escape("There is no district called 'nowhere' in this workbook.") in data["text/html"]
    assert "class='wb-error'" in data["text/html"]
    assert data["text/plain"] == "<District report: nowhere, session latest, 0 chart(s)>"


def test_papermill_cli_bad_session_is_a_plain_message(papermill_runs):
    rc, nb, stderr = papermill_runs["bad-session"]
    assert rc == 0, stderr[-2000:]
    no_errors(nb)
    data = report_output(nb)
    assert escape("Report parameter session must be a session number or empty, not 'abc'.") in data["text/html"]
    assert CHART not in data["text/html"]
