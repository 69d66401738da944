"""Deploying beyond one server: the balancer's configuration, path prefixes, page limits, the launcher."""

from __future__ import annotations

import argparse
import inspect
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from workbook.cli import build_parser
from workbook.content.errors import WorkbookError
from workbook.links import app_link, normalise_prefix, under_prefix
from workbook.serve import capacity
from workbook.serve.balancer import Backend, haproxy_config, parse_backend
from workbook.serve.capacity import Gate, full_page, kernel_limit, parse_limit
from workbook.serve.convening import Convening
from workbook.serve.plan import page_limit, serve_plan, voila_argv

EXAMPLE = [Backend("s1", "10.0.0.11", 8866), Backend("s2", "10.0.0.12", 8866), Backend("s3", "10.0.0.13", 8866)]
MIB = 1024 * 1024


# ------------------------------------------------------------------ the balancer
def test_the_shipped_example_is_what_the_launcher_writes_for_three_machines():
    shipped = (ROOT / "deploy" / "haproxy.cfg").read_text()
    assert shipped == haproxy_config(EXAMPLE, ":80", log="/dev/log local0", stats="127.0.0.1:8404")


def test_the_configuration_sticks_pages_balances_by_connections_and_checks_health():
    config = haproxy_config(EXAMPLE, "127.0.0.1:8000", base_url="/convening/")
    lines = [line.strip() for line in config.splitlines()]
    assert "cookie WBSERVER insert indirect nocache httponly" in lines
    assert "balance leastconn" in lines
    assert "option httpchk GET /convening/workbook/health" in lines
    assert "option redispatch 1" in lines and "retry-on conn-failure empty-response 503" in lines
    assert [line for line in lines if line.startswith("server ")] == [
        "server s1 10.0.0.11:8866 cookie s1", "server s2 10.0.0.12:8866 cookie s2",
        "server s3 10.0.0.13:8866 cookie s3"]
    assert "bind 127.0.0.1:8000" in lines and "frontend stats" not in lines


