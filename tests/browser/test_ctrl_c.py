"""Stopping a room: Ctrl+C in the facilitator's terminal ends ``workbook serve`` at once, without a traceback.

The server runs as ``make room`` runs it (a preheated pool, a page opened so the gzip worker runs and the pool
refills), in a real terminal (a pseudo-terminal: Ctrl+C is the terminal's interrupt, sent to the whole
foreground process group).
"""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
import urllib.request

from tests.helpers import free_port
from workbook import demo
from workbook.store import Store


def _read(fd: int, seconds: float, until: bytes | None = None, out: bytearray | None = None) -> tuple[bytes, bool]:
    """What the terminal printed within ``seconds`` (or until ``until`` appears); whether it closed."""
    out = out if out is not None else bytearray()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: every process in it has gone
                return bytes(out), True
            if not chunk:
                return bytes(out), True
            out += chunk
            if until is not None and until in out:
                return bytes(out), False
    return bytes(out), False


def _serve(tmp_path, preheat: int) -> tuple[int, int, int, dict]:
    """``workbook serve --preheat N`` on the demo team, in a pseudo-terminal: (pid, terminal, port, codes)."""
    url = f"sqlite:///{tmp_path / 'room.sqlite'}"
    store = Store(url)
    codes = demo.seed_demo(store)
    store.dispose()
    port = free_port()
    env = dict(os.environ, WORKBOOK_DB_URL=url, WORKBOOK_GZIP_CACHE=str(tmp_path / "gzip"))
    pid, fd = pty.fork()
    if pid == 0:  # the terminal's shell: runs the server in the foreground
        os.chdir(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        os.execve(sys.executable, [sys.executable, "-m", "workbook.cli", "serve", "--port", str(port),
                                   "--preheat", str(preheat)], env)
    return pid, fd, port, codes


def _ctrl_c(fd: int, printed: bytes) -> tuple[str, bool, float]:
    """Type Ctrl+C; what the terminal printed after it, whether every process in it ended, in how long."""
    before = len(printed)
    os.write(fd, b"\x03")  # Ctrl+C, as the facilitator types it
    started = time.monotonic()
    printed, closed = _read(fd, 30, out=bytearray(printed))
    return printed[before:].decode(errors="replace"), closed, time.monotonic() - started


def _end(pid: int, fd: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    os.waitpid(pid, 0)
    os.close(fd)


def test_ctrl_c_stops_a_preheated_server_at_once_and_prints_no_traceback(tmp_path):
    pid, fd, port, codes = _serve(tmp_path, 1)
    try:
        printed, closed = _read(fd, 120, until=b"is filled with 1 kernel")
        assert not closed and b"is filled with 1 kernel" in printed, printed[-2000:].decode(errors="replace")
        # a member's browser asks for a script: it goes to the gzip worker, which makes its copy and waits
        script = urllib.request.Request(f"http://127.0.0.1:{port}/voila/static/voila.js",
                                        headers={"Accept-Encoding": "gzip"})
        urllib.request.urlopen(script, timeout=60).read()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not list((tmp_path / "gzip").glob("*.gz")):
            time.sleep(0.2)
        assert list((tmp_path / "gzip").glob("*.gz")), "the gzip worker made no copy"
        # the member opens the page: it takes the preheated kernel, and the pool starts the next one; the
        # facilitator stops the room while it does (a Ctrl+C then was lost, and the server kept running)
        query = f"district={codes['district']}&session={codes['session']}&code={codes['code']}"
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/render/charting_your_path.ipynb?{query}",
                                      timeout=60).read()
        assert b"Charting Your Path" in page
        after, closed, took = _ctrl_c(fd, printed)
        assert closed, f"still running 30 s after Ctrl+C:\n{after[-2000:]}"
        assert took < 15, took
        assert "Traceback" not in after and "KeyboardInterrupt" not in after and "ERROR" not in after, after
    finally:
        _end(pid, fd)


def test_ctrl_c_with_a_full_pool_prints_no_error_from_the_waiting_kernels(tmp_path):
    """``make app``'s pool: kernels that ran their notebook and wait for a page (``wait_for_visit``)."""
    pid, fd, _port, _codes = _serve(tmp_path, 2)
    try:
        printed, closed = _read(fd, 120, until=b"is filled with 2 kernel")
        assert not closed and b"is filled with 2 kernel" in printed, printed[-2000:].decode(errors="replace")
        time.sleep(2)  # both kernels wait for their page
        after, closed, took = _ctrl_c(fd, printed)
        assert closed and took < 15, (took, after[-2000:])
        assert "Traceback" not in after and "ERROR" not in after, after
    finally:
        _end(pid, fd)
