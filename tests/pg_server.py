"""A throwaway PostgreSQL server for the tests, started from the installed server binaries.

``initdb`` into a temporary directory, trust authentication, listening on 127.0.0.1 on a free port with its
unix sockets in that directory; ``pg_ctl`` starts and stops it, and stopping removes the directory. PostgreSQL
refuses to run as root, so under root the cluster belongs to the ``postgres`` user (as in ``.ci/postgres.sh``).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.helpers import free_port

USER = "workbook"  # the cluster's superuser, as in .ci/postgres.sh


def find_bindir() -> Path | None:
    """The newest Debian ``/usr/lib/postgresql/*/bin`` with ``initdb`` and ``pg_ctl``, else the one on PATH."""
    def version(path: str) -> tuple:
        return tuple(int(p) if p.isdigit() else 0 for p in Path(path).parent.name.split("."))

    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if all(os.access(Path(bindir, tool), os.X_OK) for tool in ("initdb", "pg_ctl")):
            return Path(bindir)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    return None


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class PgServer:
    """One PostgreSQL cluster: ``start()`` returns its URL (database ``postgres``), ``stop()`` removes it."""

    def __init__(self, bindir: Path | None = None):
        self.bindir = bindir or find_bindir()
        if self.bindir is None:
            raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl)")
        self.dir: Path | None = None
        self.port: int | None = None
        self.url: str | None = None
        self.runas: list[str] = []

    @property
    def data(self) -> Path:
        return self.dir / "data"

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        cmd = [*self.runas, str(self.bindir / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            log = self.dir / "log"
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise RuntimeError(f"{tool} exited with {done.returncode}: {(done.stderr or done.stdout).strip()}"
                               + (f"\nserver log:\n{tail}" if tail else ""))

    def start(self, timeout: float = 60) -> str:
        # /tmp keeps the socket path short (unix sockets allow ~100 characters) and reachable by `postgres`
        self.dir = Path(tempfile.mkdtemp(prefix="workbook-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
        try:
            if os.geteuid() == 0:  # PostgreSQL refuses to run as root
                ensure_postgres_user()
                shutil.chown(self.dir, "postgres")
                self.runas = ["runuser", "-u", "postgres", "--"]
            self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "--no-sync", "-E", "UTF8")
            for attempt in range(3):  # the free port may be taken between choosing and listening
                self.port = free_port()
                options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
                           " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
                try:
                    self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"),
                              "-w", "-t", str(int(timeout)), "start", timeout=timeout + 10)
                    break
                except RuntimeError:
                    if attempt == 2 or not port_open(self.port):  # only a port someone else took is retried
                        raise
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        self.url = f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/postgres"
        return self.url

    def _running(self) -> bool:
        return bool(self.dir) and (self.data / "postmaster.pid").exists()

    def _wait_ready(self, timeout: float) -> None:
        """Until the server answers a query over TCP (pg_ctl -w waits on the socket file, not on loopback)."""
        import psycopg

        deadline, error = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, dbname="postgres",
                                     connect_timeout=5) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as e:
                error = e
                time.sleep(0.1)
        raise TimeoutError(f"PostgreSQL on 127.0.0.1:{self.port} did not accept connections in {timeout}s: {error}")

    def stop(self) -> None:
        """Stop the server (fast shutdown, then a kill if it lingers) and remove its directory. Idempotent."""
        if self.dir is None:
            return
        if self._running():
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop", timeout=40)
            except (RuntimeError, subprocess.TimeoutExpired):
                self._kill()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = self.url = None

    def _kill(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass

    def __enter__(self) -> PgServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def ensure_postgres_user() -> None:
    """The ``postgres`` system user that owns the cluster when the tests run as root (Debian's package makes it)."""
    import pwd

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "-r", "postgres"], check=True, capture_output=True)
