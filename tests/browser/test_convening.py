"""A convening: three servers behind HAProxy, one PostgreSQL store, and a server lost mid-session.

The set is started the way ``make convening`` starts it (``python -m workbook.serve.convening``) on
127.0.0.1, under a path prefix (``--base-url /convening/``), against a fresh database on the
PostgreSQL server the storage tests use. Twenty-four members (browser contexts, each a device of
its own with its own cookies) open the public join link in waves of six (two pages for each
server at once), which is what a 2-core machine carries next to three servers. The servers use a
short idle timeout so that a page's heartbeat pings every ten seconds and a lost server is noticed
within half a minute.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, pg_database, require

from .conftest import free_port, wait_for_app
from .test_faults import kernels_of

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]

SERVERS, MEMBERS, WAVE = 3, 24, 6
PREFIX = "/convening/"
CULL_IDLE = 40  # heartbeat every 10 s (a quarter of it)
SPECTRA = ["Locus of Control", "Pace", "Resource Allocation", "Cultivating Capacity", "Strategic Flexibility",
           "Comprehensiveness", "Sharing Learning"]
SPECTRUM_IDS = ["locus_of_control", "pace", "resource_allocation", "cultivating_capacity", "strategic_flexibility",
                "comprehensiveness", "sharing_learning"]


def haproxy() -> str:
    """Debian's haproxy, or a skip (a failure in CI) saying why there is none."""
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if found:
        return found
    reason = os.environ.get("WORKBOOK_NO_HAPROXY")
    if reason:  # .ci/run tried to install it and could not
        pytest.skip(f"haproxy could not be installed on this machine: {reason}")
    require(False, "haproxy is not installed (apt-get install haproxy; .ci/run installs it)")
    return ""


def running(pid: int) -> bool:
    """Whether ``pid`` is alive and not a zombie (a process that ends while it is read counts as gone)."""
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


def cmdline(pid: int) -> str:
    """The command line of ``pid``, or "" when it has ended (processes come and go while /proc is listed)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ")
    except OSError:
        return ""


@pytest.fixture(scope="module")
def database():
    """A fresh database on the PostgreSQL server of WORKBOOK_TEST_PG_URL, for the whole module."""
    yield from pg_database("wb_convening_")


class Convening:
    def __init__(self, proc, printed: str, db_url: str, port: int):
        self.proc, self.printed, self.db_url, self.port = proc, printed, db_url, port
        self.servers = {name: {"url": url, "pid": int(pid)} for name, url, pid in
                        re.findall(r"server (s\d+) (http://\S+) pid (\d+)", printed)}

    def link(self, label: str) -> str:
        match = re.search(rf"{re.escape(label)}\s+(http\S+)", self.printed)
        assert match, f"no link for {label!r} in what the convening printed:\n{self.printed}"
        return match.group(1)

    def store(self):
        from workbook.store import Store

        return Store(self.db_url)


def start_convening(folder: Path, db_url: str, *extra: str, timeout: float = 180) -> Convening:
    haproxy()
    port = free_port()
    out = folder / "convening.out"
    with out.open("w") as handle:
        # started as a script's background job is (SIGINT ignored): Ctrl+C must stop it all the same
        proc = subprocess.Popen([sys.executable, "-m", "workbook.serve.convening", "--port", str(port), "--db", db_url,
                                 "--folder", str(folder), "--stats-port", "0", *extra],
                                stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    deadline = time.time() + timeout
    while "Convening ready" not in out.read_text():
        if proc.poll() is not None or time.time() > deadline:
            stop_convening(proc)
            pytest.fail(f"the convening did not start:\n{out.read_text()}")
        time.sleep(0.3)
    return Convening(proc, out.read_text(), db_url, port)


def stop_convening(proc) -> None:
    """Ctrl+C, as a person stops it; everything it started must be gone."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


@pytest.fixture(scope="module")
def convening(tmp_path_factory, database):
    folder = tmp_path_factory.mktemp("convening")
    conv = start_convening(folder, database, "--servers", str(SERVERS), "--base-url", PREFIX, "--preheat", "1",
                           "--cull-idle", str(CULL_IDLE))
    try:
        yield conv
    finally:
        stop_convening(conv.proc)
        pids = [s["pid"] for s in conv.servers.values()]
        left = [pid for pid in pids if running(pid)]
        assert not left, f"servers still running after Ctrl+C: {left}"


