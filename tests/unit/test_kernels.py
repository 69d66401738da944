"""Kernels forked from the warm template: no inherited descriptors, reaped exits, fresh seeds, a replaced template.

The template here warms up lightly (ipykernel and numpy, not the report's modules) so each template start is
short; it also keeps a file open and seeds both random generators, so a child that skipped its clean-up shows.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from tests.conftest import run_async
from workbook.kernels import provisioner
from workbook.kernels.template import ForkedKernel
from workbook.reports import batch as reports
from workbook.reports.kernels import ForkingKernelManager
from workbook.reports.kernels import ReportTemplate as Template

WARM_MODULE = '''
import random

import ipykernel.ipkernel
import ipykernel.kernelapp
import numpy

HELD = []


def warm():
    HELD.append(open(__file__ + ".held", "a"))  # a file the template keeps open for its whole life
    random.seed(0)
    numpy.random.seed(0)  # the first draws every child would repeat without a reseed
'''
SEEDED = {"__import__('numpy').random.random()": "0.5488135039273248",
          "__import__('random').random()": "0.8444218515250481"}


@pytest.fixture(scope="module")
def held(tmp_path_factory):
    """The light template for every test here (started on first use); the path of the file it holds open."""
    folder = tmp_path_factory.mktemp("warm")
    (folder / "rk_light_warm.py").write_text(WARM_MODULE)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])))
        mp.setattr(Template, "warm", "rk_light_warm:warm")
        mp.setattr(Template, "_instance", None)
        mp.setattr(Template, "_unavailable", None)
        try:
            yield folder / "rk_light_warm.py.held"
        finally:
            if Template._instance is not None:
                Template.discard(Template._instance)


async def start(cwd: Path):
    km = ForkingKernelManager(kernel_name="python3")
    await km.start_kernel(cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    return km, kc


async def stop(km, kc) -> None:
    kc.stop_channels()
    await km.shutdown_kernel(now=True)


async def evaluate(kc, expression: str) -> str:
    reply = await kc.execute("", user_expressions={"v": expression}, reply=True, timeout=60)
    value = reply["content"]["user_expressions"]["v"]
    assert value["status"] == "ok", value
    return value["data"]["text/plain"]


def fds(pid: int) -> dict[int, str]:
    found = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            found[int(name)] = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            pass  # closed while listed
    return found


def stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None once it is gone (a zombie is still there, state Z)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def children_of(pid: int) -> dict[int, str]:
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (got := stat(int(name))) is not None and got[1] == pid:
            found[int(name)] = got[0]
    return found


def until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_forked_kernel_holds_no_descriptor_of_the_template(held, tmp_path):
    async def go():
        km, kc = await start(tmp_path)
        try:
            kernel = km.provisioner.process
            assert isinstance(kernel, ForkedKernel)
            template = fds(Template._instance.process.pid)
            # the template holds the file, its socket to this process and a pidfd for the running kernel ...
            assert str(held) in template.values()
            assert any(link.startswith("socket:") for fd, link in template.items() if fd > 2)
            assert "anon_inode:[pidfd]" in template.values()
            await evaluate(kc, "1")  # the kernel is fully up: every descriptor it opens is open
            mine = fds(kernel.pid)
            # ... and the kernel none of them: only what ipykernel opened itself, and its standard streams
            assert str(held) not in mine.values()
            inherited = {link for fd, link in template.items() if fd > 2 and not link.startswith("anon_inode:")}
            assert not inherited & set(mine.values()), (template, mine)
            assert "anon_inode:[pidfd]" not in mine.values()
            assert mine[0] == os.devnull
        finally:
            await stop(km, kc)

    run_async(go())


def test_each_kernel_draws_its_own_random_numbers_and_reports_its_kill(held, tmp_path):
    async def go():
        started = [await start(tmp_path), await start(tmp_path)]
        kernels = [km.provisioner.process for km, _ in started]
        try:
            draws = [{e: await evaluate(kc, e) for e in SEEDED} for _, kc in started]
        finally:
            for km, kc in started:
                await stop(km, kc)
        return kernels, draws

    kernels, draws = run_async(go())
    for expression, template_draw in SEEDED.items():
        values = [d[expression] for d in draws]
        assert values[0] != values[1], (expression, values)  # a fresh seed in each child ...
        assert template_draw not in values, (expression, values)  # ... not the template's state
    # the manager's kill went through the template, which reaped each kernel and reported how it ended
    assert [k.returncode for k in kernels] == [-signal.SIGKILL, -signal.SIGKILL]


def test_an_exited_kernel_is_reaped_with_its_status_and_never_signalled(held, tmp_path, monkeypatch):
    sent = []

    def spy(name):
        return lambda *args: sent.append((name, args))

    async def go():
        km, kc = await start(tmp_path)
        kernel = km.provisioner.process
        template_pid = Template._instance.process.pid
        try:
            assert stat(kernel.pid)[1] == template_pid
            kc.execute("import os; os._exit(7)")
            # the template reaps it unasked (no zombie left) before this process has looked at it
            assert until(lambda: stat(kernel.pid) is None), stat(kernel.pid)
            assert kernel.returncode is None
            assert "Z" not in children_of(template_pid).values()
            for name in ("kill", "killpg"):
                monkeypatch.setattr(os, name, spy(f"os.{name}"))
            monkeypatch.setattr(signal, "pidfd_send_signal", spy("pidfd_send_signal"))
            monkeypatch.setattr(Template, "signal", spy("Template.signal"))
            kernel.kill()  # learns here that the kernel has exited: nothing is signalled
            kernel.terminate()
            kernel.send_signal(signal.SIGINT)
            await km.provisioner.send_signal(signal.SIGTERM)
            await km.provisioner.kill()
            assert sent == []
            assert kernel.returncode == 7 and kernel.poll() == 7 and kernel.wait(timeout=1) == 7
            assert not await km.is_alive()
        finally:
            monkeypatch.undo()
            await stop(km, kc)

    run_async(go())


PROBE = 'import os\nfrom IPython.display import HTML\nHTML(f"<p>report for {district} by {os.getppid()}</p>")'


def run_probe_report(tmp_path: Path, monkeypatch) -> tuple[reports.Outcome, str]:
    """One district through the batch's own ``run_one`` (papermill, forked kernel, HTML page)."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('district = "x"\nsession = None', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(PROBE)],
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    monkeypatch.setattr(reports, "NOTEBOOK", path)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    outcome = reports.run_one("probe-usd", "Probe USD", None, str(out), 60)
    page = (out / "probe-usd.html").read_text(encoding="utf-8") if outcome.file else ""
    return outcome, page


