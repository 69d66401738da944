"""Processes for the benchmarks: start servers in their own process group, read the process tree, stop it all.

Everything here reads ``/proc`` directly (Linux only): the parent of each process, its resident memory
(``VmRSS``) and its CPU ticks. Kernels started by Jupyter run in sessions of their own, so stopping a server
also stops every descendant recorded before the stop.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

KERNEL_MARK = "ipykernel_launcher"  # a kernel launched the usual way: ``python -m ipykernel_launcher -f ...``
KERNEL_NAME = "ipykernel"  # a kernel forked from the workbook's warm template names itself so (``/proc/<pid>/comm``)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _stat(pid: int) -> list[str]:
    """Fields of ``/proc/<pid>/stat`` after the command name (field 3 onwards), or ``[]``."""
    text = _read(f"/proc/{pid}/stat")
    return text[text.rfind(")") + 2:].split() if text else []


def children_map() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process visible now."""
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat(int(name))
            if fields:
                kids.setdefault(int(fields[1]), []).append(int(name))
    return kids


def descendants(pid: int) -> list[int]:
    """All processes below ``pid`` (children, grandchildren, ...)."""
    kids, out, todo = children_map(), [], [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def cmdline(pid: int) -> str:
    return _read(f"/proc/{pid}/cmdline").replace("\0", " ")


def is_kernel(pid: int) -> bool:
    """Whether ``pid`` is an ipykernel: launched (its command line) or forked from a template (its name)."""
    return KERNEL_MARK in cmdline(pid) or _read(f"/proc/{pid}/comm").strip() == KERNEL_NAME


def kernels_of(pid: int) -> list[int]:
    """The ipykernel processes below ``pid`` (a Voila server's kernels, launched or forked)."""
    return [p for p in descendants(pid) if is_kernel(p)]


def rss_kib(pid: int) -> int:
    """``VmRSS`` of one process in KiB (0 when it is gone)."""
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def rss_mib(pids) -> float:
    """Summed ``VmRSS`` of ``pids`` in MiB."""
    return sum(rss_kib(p) for p in pids) / 1024


def pss_kib(pid: int) -> int:
    """``Pss`` of one process in KiB (``/proc/<pid>/smaps_rollup``): its private memory plus its share of the
    pages it shares (a forked kernel shares most of its template's), so summed over processes it is the memory
    they use together; 0 when it is gone."""
    for line in _read(f"/proc/{pid}/smaps_rollup").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def tree_pss_mib(pid: int) -> float:
    """Summed ``Pss`` of ``pid`` and all its descendants, in MiB: the memory the whole tree takes from the machine."""
    return sum(pss_kib(p) for p in [pid, *descendants(pid)]) / 1024


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its living descendants."""
    return cpu_ticks([pid, *descendants(pid)]) / os.sysconf("SC_CLK_TCK")


def tree_rss_mib(pid: int) -> float:
    """Summed ``VmRSS`` of ``pid`` and all its descendants, in MiB."""
    return rss_mib([pid, *descendants(pid)])


def cpu_ticks(pids) -> int:
    """User + system clock ticks used so far by ``pids``."""
    total = 0
    for p in pids:
        fields = _stat(p)
        if fields:
            total += int(fields[11]) + int(fields[12])
    return total


def wait_settled(pid: int, min_kernels: int = 0, timeout: float = 90, window: float = 0.5,
                 quiet: float = 0.08) -> float:
    """Wait until the tree under ``pid`` holds ``min_kernels`` kernels and is idle for two windows in a row.

    Idle means it used less than ``quiet`` of one core during the window. Returns the seconds waited.
    """
    return wait_all_settled([(pid, min_kernels)], timeout, window, quiet)


def wait_all_settled(trees: list[tuple[int, int]], timeout: float = 90, window: float = 0.5,
                     quiet: float = 0.08) -> float:
    """``wait_settled`` for several servers at once: each tree ``(pid, min_kernels)`` holds its kernels and
    all of them together use less than ``quiet`` of one core for two windows in a row. Returns the seconds waited.
    """
    tick = os.sysconf("SC_CLK_TCK")
    start = time.perf_counter()
    calm = 0
    while time.perf_counter() - start < timeout:
        family = {pid: [pid, *descendants(pid)] for pid, _n in trees}
        pids = [p for members in family.values() for p in members]
        before = cpu_ticks(pids)
        time.sleep(window)
        used = (cpu_ticks(pids) - before) / tick / window
        enough = all(len([p for p in family[pid] if is_kernel(p)]) >= n for pid, n in trees)
        calm = calm + 1 if (used < quiet and enough) else 0
        if calm >= 2:
            break
    return time.perf_counter() - start


def spawn(argv: list[str], log: Path, env: dict | None = None, cwd: str | Path | None = None) -> subprocess.Popen:
    """Start ``argv`` in a new process group, its output going to ``log``."""
    handle = open(log, "w")
    proc = subprocess.Popen(argv, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                            start_new_session=True)
    proc.log_handle = handle
    return proc


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 120) -> float:
    """Wait until ``url`` answers (any HTTP status); raise if the process dies first. Returns seconds."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:4]} exited with {proc.returncode}; see {proc.log_handle.name}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return time.perf_counter() - start
        except urllib.error.HTTPError:
            return time.perf_counter() - start
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def _kill(family: dict[int, str], sig) -> None:
    """Signal each recorded process that still runs the same command (never a recycled pid)."""
    for p, line in family.items():
        if cmdline(p) != line:
            continue
        try:
            os.kill(p, sig)
        except (ProcessLookupError, PermissionError):
            pass


def stop(proc: subprocess.Popen | None, grace: float = 15) -> None:
    """Stop ``proc``, its process group and every descendant (kernels run in sessions of their own)."""
    if proc is None:
        return
    family = {p: cmdline(p) for p in descendants(proc.pid)}
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _kill(family, signal.SIGTERM)
    time.sleep(0.5)
    _kill(family, signal.SIGKILL)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass
    handle = getattr(proc, "log_handle", None)
    if handle:
        handle.close()


class Sampler:
    """Samples the summed RSS and the kernel count of the tree under ``pid`` in a thread; keeps the peaks.

    ``exclude_root`` leaves ``pid`` itself out (the benchmark process when it samples its own workers);
    ``only_new`` leaves out the processes already under ``pid`` when sampling starts (what an earlier group may
    have left running is not the measured job's).
    """

    def __init__(self, pid: int, every: float = 0.25, exclude_root: bool = False, only_new: bool = False):
        import threading

        self.pid, self.every, self.exclude_root, self.only_new = pid, every, exclude_root, only_new
        self._before: set[int] = set()
        self.peak_mib, self.peak_kernels, self.samples = 0.0, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            pids = [p for p in descendants(self.pid) if p not in self._before] + \
                ([] if self.exclude_root else [self.pid])
            self.peak_mib = max(self.peak_mib, rss_mib(pids))
            self.peak_kernels = max(self.peak_kernels, len([p for p in pids if is_kernel(p)]))
            self.samples += 1
            self._stop.wait(self.every)

    def __enter__(self) -> Sampler:
        if self.only_new:
            self._before = set(descendants(self.pid))
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