@pytest.fixture(scope="module")
def browser(chromium):
    """The session's Chromium (one Playwright per test session: a second one cannot start inside its event loop)."""
    return chromium


class Member:
    def __init__(self, browser, name: str, index: int):
        self.name, self.index = name, index
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(90_000)
        self.failed: list[str] = []
        self.watching = True
        self.page.on("requestfailed", lambda r: self.watching and self.failed.append(f"{r.url}: {r.failure}"))
        self.page.on("response", lambda r: self.watching and r.status >= 400 and self.failed.append(
            f"{r.url}: {r.status}"))
        # now-marks: 3.5 or 2.5, different from one member to the next
        self.keys = ["ArrowRight" if (index + j) % 2 == 0 else "ArrowLeft" for j in range(len(SPECTRA))]
        self.personal = ""
        self.moved = False
        self.first = 3.5 if self.keys[0] == "ArrowRight" else 2.5

    def expected(self) -> dict:
        marks = {sid: (3.5 if key == "ArrowRight" else 2.5) for sid, key in zip(SPECTRUM_IDS, self.keys)}
        if self.moved:
            marks[SPECTRUM_IDS[0]] = self.first + 0.5
        return marks

    def server(self) -> str:
        cookies = {c["name"]: c["value"] for c in self.context.cookies()}
        return cookies.get("WBSERVER", "")

    def start(self) -> None:
        page = self.page
        page.wait_for_load_state("load", timeout=120_000)  # the wave's pages were asked for together
        wait_for_app(page, "Charting Your Path")
        page.bring_to_front()  # the member's device: one browser drives every member, a page at a time
        page.get_by_role("textbox", name="Your name").fill(self.name)
        page.get_by_role("combobox", name="Your role").select_option("Teacher leader")
        page.get_by_role("button", name="Start charting").click()
        page.get_by_text("Your personal link").wait_for()
        self.personal = page.locator(".wb-link").inner_text().strip()

    def mark_all(self) -> None:
        """Each now-mark moved as a member does: once its slider takes input, and seen on the page before the next."""
        self.page.bring_to_front()
        for spectrum, key, value in zip(SPECTRA, self.keys, self.expected().values()):
            slider = self.page.get_by_role("slider", name=re.compile(f"{spectrum}, now"))
            # "Start charting" enables the sliders one message each: a key pressed on one still disabled is lost
            # on any device, and "All changes saved" below would not wait for it
            self.page.wait_for_function("e => !e.disabled", arg=slider.element_handle(), timeout=30_000)
            slider.focus()
            self.page.keyboard.press(key)
            want = f"{spectrum}, now: {value:g} of 5,"
            self.page.wait_for_function("w => [...document.querySelectorAll('input[type=range]')].some(e => (e"
                                        ".getAttribute('aria-valuetext') || '').startsWith(w))", arg=want,
                                        timeout=30_000)
        self.page.get_by_text("All changes saved").wait_for()

    def shows_marks(self) -> None:
        """Every now-mark this member saved is on the page's sliders."""
        for spectrum, value in zip(SPECTRA, self.expected().values()):
            self.page.wait_for_function(
                "([s, v]) => [...document.querySelectorAll('input[type=range]')].some(e => "
                "(e.getAttribute('aria-valuetext') || '').startsWith(`${s}, now: ${v}`))", arg=[spectrum, value])

    def now_text(self) -> str:
        return self.page.get_by_role("slider", name=f"{SPECTRA[0]}, now", exact=True).get_attribute("aria-valuetext")

    def mark_again(self) -> None:
        """One more move on the first spectrum (a half step right), saved."""
        self.page.bring_to_front()
        before = self.now_text()
        self.moved = True
        slider = self.page.get_by_role("slider", name=f"{SPECTRA[0]}, now", exact=True)
        slider.focus()
        self.page.keyboard.press("ArrowRight")
        value = self.expected()[SPECTRUM_IDS[0]]
        want = f"{SPECTRA[0]}, now: {value:g} of 5,"
        try:
            self.page.wait_for_function("w => [...document.querySelectorAll('input[type=range]')].some(e => (e"
                                        ".getAttribute('aria-valuetext') || '').startsWith(w))", arg=want,
                                        timeout=30_000)
        except Exception:
            pytest.fail(f"{self.name} ({self.server()}): one step right from {before!r} shows {self.now_text()!r}")
        self.page.get_by_text("All changes saved").wait_for()

    def close(self) -> None:
        self.context.close()