def kill_and_wait(template: Template) -> int:
    """SIGKILL a template and wait until it is a zombie (dead, not yet reaped by this process)."""
    pid = template.process.pid
    os.kill(pid, signal.SIGKILL)  # our own child, not yet reaped: the pid is still its own
    assert until(lambda: stat(pid)[0] == "Z")
    return pid


def test_the_event_loop_keeps_running_while_the_template_forks(held, tmp_path, monkeypatch):
    """A server starting a room's kernels keeps serving pages while the template answers (a busy machine)."""
    import asyncio

    assert Template.get() is not None
    fork, forking = Template.fork, []

    def slow_fork(self, *args, **kwargs):
        began = time.monotonic()
        time.sleep(0.5)  # the template's answer is slow in coming
        kernel = fork(self, *args, **kwargs)
        forking.append((began, time.monotonic()))
        return kernel

    monkeypatch.setattr(Template, "fork", slow_fork)

    async def go():
        ticks = []

        async def tick():
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.02)

        ticker = asyncio.create_task(tick())
        km = ForkingKernelManager(kernel_name="python3")
        try:
            await km.start_kernel(cwd=str(tmp_path))
            assert isinstance(km.provisioner.process, ForkedKernel)
        finally:
            ticker.cancel()
            await km.shutdown_kernel(now=True)
        return ticks

    ticks = run_async(go())
    (began, ended), = forking
    assert [t for t in ticks if began < t < ended], "the event loop stood still while the template forked"


def test_a_dead_template_is_replaced(held, tmp_path, monkeypatch):
    first = Template.get()
    assert first is not None
    dead = kill_and_wait(first)
    # seen dead before the fork: a new template forks the report's kernel
    outcome, page = run_probe_report(tmp_path, monkeypatch)
    assert (outcome.status, outcome.error) == ("ok", ""), outcome
    second = Template._instance
    assert second is not first and second.process.pid != dead and first.process.returncode == -signal.SIGKILL
    assert re.search(rf"report for probe-usd by {second.process.pid}</p>", page), page
    assert until(lambda: not children_of(second.process.pid))  # the report's kernel is gone, not a zombie
    # found dead only when asked to fork (it still looked alive): replaced, and the kernel starts all the same
    kill_and_wait(second)
    monkeypatch.setattr(second.process, "poll", lambda: None)

    async def go():
        km, kc = await start(tmp_path)
        try:
            return await evaluate(kc, "__import__('os').getppid()")
        finally:
            await stop(km, kc)

    parent = run_async(go())
    third = Template._instance
    assert third not in (first, second) and parent == str(third.process.pid)
    assert until(lambda: not children_of(third.process.pid))