@pytest.mark.parametrize("config", ["example", "generated"])
def test_haproxy_accepts_the_configuration(config, tmp_path):
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if not found:
        pytest.skip("haproxy is not installed (apt-get install haproxy; .ci/run installs it)")
    path = ROOT / "deploy" / "haproxy.cfg"
    if config == "generated":
        path = tmp_path / "haproxy.cfg"
        backends = [Backend("a", "127.0.0.1", 9001), Backend("b", "::1", 9002)]
        path.write_text(haproxy_config(backends, "127.0.0.1:9000", "/wb/", log="stdout format raw local0",
                                       stats="127.0.0.1:9404"))
    checked = subprocess.run([found, "-c", "-f", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(("backends", "words"), [
    ([], "at least one server"),
    ([Backend("s1", "a", 1), Backend("s1", "b", 2)], "must differ"),
])
def test_a_configuration_without_servers_or_with_one_name_twice_is_refused(backends, words):
    with pytest.raises(WorkbookError, match=words):
        haproxy_config(backends)


@pytest.mark.parametrize(("fields", "words"), [
    (("s 1", "h", 80), "letters, digits"),
    (("s1", "", 80), "not a host"),
    (("s1", "h", 0), "1-65535"),
    (("s1", "h", 70000), "1-65535"),
])
def test_a_bad_server_says_which_and_why(fields, words):
    with pytest.raises(WorkbookError, match=words):
        Backend(*fields)


def test_servers_as_people_write_them():
    assert parse_backend("10.0.0.11:8866", 1) == Backend("s1", "10.0.0.11", 8866)
    assert parse_backend("east=[::1]:9000", 2) == Backend("east", "::1", 9000)
    with pytest.raises(WorkbookError, match="server 3: 'nowhere' is not HOST:PORT"):
        parse_backend("nowhere", 3)
    assert "[::1]:9000 cookie east" in haproxy_config([parse_backend("east=[::1]:9000", 1)])


# ------------------------------------------------------------------ path prefixes and links
@pytest.mark.parametrize(("given", "expected"), [("/", "/"), ("/wb", "/wb/"), ("/a/b/", "/a/b/"), ("/x//y", "/x/y/")])
def test_a_prefix_is_a_clean_path(given, expected):
    assert normalise_prefix(given) == expected


@pytest.mark.parametrize(("given", "words"), [
    ("wb/", "is not a path"), ("http://lb/wb/", "is not a path"), ("/wb/?x=1", "is not a path"),
    ("/../etc/", "has the part '..'"), ("/w b/", "has the part 'w b'"),
])
def test_a_bad_prefix_says_what_is_wrong(given, words):
    with pytest.raises(WorkbookError, match=words):
        normalise_prefix(given, "--base-url")


def test_a_bare_public_address_gains_the_prefix_and_a_named_path_is_kept():
    assert under_prefix("http://lb.example:8000", "/wb/") == "http://lb.example:8000/wb/"
    assert under_prefix("https://lb.example/", "/") == "https://lb.example/"
    assert under_prefix("https://proxy.example/state/", "/wb/") == "https://proxy.example/state/"
    link = app_link("charting_your_path.ipynb", under_prefix("http://lb:8000/", "/wb/"), "SECRET", district="x")
    assert link == "http://lb:8000/wb/voila/render/charting_your_path.ipynb?district=x&token=SECRET"


def serve_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


def test_serve_under_a_prefix_tells_voila_and_puts_the_prefix_in_every_link(store):
    args = serve_args("--port", "8871", "--token", "SECRET", "--public-url", "http://lb.example:8000/",
                      "--base-url", "/wb/")
    ip, base, token = serve_plan(args, store)
    assert (ip, base, token) == ("127.0.0.1", "http://lb.example:8000/wb/", "SECRET")
    assert serve_plan(serve_args("--port", "8871", "--base-url", "/wb/"), store)[1] == "http://127.0.0.1:8871/wb/"
    assert "--Voila.base_url=/wb/" in voila_argv(8871, ip, token, base_url="/wb/")
    assert not [a for a in voila_argv(8871, ip, token) if "base_url" in a]


# ------------------------------------------------------------------ page limits
def test_a_server_carries_what_its_memory_holds_after_its_reserve_and_warm_kernels():
    assert capacity.page_mib(fork=True) == capacity.FORKED_PAGE_MIB < capacity.page_mib(fork=False) == \
        capacity.PAGE_MIB  # a forked kernel shares its template's memory
    assert kernel_limit(4096 * MIB, 0, capacity.FORKED_PAGE_MIB) > kernel_limit(4096 * MIB)
    assert kernel_limit(4096 * MIB) == (4096 - capacity.RESERVE_MIB) // capacity.PAGE_MIB
    assert kernel_limit(4096 * MIB, preheat=2) == kernel_limit(4096 * MIB) - 2
    assert kernel_limit(512 * MIB) == 1  # too little memory for one page still serves one, and says so beyond it
    assert kernel_limit(None) == 12


def test_a_convening_is_sized_by_the_servers_own_page_limit_with_a_spare():
    small, large = capacity.MACHINES
    four = kernel_limit((4 * 1024 - capacity.OS_MIB) * MIB, 2, capacity.FORKED_PAGE_MIB)  # a 4 GiB server's own
    sized = capacity.servers_for(12, small, pages_per_s_2_cores=2.0)
    assert sized.pages_per_server == four
    assert sized.servers == -(-12 // four) + 1  # every member placed, and one server to spare
    assert sized.seconds_to_open == round(12 / (2.0 * sized.servers), 1)
    big = capacity.servers_for(240, large, pages_per_s_2_cores=2.0)
    assert big.pages_per_server > four and big.servers * big.pages_per_server >= 240 + big.pages_per_server
    assert big.seconds_to_open == round(240 / (2.0 * 2 * big.servers), 1)  # four cores build twice as fast
    assert capacity.servers_for(60, small, None, spare=0).seconds_to_open is None
    assert capacity.servers_for(60, small, None, spare=0).servers == -(-60 // four)
    with pytest.raises(WorkbookError, match="at least one member, not 0"):
        capacity.servers_for(0, small, 1.0)


def test_the_deployment_guide_quotes_the_kept_capacity_run():
    """Every figure of deploy/README.md's sizing is the kept benchmark run's, the server counts its arithmetic."""
    guide = (ROOT / "deploy" / "README.md").read_text()
    sizing_text = guide[guide.index("## Sizing"):guide.index("## Good to know")]
    run = re.search(r"benchmarks/results/(bench-\d{8}T\d{6}\.json)", sizing_text)
    assert run, "the sizing section names the benchmark run it quotes"
    raw = json.loads((ROOT / "benchmarks" / "results" / run.group(1)).read_text())["raw"]["capacity"]
    sizing = raw["sizing"]
    for figure in (f"{sizing['rest_mib']:.0f} MiB", f"{sizing['page_mib']} MiB", f"{sizing['cpu_s_per_page']} s",
                   f"{sizing['pages_per_s_2_cores']:.1f} per second"):
        assert figure in sizing_text, f"the guide does not quote {figure}"
    rate = sizing["pages_per_s_2_cores"]
    small, large = capacity.MACHINES
    for members in (12, 60, 240):
        line = next(x for x in sizing_text.splitlines() if x.startswith(f"| {members} "))
        cells = [c.strip() for c in line.strip("|").split("|")]
        for cell, seconds, machine in ((cells[1], cells[2], small), (cells[3], cells[4], large)):
            expected = capacity.servers_for(members, machine, rate)
            assert cell.startswith(f"{expected.servers} ({expected.servers - 1} + 1 spare)"), (members, machine, cell)
            assert float(seconds) == expected.seconds_to_open, (members, machine.name, seconds)
    for machine in capacity.MACHINES:
        per_server = capacity.servers_for(12, machine, rate).pages_per_server
        assert f"({per_server} pages each)" in sizing_text


def test_the_limit_a_person_gives_is_checked():
    assert parse_limit("40") == 40 and parse_limit(0) == 0
    with pytest.raises(WorkbookError, match="--max-kernels: 'lots' is not a whole number"):
        parse_limit("lots")
    with pytest.raises(WorkbookError, match="-3 is negative"):
        parse_limit("-3")
    assert page_limit(serve_args("--max-kernels", "7")) == 7
    free = capacity.memory_available()
    assert page_limit(serve_args("--preheat", "2")) == kernel_limit(free, 2, capacity.FORKED_PAGE_MIB)
    assert page_limit(serve_args("--preheat", "2", "--no-fork")) == kernel_limit(free, 2, capacity.PAGE_MIB)


def test_the_limit_from_the_environment_names_the_variable(monkeypatch):
    monkeypatch.setenv(capacity.MAX_KERNELS_ENV, "five")
    with pytest.raises(WorkbookError, match="WORKBOOK_MAX_KERNELS: 'five'"):
        capacity.limit_from_env()
    monkeypatch.setenv(capacity.MAX_KERNELS_ENV, "5")
    assert capacity.limit_from_env() == 5


def test_the_gate_counts_pages_being_admitted_and_not_the_warm_pool():
    gate = Gate(2)
    assert not gate.full(kernels=3, pooled=2)  # one page served, two kernels waiting for visits
    gate.admitting = 1  # a second visit admitted, its kernel not started yet
    assert gate.full(kernels=3, pooled=2)
    assert gate.health(kernels=3, pooled=2) == {"status": "ok", "pages": 2, "limit": 2, "full": True}
    with pytest.raises(WorkbookError, match="at least 1"):
        Gate(0)


def test_the_busy_page_says_so_plainly_and_tries_again_by_itself():
    page = full_page(7)
    assert '<meta http-equiv="refresh" content="7">' in page
    assert "The workbook is busy" in page and "Nothing you saved is affected" in page


# ------------------------------------------------------------------ the launcher
def test_a_convening_refuses_no_servers_and_a_store_servers_cannot_share(tmp_path):
    with pytest.raises(WorkbookError, match="at least one server"):
        Convening(servers=0, folder=tmp_path)
    with pytest.raises(WorkbookError, match="share one PostgreSQL store"):
        Convening(servers=2, db_url=f"sqlite:///{tmp_path / 'x.sqlite'}", folder=tmp_path)


def test_a_convening_links_to_the_balancer_under_its_prefix(tmp_path):
    conv = Convening(servers=3, port=8000, base_url="/state", folder=tmp_path)
    assert conv.public == "http://127.0.0.1:8000/state/"
    conv = Convening(servers=3, port=8000, public_url="https://convening.example.org/", base_url="/wb/",
                     folder=tmp_path)
    assert conv.public == "https://convening.example.org/wb/"


def test_servers_on_one_machine_share_its_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(capacity, "memory_available", lambda: 12 * 1024 * MIB)
    conv = Convening(servers=3, preheat=1, folder=tmp_path)
    assert conv.page_limit() == kernel_limit(4 * 1024 * MIB, 1, capacity.FORKED_PAGE_MIB)
    assert Convening(servers=3, max_kernels=5, folder=tmp_path).page_limit() == 5


@pytest.mark.parametrize(("argv", "words"), [
    (["--base-url", "workbook/"], "--base-url: 'workbook/' is not a path"),
    (["--max-kernels", "many"], "--max-kernels: 'many' is not a whole number"),
])
def test_serve_refuses_a_bad_prefix_or_limit_before_starting(argv, words, sqlite_url, capsys):
    from workbook.cli import main

    assert main(["--db", sqlite_url, "serve", *argv]) == 2
    assert words in capsys.readouterr().err


def test_a_server_that_stops_at_start_is_reported_with_the_end_of_its_log(tmp_path):
    """The person who started the convening reads why a server stopped, not only where its log is."""
    import sys

    from workbook.serve.convening import _wait_answer

    log = tmp_path / "s1.log"
    lines = "".join(f"line {i}\n" for i in range(30)) + "workbook serve: the store cannot be reached\n"
    proc = subprocess.Popen([sys.executable, "-c", f"open({str(log)!r}, 'w').write({lines!r}); raise SystemExit(2)"])
    proc.wait()
    with pytest.raises(WorkbookError) as caught:
        _wait_answer("http://127.0.0.1:9/", proc, "server s1", log, timeout=5)
    message = str(caught.value)
    assert message.startswith(f"server s1 exited with 2; its log: {log}")
    assert "workbook serve: the store cannot be reached" in message
    assert "line 29" in message and "line 10" not in message  # the end of the log, not all of it


def test_a_convening_passes_a_secret_that_begins_with_a_dash_to_its_servers_as_a_value(tmp_path):
    """A room secret stored before secrets began with a letter may begin with "-": every server still starts."""
    conv = Convening(servers=2, port=8000, db_url="postgresql+psycopg://workbook@127.0.0.1:5432/wb",
                     folder=tmp_path, base_url="/convening/", max_kernels=4)
    conv.token = "-Ab3dEfGh4iJkLm5nOp"
    argv = conv.server_argv(Backend("s1", "127.0.0.1", 8001))
    assert argv[1:4] == ["-m", "workbook.cli", "serve"]
    args = build_parser().parse_args(argv[3:])
    assert (args.token, args.port, args.base_url, args.max_kernels) == ("-Ab3dEfGh4iJkLm5nOp", 8001, "/convening/", "4")
    assert args.public_url == "http://127.0.0.1:8000/convening/"


# ------------------------------------------------------------------ reloading the balancer
def test_weights_go_on_the_server_lines_and_a_bad_one_says_which_and_why():
    config = haproxy_config(EXAMPLE, weights={"s2": 0, "s3": "3"})
    assert [line.strip() for line in config.splitlines() if line.strip().startswith("server ")] == [
        "server s1 10.0.0.11:8866 cookie s1", "server s2 10.0.0.12:8866 cookie s2 weight 0",
        "server s3 10.0.0.13:8866 cookie s3 weight 3"]
    with pytest.raises(WorkbookError, match=r"weight for 's9': there is no such server \(the servers are s1, s2, s3"):
        haproxy_config(EXAMPLE, weights={"s9": 1})
    with pytest.raises(WorkbookError, match=r"server s1: weight '-1' is not a whole number from 0"):
        haproxy_config(EXAMPLE, weights={"s1": "-1"})
    with pytest.raises(WorkbookError, match=r"server s1: weight 300 is not"):
        haproxy_config(EXAMPLE, weights={"s1": 300})
    with pytest.raises(WorkbookError, match=r"every server has weight 0, so new members would have nowhere to go"):
        haproxy_config(EXAMPLE, weights={"s1": 0, "s2": 0, "s3": "0"})


def test_the_weights_file_is_read_line_by_line_and_a_bad_line_is_named(tmp_path):
    conv = Convening(servers=2, folder=tmp_path)
    assert conv.weights_from_file() == {}
    (tmp_path / "weights").write_text("# drain s2 for its upgrade\ns2 0\ns1=2\n\n")
    assert conv.weights_from_file() == {"s2": "0", "s1": "2"}
    (tmp_path / "weights").write_text("s1 1\ns2\n")
    with pytest.raises(WorkbookError, match=r"weights, line 2: 's2' is not a server and a weight"):
        conv.weights_from_file()


class _Named:
    """A stand-in for one `workbook serve`: answers every request with its name, and echoes a websocket tunnel."""

    def __init__(self, name: str):
        import http.server
        import threading

        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # http.server's name
                if self.headers.get("Upgrade", "").lower() == "websocket":
                    import base64
                    import hashlib

                    key = self.headers.get("Sec-WebSocket-Key", "") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
                    self.send_response(101)
                    self.send_header("Upgrade", "websocket")
                    self.send_header("Connection", "Upgrade")
                    self.send_header("Sec-WebSocket-Accept", base64.b64encode(hashlib.sha1(key.encode()).digest())
                                     .decode())
                    self.end_headers()
                    self.wfile.flush()
                    while True:
                        data = self.connection.recv(1024)
                        if not data:
                            return
                        self.connection.sendall(outer.name.encode() + b":" + data)
                body = outer.name.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.name = name
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _visit(port: int, cookie: str | None = None) -> str:
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}/voila/render/x.ipynb")
    if cookie:
        request.add_header("Cookie", f"WBSERVER={cookie}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def test_a_reload_checks_the_new_configuration_then_keeps_open_tunnels_on_their_server(tmp_path):
    """HAProxy reloaded softly (master-worker, SIGUSR2): a tunnel opened before still reaches its server after."""
    import socket

    from tests.conftest import require
    from tests.helpers import free_port

    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    require(bool(found), "haproxy is not installed (apt-get install haproxy; .ci/run installs it)")
    servers = [_Named("s1"), _Named("s2")]
    conv = Convening(servers=2, port=free_port(), folder=tmp_path, stats_port=0)
    conv.backends = [Backend(s.name, "127.0.0.1", s.port) for s in servers]
    conv.haproxy_bin = found
    tunnel = None
    try:
        conv._write_checked_config(conv.config_path, {})
        conv.start_balancer()
        master, first = conv.haproxy.pid, conv.workers()
        assert first
        tunnel = socket.create_connection(("127.0.0.1", conv.port), timeout=10)
        tunnel.sendall(b"GET /api/kernels/k/channels HTTP/1.1\r\nHost: x\r\nCookie: WBSERVER=s1\r\n"
                       b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                       b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        assert b" 101 " in tunnel.recv(4096).split(b"\r\n", 1)[0] + b" "
        tunnel.sendall(b"before")
        assert tunnel.recv(1024) == b"s1:before"

        # a configuration HAProxy refuses changes nothing
        running = conv.config_path.read_text()
        conv.stats_port = 70000
        with pytest.raises(WorkbookError, match="was not reloaded and runs as before: HAProxy refuses"):
            conv.reload({"s1": 0})
        conv.stats_port = 0
        assert conv.config_path.read_text() == running and conv.workers() == first
        assert not (tmp_path / "haproxy.cfg.new").exists()

        assert conv.reload({"s1": 0}) == {"s1": 0}  # s1 drained: new visits go to s2 only
        assert "server s1 127.0.0.1:" in conv.config_path.read_text() and " weight 0" in conv.config_path.read_text()
        tunnel.sendall(b"after")  # the tunnel opened before the reload still reaches its server
        assert tunnel.recv(1024) == b"s1:after", "the reload cut a tunnel (a page's websocket)"
        assert conv.haproxy.pid == master and conv.haproxy.poll() is None
        assert conv.workers() - first, "no new worker after the reload"
        assert first & conv.workers(), "the old worker left while a tunnel was open (not a soft reload)"
        assert {_visit(conv.port) for _ in range(6)} == {"s2"}
        assert _visit(conv.port, cookie="s1") == "s1", "a page of the drained server lost its server"
    finally:
        if tunnel is not None:
            tunnel.close()
        conv.stop()
        for s in servers:
            s.stop()


def test_the_guide_says_what_members_see_in_the_pages_own_words_and_names_every_fault():
    from workbook.content.errors import DISK_FULL
    from workbook.widgets import heartbeat, saver

    guide = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    section = " ".join(guide.split("## When things go wrong", 1)[1].split())
    for fault in ("A Wi-Fi blip", "The store restarting", "A full disk", "A lost server", "A balancer reload",
                  "Restoring a backup", "An upgrade"):
        assert f"**{fault}" in section, fault
    offline = re.search(r"const OFFLINE = '([^']+)'", heartbeat._ESM).group(1)
    assert f"*{offline}*" in section
    assert "*Waiting to save (n changes)…*" in section and "Waiting to save (" in inspect.getsource(saver)
    assert f"*{DISK_FULL}*" in section
    assert "*Connection lost*" in section and "**Reopen this page**" in section
    assert "stop every server, back up" in section and "has not been tested" in section
    commands = re.findall(r"^(workbook (?:backup|restore) .+?)(?:\s+#.*)?$", guide, re.M)
    assert len(commands) >= 3, commands
    for line in commands:
        build_parser().parse_args(line.split()[1:])  # each command the guide gives is one the workbook takes