def stored(conv: Convening, session: int) -> dict:
    """``{name: {spectrum: current}}`` of every member's stored marks, and how many rows each pair has."""
    marks = conv.store().spectrum_marks(session)
    counts = marks.groupby(["respondent_id", "spectrum"]).size()
    assert (counts == 1).all(), f"a mark stored more than once:\n{counts[counts > 1]}"
    out: dict = {}
    for row in marks.itertuples():
        out.setdefault(row.name, {})[row.spectrum] = row.current
    return out


def wait_stored(conv, session, members, timeout: float = 30) -> dict:
    deadline = time.time() + timeout
    while True:
        rows = stored(conv, session)
        missing = [m.name for m in members if rows.get(m.name) != m.expected()]
        if not missing:
            return rows
        assert time.time() < deadline, f"marks not stored for {missing}: {[rows.get(n) for n in missing]}"
        time.sleep(0.5)


def team_count_on(browser, conv: Convening, server: str) -> int:
    """The team view, served by ``server`` (the balancer's cookie names it): how many members have charted."""
    link = conv.link("Team pathways")
    host = urllib.parse.urlsplit(link).hostname
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_cookies([{"name": "WBSERVER", "value": server, "domain": host, "path": "/"}])
        page = context.new_page()
        page.set_default_timeout(90_000)
        page.goto(link)
        wait_for_app(page, "Team pathways")
        text = page.get_by_role("status").filter(has_text=re.compile(r"member")).first.inner_text()
        served = {c["name"]: c["value"] for c in context.cookies()}.get("WBSERVER")
        assert served == server, f"the team view was meant for {server} but {served} served it"
        match = re.search(r"(\d+) members? (?:has|have) charted", text)
        assert match, text
        return int(match.group(1))
    finally:
        context.close()


def test_a_convening_spreads_members_keeps_every_mark_and_survives_a_lost_server(convening, browser):
    conv = convening
    assert len(conv.servers) == SERVERS
    join = conv.link("Charting Your Path")
    assert join.startswith(f"http://127.0.0.1:{conv.port}{PREFIX}voila/render/"), "links point at the balancer"
    session = int(urllib.parse.parse_qs(urllib.parse.urlsplit(join).query)["session"][0])
    members: list[Member] = []
    try:
        for first in range(0, MEMBERS, WAVE):
            wave = [Member(browser, f"Convening Member {i + 1:02d}", i) for i in range(first, first + WAVE)]
            members += wave
            for m in wave:  # the wave opens the link together
                m.page.goto(join, wait_until="commit")
            for m in wave:
                m.start()
            for m in wave:
                m.mark_all()
        by_server: dict[str, list[Member]] = {}
        for m in members:
            by_server.setdefault(m.server(), []).append(m)
        assert set(by_server) == set(conv.servers), f"members not spread over every server: " \
            f"{ {s: len(ms) for s, ms in by_server.items()} }"
        for m in members:
            assert m.personal.startswith(f"http://127.0.0.1:{conv.port}{PREFIX}"), m.personal
            assert m.page.locator(".js-plotly-plot").first.evaluate("g => (g.data || []).length") > 0
            assert not m.failed, f"{m.name}: failed requests under {PREFIX}: {m.failed}"

        rows = wait_stored(conv, session, members)
        with_marks = len([name for name in rows if rows[name]])  # the demo's fictional members, and the 24
        assert len([name for name in rows if name.startswith("Convening Member")]) == MEMBERS
        for server in conv.servers:
            assert team_count_on(browser, conv, server) == with_marks, server

        # a server is lost: its process, its kernels and their template, all at once (a machine gone)
        victim = max(by_server, key=lambda s: len(by_server[s]))
        pid = conv.servers[victim]["pid"]
        doomed = kernels_of(pid)
        for m in members:
            m.watching = False
        for kernel in doomed:
            os.kill(kernel, signal.SIGKILL)
        os.killpg(pid, signal.SIGKILL)
        # who was on the lost server is decided by the cookies before the loss: once it is gone, a page's next
        # request is sent elsewhere by the balancer, with a new cookie
        lost = by_server[victim]
        others = [m for m in members if m not in lost]

        for m in lost:
            m.page.get_by_role("alertdialog").wait_for(timeout=90_000)
            assert "Everything saved before is safe" in m.page.get_by_role("alertdialog").inner_text()
        for m in lost:
            m.page.bring_to_front()
            m.page.get_by_role("button", name="Reopen this page").click()
            m.page.wait_for_url(m.personal)
            wait_for_app(m.page, "Charting Your Path")
            assert m.server() in set(conv.servers) - {victim}, f"{m.name} came back on {m.server()}"
            m.shows_marks()
            m.mark_again()
        for m in others:
            assert m.page.evaluate("document.body.dataset.wbConnection") == "ok", m.name
            assert m.page.get_by_role("alertdialog").count() == 0, m.name
            m.mark_again()

        after = wait_stored(conv, session, members)  # every mark, the new ones too, each stored once
        joined = [r.name for r in conv.store().respondents(session) if r.name.startswith("Convening Member")]
        assert sorted(joined) == sorted(m.name for m in members), "a member stored twice, or lost"
        assert {n: r for n, r in after.items() if not n.startswith("Convening Member")} == \
            {n: r for n, r in rows.items() if not n.startswith("Convening Member")}
        live = sorted(set(conv.servers) - {victim})
        assert team_count_on(browser, conv, live[0]) == with_marks
    finally:
        for m in members:
            m.close()


