"""The ``workbook`` command: set-up, links, serving rules, worksheet."""

from __future__ import annotations

from workbook import cli
from workbook.serve import plan
from workbook.store import Store


def run(capsys, url, *argv):
    code = cli.main(["--db", url, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_demo_if_empty_seeds_once(capsys, sqlite_url):
    assert run(capsys, sqlite_url, "demo", "--if-empty")[0] == 0
    code, out, _ = run(capsys, sqlite_url, "demo", "--if-empty")
    assert code == 0 and "nothing added" in out
    assert [d.slug for d in Store(sqlite_url).districts()] == ["example-usd"]


def test_make_apps_first_run_seeds_the_demo_team_and_a_fictional_network(capsys, sqlite_url):
    code, out, _ = run(capsys, sqlite_url, "demo", "--if-empty", "--network", "6")
    assert code == 0 and "network of 6" in out
    districts = Store(sqlite_url).districts()
    assert districts[0].slug == "example-usd" and len(districts) == 7 and all(d.synthetic for d in districts)
    assert "nothing added" in run(capsys, sqlite_url, "demo", "--if-empty", "--network", "6")[1]
    makefile = (cli.paths.CHECKOUT / "Makefile").read_text(encoding="utf-8")
    assert "workbook demo --if-empty --network $(DEMO_NETWORK)" in makefile and "DEMO_NETWORK ?= 36" in makefile


def test_district_and_session_create_print_links_with_the_right_codes(capsys, sqlite_url):
    code, out, _ = run(capsys, sqlite_url, "district", "create", "lincoln-usd", "--name", "Lincoln USD",
                       "--schools", "12", "--session", "Spring retreat")
    assert code == 0
    store = Store(sqlite_url)
    session = store.sessions("lincoln-usd")[-1]
    member_lines = out.split("Facilitator only")[0]
    facilitator_lines = out.split("Facilitator only")[1]
    assert f"code={session.join_code}" in member_lines and session.facilitator_code not in member_lines
    assert f"code={session.facilitator_code}" in facilitator_lines
    code, out, _ = run(capsys, sqlite_url, "session", "create", "lincoln-usd", "--label", "Round 2")
    assert code == 0 and "Round 2" in out and len(store.sessions("lincoln-usd")) == 2


def test_session_create_sets_the_number_of_priorities(capsys, sqlite_url):
    assert run(capsys, sqlite_url, "district", "create", "p-usd", "--name", "P (fictional)")[0] == 0
    code, _, _ = run(capsys, sqlite_url, "session", "create", "p-usd", "--label", "Two", "--priorities", "2")
    assert code == 0
    store = Store(sqlite_url)
    before = store.sessions("p-usd")
    assert before[-1].label == "Two" and before[-1].max_priorities == 2
    assert run(capsys, sqlite_url, "session", "create", "p-usd", "--label", "Default")[0] == 0
    assert store.sessions("p-usd")[-1].max_priorities == 3  # the workbook's suggestion
    code, _, err = run(capsys, sqlite_url, "session", "create", "p-usd", "--label", "None", "--priorities", "0")
    assert code == 2 and "number of priorities" in err and "1" in err and "16" in err
    assert len(store.sessions("p-usd")) == len(before) + 1


def test_bad_slug_is_refused_with_a_message_and_exit_2(capsys, sqlite_url):
    code, _, err = run(capsys, sqlite_url, "district", "create", "../etc", "--name", "x")
    assert code == 2 and "not a valid district slug" in err
    assert Store(sqlite_url).districts() == []


def test_serve_refuses_a_public_address_without_a_token(capsys, sqlite_url):
    code, _, err = run(capsys, sqlite_url, "serve", "--ip", "0.0.0.0")
    assert code == 2 and "--token" in err and "--room" in err


def serve_printed(capsys, monkeypatch, url, *argv):
    """What ``workbook serve`` prints and the Voila command and environment it would start."""
    from workbook import assets

    started = {}
    monkeypatch.setattr(assets, "install", lambda _template, _cache=None: {})
    monkeypatch.setattr(cli.os, "execve", lambda exe, argv, env: started.update(argv=argv, env=env))
    code, out, err = run(capsys, url, "serve", *argv)
    assert code == 0, err
    return out, started["argv"], started["env"]


def test_room_listens_on_every_address_and_every_link_carries_the_secret(capsys, monkeypatch, sqlite_url):
    assert run(capsys, sqlite_url, "demo")[0] == 0
    out, argv, env = serve_printed(capsys, monkeypatch, sqlite_url, "--room", "--port", "9001",
                                   "--public-url", "http://10.1.2.3:9001")
    store = Store(sqlite_url)
    session = store.sessions("example-usd")[-1]
    token = store.secret("room_token")
    assert "--Voila.ip=0.0.0.0" in argv and f"--Voila.token={token}" in argv
    assert env["WORKBOOK_PUBLIC_URL"] == "http://10.1.2.3:9001/" and env["WORKBOOK_ACCESS_TOKEN"] == token
    links = [word for word in out.split() if word.startswith("http") and "/voila/render/" in word]
    assert links and all(u.startswith("http://10.1.2.3:9001/voila/render/") and f"token={token}" in u
                         for u in links)
    members, facilitator = out.split("Facilitator only")[:2]
    assert session.facilitator_code not in members and store.coach_code() not in members
    assert "run_of_show.ipynb" in facilitator and "run_of_show.ipynb" not in members
    projector = out.split("On the projector for")[1].splitlines()[0].split()[-1]
    assert "presenter.ipynb" in projector and f"code={session.facilitator_code}" in projector
    # the secret outlives the server, so a QR code printed for the room keeps working after a restart
    again, _, _ = serve_printed(capsys, monkeypatch, sqlite_url, "--room", "--public-url", "http://10.1.2.3:9001")

    def printed_links(text):  # the page limit follows the machine's free memory, which moves between two starts
        return [line for line in text.splitlines() if "--max-kernels" not in line]
    assert printed_links(again) == printed_links(out)
    # and `workbook links` prints the same links as the server
    code, printed, _ = run(capsys, sqlite_url, "links")
    assert code == 0 and printed.strip() in out


def test_room_without_a_reachable_address_says_how_to_name_one(capsys, monkeypatch, sqlite_url):
    from workbook import links

    monkeypatch.setattr(links, "reachable_address", lambda: None)
    code, _, err = run(capsys, sqlite_url, "serve", "--room")
    assert code == 2 and "--public-url" in err


def test_a_public_url_that_is_not_a_web_address_is_refused(capsys, sqlite_url):
    code, _, err = run(capsys, sqlite_url, "serve", "--room", "--public-url", "192.168.1.20:8866")
    assert code == 2 and "'192.168.1.20:8866' is not a web address" in err


def test_local_serving_prints_loopback_links_without_a_secret(capsys, monkeypatch, sqlite_url):
    assert run(capsys, sqlite_url, "demo")[0] == 0
    out, argv, env = serve_printed(capsys, monkeypatch, sqlite_url, "--port", "8866")
    assert "--Voila.ip=127.0.0.1" in argv and "--Voila.token=" in argv
    assert env["WORKBOOK_PUBLIC_URL"] == "http://127.0.0.1:8866/" and env["WORKBOOK_ACCESS_TOKEN"] == ""
    assert "token=" not in out and "http://127.0.0.1:8866/voila/render/charting_your_path.ipynb?" in out
    assert "framework_explorer.ipynb\n" in out  # a link without a query ends at the notebook


def test_serve_says_so_when_the_charts_plotly_js_cannot_be_written(capsys, sqlite_url, monkeypatch):
    from workbook import assets

    def read_only(_template, _cache=None):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(assets, "install", read_only)
    monkeypatch.setattr(cli.os, "execve", lambda *a: (_ for _ in ()).throw(AssertionError("Voila was started")))
    code, _, err = run(capsys, sqlite_url, "serve")
    assert code == 2 and "cannot put the charts' plotly.js" in err and "Permission denied" in err


def test_voila_command_line_strips_sources_culls_kernels_and_stays_offline():
    argv = plan.voila_argv(8866, "127.0.0.1", None)
    joined = " ".join(argv)
    assert "--VoilaConfiguration.strip_sources=True" in argv
    assert "--VoilaConfiguration.show_tracebacks=False" in argv
    assert "cull_idle_timeout=300" in joined and "cull_connected=True" in joined
    assert "--template=workbook" in argv and "--Voila.ip=127.0.0.1" in argv
    assert (plan.TEMPLATE / "index.html.j2").exists()
    template = (plan.TEMPLATE / "index.html.j2").read_text()
    assert "cdn." not in template
    preheated = " ".join(plan.voila_argv(8866, "127.0.0.1", "s3cret", preheat=2))
    assert "preheat_kernel=True" in preheated and "'charting_your_path.ipynb': {'pool_size': 2}" in preheated
    # the pool refills after the page that took a kernel has loaded, not while it loads
    assert f"--VoilaKernelManager.fill_delay={plan.REFILL_DELAY}" in preheated and plan.REFILL_DELAY >= 5
    assert "--Voila.token=s3cret" in preheated


def test_worksheet_is_written(capsys, tmp_path, sqlite_url):
    out = tmp_path / "sheet.html"
    assert run(capsys, sqlite_url, "worksheet", "--out", str(out))[0] == 0
    html = out.read_text()
    assert "Charting Your Path" in html and "learning_materials_and_tools" in html and "CC BY 4.0" in html


def test_restore_needs_a_backup_file_and_an_empty_store(capsys, sqlite_url, tmp_path):
    copy = tmp_path / "copy.sqlite"
    assert run(capsys, sqlite_url, "demo")[0] == 0
    assert run(capsys, sqlite_url, "backup", "--out", str(copy))[0] == 0
    code, _, err = run(capsys, sqlite_url, "restore", str(tmp_path / "nowhere.sqlite"))
    assert code == 2 and "nowhere.sqlite" in err and "no such file" in err
    code, _, err = run(capsys, sqlite_url, "restore", str(copy))
    assert code == 2 and "not empty" in err and "--replace" in err
    live = sqlite_url.removeprefix("sqlite:///")
    code, _, err = run(capsys, sqlite_url, "restore", "--replace", live)
    assert code == 2 and "the live database itself" in err
    empty = f"sqlite:///{tmp_path / 'fresh' / 'workbook.sqlite'}"
    code, out, _ = run(capsys, empty, "restore", str(copy))
    assert code == 0 and "1 district(s), 1 session(s), 8 member(s)" in out
    assert run(capsys, sqlite_url, "restore", "--replace", str(copy))[0] == 0


def test_without_postgresqls_client_tools_backup_and_restore_name_the_package(monkeypatch, tmp_path):
    import pytest

    from workbook import ownership
    from workbook.content.errors import WorkbookError

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(ownership, "PG_BIN_GLOB", str(tmp_path / "none" / "*" / "bin"))
    with pytest.raises(WorkbookError, match=r"pg_dump is not installed.*postgresql-client"):
        ownership.pg_tool("pg_dump", 15)
    old = tmp_path / "pg_restore"  # only an older version than the server's
    old.write_text("#!/bin/sh\necho 'pg_restore (PostgreSQL) 13.9'\n")
    old.chmod(0o755)
    with pytest.raises(WorkbookError, match=r"pg_restore 13 is older than the PostgreSQL server \(15\).*"
                                            r"postgresql-client-15"):
        ownership.pg_tool("pg_restore", 15)
    assert ownership.pg_tool("pg_restore", 13) == old.resolve()


def test_the_command_line_module_holds_argparse_and_the_commands_only():
    """What a server runs lives in workbook/serve/ (the servers import nothing from the cli): cli.py parses and
    dispatches, one ``cmd_*`` per command."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(cli))
    functions = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    others = [name for name in functions
              if not name.startswith("cmd_") and name not in ("_store", "add_data_commands", "build_parser", "main")]
    assert others == [], f"move these out of cli.py (workbook/serve/plan.py for serving): {others}"
    assert not [n for n in tree.body if isinstance(n, ast.ClassDef)]


def test_a_preheated_pool_of_fewer_than_no_kernels_is_refused(capsys, sqlite_url):
    # `make room ROOM_PREHEAT=-2` (a typo) would have handed Voila a pool of -2 kernels
    code, _, err = run(capsys, sqlite_url, "serve", "--preheat", "-2")
    assert code == 2 and "--preheat: -2 is not a number of kernels to keep warm (0 or more)" in err
