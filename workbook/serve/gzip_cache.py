"""Static files compressed as small as gzip goes, once per environment, in the background.

The server compresses a static file the first time a page asks for it, at Tornado's level (fast, about
0.25 s of the server's time for a member page's scripts), and keeps it (``voila_server.CompressedOnce``).
The same file compressed by Zopfli is still gzip, which every browser reads, and about 5 % smaller: 70 KB
less of a member's first visit (1.65 MB to about 1.58 MB). Zopfli takes about 8 s of CPU for those files,
far too long for a page to wait on, so the server hands each file it compressed to a worker process
(``python -m workbook.serve.gzip_cache``, at the lowest CPU priority) and serves the worker's copy once it
is on disk. The copies are kept in the environment (:func:`folder`), named by the file's path, size and
modification time, so an upgraded Voila's files get new copies; they are written whole or not at all
(``content.files.write_atomic``). With no Zopfli installed, or a folder the server cannot write, pages get
the server's own gzip, as before.

``WORKBOOK_GZIP_CACHE`` names another folder; ``off`` turns the worker off.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

ENV = "WORKBOOK_GZIP_CACHE"
ITERATIONS = 5  # Zopfli's passes: 15 (its default) gives 0.03 % more for three times the CPU


def folder() -> Path | None:
    """Where the compressed copies are kept: ``$WORKBOOK_GZIP_CACHE``, else the environment's share folder."""
    named = os.environ.get(ENV, "")
    if named.lower() == "off":
        return None
    return Path(named) if named else Path(sys.prefix) / "share" / "workbook" / "gzip"


def key(path: str, stat: os.stat_result) -> str:
    """The copy's file name: the file's absolute path, size and modification time, hashed."""
    text = f"{os.path.abspath(path)}\0{stat.st_size}\0{stat.st_mtime_ns}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:40] + ".gz"


def kept(path: str, stat: os.stat_result) -> bytes | None:
    """The Zopfli copy of ``path`` as it is now (``stat``), when the worker has made it; else None."""
    where = folder()
    if where is None:
        return None
    try:
        return (where / key(path, stat)).read_bytes()
    except OSError:
        return None


def compress(data: bytes) -> bytes:
    """``data`` as a gzip stream made by Zopfli."""
    import zopfli.gzip

    return zopfli.gzip.compress(data, numiterations=ITERATIONS)


def available() -> bool:
    """Whether Zopfli is installed in this environment."""
    import importlib.util

    return importlib.util.find_spec("zopfli") is not None


def make_copy(path: str) -> str:
    """Compress ``path`` with Zopfli into :func:`folder` unless its copy is there; what happened."""
    from ..content.files import write_atomic

    where = folder()
    if where is None:
        return "off"
    try:
        stat = os.stat(path)
        target = where / key(path, stat)
        if target.exists():
            return "present"
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:  # the file has gone (an upgrade under the server): nothing to keep
        return "gone"
    body = compress(data)
    if os.stat(path).st_mtime_ns != stat.st_mtime_ns:  # changed while it was read: the next ask makes it
        return "changed"
    try:
        where.mkdir(parents=True, exist_ok=True)
        write_atomic(target, body)
    except OSError as exc:
        return f"not made ({exc.strerror or exc})"
    return "made"


class Worker:
    """The server's one worker process, started on the first file it is given; ``ask`` never blocks a page.

    The worker reads one path a line and ends when the server does (its input closes). A worker that cannot
    start, or has ended, is not started again: pages keep the server's own gzip.
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._asked: set[str] = set()
        self._lock = threading.Lock()
        self.failed = False

    def ask(self, path: str) -> None:
        """Have ``path`` compressed by Zopfli (once per server process)."""
        with self._lock:
            if self.failed or path in self._asked or folder() is None:
                return
            self._asked.add(path)
            try:
                if self._proc is None:
                    if not available():
                        self.failed = True
                        return
                    self._proc = subprocess.Popen(
                        [sys.executable, "-m", "workbook.serve.gzip_cache"], stdin=subprocess.PIPE,
                        stdout=subprocess.DEVNULL, stderr=None, text=True, bufsize=1)
                stdin = self._proc.stdin
                assert stdin is not None
                stdin.write(path + "\n")
            except (OSError, ValueError):  # could not start, or it has ended (a closed pipe)
                self.failed = True


WORKER = Worker()


def main() -> int:
    """The worker: compress each path read from standard input, at the lowest CPU priority, until it closes."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl+C in the server's terminal: the server ends, then this
    try:
        os.nice(19)
    except OSError:
        pass
    for line in sys.stdin:
        path = line.rstrip("\n")
        if path:
            what = make_copy(path)
            if what.startswith("not made"):  # the folder, not this file: said once, and the worker ends
                print(f"note: the smaller compressed copies of static files cannot be kept in {folder()} "
                      f"{what.removeprefix('not made ')}; pages are sent with the server's own gzip. Set {ENV} "
                      "to a folder the server's user can write, or to off.", file=sys.stderr, flush=True)
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