def test_a_balancer_reload_while_members_mark_keeps_every_page_on_its_server_and_every_mark(convening, browser):
    """HAProxy's configuration changes while members mark (a server drained: weight 0), and HAProxy reloads softly.

    The reload is asked for as a person asks it (``kill -USR1`` on the convening, the weights in its folder): the
    convening writes the configuration, has HAProxy check it and reloads it (master-worker, SIGUSR2). Marks made
    before, during and after it are each stored once, no page changes server or opens a new websocket, and a new
    visit avoids the drained server.
    """
    from workbook.serve.convening import _children

    conv = convening
    join = conv.link("Charting Your Path")
    session = int(urllib.parse.parse_qs(urllib.parse.urlsplit(join).query)["session"][0])
    folder = Path(re.search(r"log (\S+)/s1\.log", conv.printed).group(1))
    masters = [pid for pid in _children(conv.proc.pid) if "haproxy" in cmdline(pid)]
    assert len(masters) == 1, masters
    master = masters[0]
    out = folder / "convening.out"
    members = [Member(browser, f"Reload Member {i + 1}", i) for i in range(3)]
    drained = ""

    def mark(m: Member, spectra: list[int]) -> None:
        m.page.bring_to_front()
        for j in spectra:
            m.page.get_by_role("slider", name=re.compile(f"{SPECTRA[j]}, now")).focus()
            m.page.keyboard.press(m.keys[j])

    def reload(weights: str) -> float:
        """Ask the convening to reload with ``weights``; when it was asked."""
        (folder / "weights").write_text(weights)
        asked = time.time()
        os.kill(conv.proc.pid, signal.SIGUSR1)
        return asked

    def reloaded(count: int, timeout: float = 60) -> float:
        deadline = time.time() + timeout
        while out.read_text().count("balancer reloaded") < count:
            assert time.time() < deadline, f"the balancer was not reloaded:\n{out.read_text()[-2000:]}"
            time.sleep(0.1)
        return time.time()

    try:
        for m in members:
            m.page.goto(join, wait_until="commit")
        for m in members:
            m.start()
        sockets: dict[str, list[str]] = {m.name: [] for m in members}
        for m in members:  # a page that lost its kernel's websocket would open a new one
            m.page.on("websocket", lambda ws, name=m.name: sockets[name].append(ws.url))
        servers = {m.name: m.server() for m in members}
        assert all(servers.values()), servers

        for m in members:  # before
            mark(m, [0, 1])
            m.page.get_by_text("All changes saved").wait_for()
        workers = set(_children(master))
        drained = servers[members[0].name]  # a server with a page open on it
        done = out.read_text().count("balancer reloaded")
        asked = reload(f"# drained for maintenance\n{drained} 0\n")
        # during: marks go out while the convening checks the configuration and HAProxy reloads; the last round
        # waits for HAProxy's new worker, so it is sent while the old worker finishes the pages' websockets
        during = [(m, j) for j in (2, 3, 4) for m in members]
        for k, (m, j) in enumerate(during):
            if k == len(during) - len(members):
                deadline = time.time() + 60
                while not set(_children(master)) - workers:
                    assert time.time() < deadline, "HAProxy started no new worker within 60 s"
                    time.sleep(0.05)
            mark(m, [j])
            time.sleep(0.1)
        sent = time.time()
        finished = reloaded(done + 1)
        for m in members:
            m.page.get_by_text("All changes saved").wait_for()
        for m in members:  # after
            mark(m, [5, 6])
            m.page.get_by_text("All changes saved").wait_for()

        wait_stored(conv, session, members)  # every mark, each stored once
        for m in members:
            assert m.server() == servers[m.name], f"{m.name} moved from {servers[m.name]} to {m.server()}"
            assert m.page.evaluate("document.body.dataset.wbConnection") == "ok", m.name
            assert m.page.get_by_role("alertdialog").count() == 0, m.name
            assert not sockets[m.name], f"{m.name} reconnected its kernel: {sockets[m.name]}"
            assert not m.failed, f"{m.name}: failed requests: {m.failed}"
        assert f"cookie {drained} weight 0" in (folder / "haproxy.cfg").read_text()
        assert set(_children(master)) - workers, "HAProxy started no new worker: it was not reloaded"
        tick, boot = os.sysconf("SC_CLK_TCK"), time.time() - float(Path("/proc/uptime").read_text().split()[0])
        forked = [boot + int(Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[19]) / tick - asked
                  for w in set(_children(master)) - workers]
        timing = (f"reload asked at 0 s, marks sent until {sent - asked:.1f} s, new worker forked at "
                  f"{min(forked):.1f} s, reload reported at {finished - asked:.1f} s")
        print(timing)
        assert 0 < min(forked) < sent - asked, f"the marks were not sent while HAProxy reloaded: {timing}"
        with urllib.request.urlopen(join, timeout=120) as response:  # a new device: not sent to the drained server
            cookies = " ".join(response.headers.get_all("Set-Cookie") or [])
        assert re.search(r"WBSERVER=(\w+)", cookies).group(1) != drained
    finally:
        if drained:  # the drained server takes members again
            done = out.read_text().count("balancer reloaded")
            reload(f"{drained} 1\n")
            reloaded(done + 1)
        for m in members:
            m.close()