def test_kernels_are_launched_as_usual_when_no_template_starts(held, tmp_path, monkeypatch):
    if Template._instance is not None:
        Template.discard(Template._instance)
    monkeypatch.setattr(Template, "_unavailable", None)
    monkeypatch.setattr(Template, "warm", "rk_light_warm:no_such_function")

    async def go():
        km, kc = await start(tmp_path)
        try:
            process = km.provisioner.process
            return process, await evaluate(kc, "__import__('os').getppid()")
        finally:
            await stop(km, kc)

    process, parent = run_async(go())
    assert isinstance(process, subprocess.Popen) and parent == str(os.getpid())
    assert Template._instance is None and Template.get() is None  # not tried again for every district


def test_the_template_rehearses_a_whole_report_and_leaves_nothing_behind(tmp_path, monkeypatch):
    """The warm-up runs the demo district's report from a throwaway store, then removes it and holds no file."""
    import workbook.reports.district_report as district_report
    from workbook.reports import kernels as report_kernels

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    sections = []
    real = district_report.parts
    monkeypatch.setattr(district_report, "parts",
                        lambda slug, **kw: sections.append(slug) or real(slug, **kw))
    report_kernels.rehearse()
    assert sections == ["example-usd"], "the rehearsal ran no report"
    assert list(tmp_path.iterdir()) == [], "the rehearsal left its store behind"
    held = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
            if os.path.exists(f"/proc/self/fd/{fd}")]
    assert not [p for p in held if "rehearsal" in p], held


def test_a_failed_rehearsal_leaves_the_template_usable(tmp_path, monkeypatch):
    import workbook.reports.district_report as district_report
    from workbook.reports import kernels as report_kernels

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)

    def broken(*_a, **_k):
        raise RuntimeError("a section failed")

    monkeypatch.setattr(district_report, "parts", broken)
    report_kernels.rehearse()  # no exception: the districts' own runs report their errors
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ ports below the ephemeral range


def kernel_ports(km) -> list[int]:
    info = km.get_connection_info()
    return [info[name] for name in provisioner.PORT_NAMES]


def test_kernel_ports_are_free_ports_below_the_ephemeral_range_never_handed_out_twice(monkeypatch):
    low, _high = provisioner.ephemeral_range()
    # a port some other program listens on, offered first by the random pick: never taken
    taken = socket.socket()
    taken.bind(("127.0.0.1", provisioner.PORT_FLOOR + 17))
    taken.listen()
    picks = iter([provisioner.PORT_FLOOR + 17] * 3)
    real = provisioner.random.randrange
    monkeypatch.setattr(provisioner.random, "randrange", lambda a, b: next(picks, None) or real(a, b))
    ports = provisioner.KernelPorts()
    try:
        first = ports.take("127.0.0.1")
        second = ports.take("127.0.0.1")
        assert len(first) == len(second) == 5
        assert provisioner.PORT_FLOOR + 17 not in first + second
        assert len(set(first + second)) == 10  # never one port for two kernels
        assert all(provisioner.PORT_FLOOR <= p < low for p in first + second)
        ports.give_back(first)
        assert not set(first) & ports._used and set(second) <= ports._used
    finally:
        taken.close()


def test_a_kernel_whose_port_was_taken_comes_back_on_new_ports_when_restarted(held, tmp_path, monkeypatch):
    """A port taken between the pick and the kernel's bind kills the kernel; its restart must not reuse it."""
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    real_take = provisioner.PORTS.take
    calls = []

    held_at_restart = []

    def take_once_taken(ip, count=5):  # the first kernel gets a port someone took after the pick
        if calls:  # the restart's pick: the dead kernel's ports are still held, so none of them comes back
            held_at_restart.append(set(calls[0][1:]) <= provisioner.PORTS._used)
        got = real_take(ip, count)
        calls.append(got)
        if len(calls) == 1:
            provisioner.PORTS.give_back(got[:1])
            got = [port, *got[1:]]
            provisioner.PORTS._used.add(port)
        return got

    monkeypatch.setattr(provisioner.PORTS, "take", take_once_taken)

    async def go():
        km = ForkingKernelManager(kernel_name="python3")
        await km.start_kernel(cwd=str(tmp_path))
        first = kernel_ports(km)
        assert first[0] == port
        kc = km.client()
        kc.start_channels()
        with pytest.raises(RuntimeError):  # jupyter_client's words for a kernel that could not bind
            await kc.wait_for_ready(timeout=60)
        kc.stop_channels()
        await km.restart_kernel(now=True, newports=True)  # what Voila's restarter does next
        second = kernel_ports(km)
        assert held_at_restart == [True]
        assert not set(first) & set(second), (first, second)
        low, _high = provisioner.ephemeral_range()
        assert all(provisioner.PORT_FLOOR <= p < low for p in second)
        assert not set(first[1:]) & provisioner.PORTS._used  # the dead kernel's ports were given back
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            assert await evaluate(kc, "6 * 7") == "42"
        finally:
            await stop(km, kc)
        assert not set(second) & provisioner.PORTS._used

    try:
        run_async(go())
    finally:
        blocker.close()