def test_a_full_server_sends_visits_to_another_then_says_plainly_to_retry(tmp_path_factory, database):
    """Two servers that carry one page each: two visits land on both, the third gets the plain busy page."""
    folder = tmp_path_factory.mktemp("full")
    conv = start_convening(folder, database, "--servers", "2", "--preheat", "0", "--max-kernels", "1")
    try:
        link = conv.link("Charting Your Path")
        served = []
        for _ in range(2):  # two devices: no cookie between them
            with urllib.request.urlopen(link, timeout=120) as response:
                body = response.read().decode()
                assert response.status == 200 and "Charting Your Path" in body
                cookies = " ".join(response.headers.get_all("Set-Cookie") or [])
                served.append(re.search(r"WBSERVER=(\w+)", cookies).group(1))
        assert sorted(served) == ["s1", "s2"], served
        with pytest.raises(urllib.error.HTTPError) as busy:
            urllib.request.urlopen(link, timeout=120)
        assert busy.value.code == 503
        assert busy.value.headers.get("Retry-After")
        page = busy.value.read().decode()
        assert "The workbook is busy" in page and "tries again by itself" in page and 'http-equiv="refresh"' in page
    finally:
        stop_convening(conv.proc)


def test_a_convening_killed_outright_takes_its_servers_and_balancer_with_it(tmp_path_factory, database):
    """The launcher lost to SIGKILL (a crash, the out-of-memory killer): no server or balancer is left running."""
    folder = tmp_path_factory.mktemp("killed")
    conv = start_convening(folder, database, "--servers", "2", "--preheat", "0")
    pids = [s["pid"] for s in conv.servers.values()]
    balancer = [int(p) for p in os.listdir("/proc") if p.isdigit() and str(folder / "haproxy.cfg") in cmdline(int(p))]
    assert len(pids) == 2 and balancer, (pids, balancer)
    conv.proc.kill()
    conv.proc.wait(10)

    deadline = time.time() + 60
    while any(running(p) for p in pids + balancer) and time.time() < deadline:
        time.sleep(0.5)
    assert not [p for p in pids + balancer if running(p)], "servers or the balancer outlived their convening"
