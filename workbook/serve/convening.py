"""A convening on one machine: PostgreSQL, several ``workbook serve`` and HAProxy in front of them.

``make convening SERVERS=3`` (``python -m workbook.serve.convening --servers 3``) starts the whole set
to try it: a PostgreSQL store (a cluster of its own in the convening's folder, or the one
``--db`` names), N servers on loopback ports sharing it, and HAProxy (Debian's package) on the
address members open, configured by :mod:`workbook.serve.balancer`. It prints the links, which point
at the balancer, and stops everything on Ctrl+C. A server that dies is reported and left dead,
as a machine lost during a convening would be: its members reopen their personal links and the
balancer sends them to a live server. ``deploy/README.md`` runs the same on several machines.

HAProxy runs in master-worker mode, as Debian's service does, so its configuration can change while members
mark: :meth:`Convening.reload` (``kill -USR1`` on the convening, which reads server weights from the file
``weights`` in its folder) writes the new configuration, has HAProxy check it, then reloads it softly: new
workers take new connections, the old ones finish the websockets they carry, and no page changes server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from ..content.errors import WorkbookError
from ..links import is_loopback, normalise_base, normalise_prefix, room_base, under_prefix
from .balancer import Backend, check_weights, haproxy_config
from .capacity import HEALTH_PATH


def default_folder() -> Path:
    """The convening's default folder: ``look-both-ways/convening`` under ``$XDG_DATA_HOME`` or ``~/.local/share``."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "look-both-ways" / "convening"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that is free right now (the system picks it)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Postgres:
    """A PostgreSQL cluster of the convening's own in ``folder`` (made on first start, kept between runs)."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = Path(folder), port
        self.data = self.folder / "data"
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                       if p.parent.parent.name.isdigit() else 0)
        if not found:
            raise WorkbookError("PostgreSQL is not installed (apt-get install postgresql), or give the store of an "
                                "existing server: --db postgresql+psycopg://USER@HOST/DATABASE")
        self.bindir = found[-1].parent
        self.runas: list[str] = []

    @property
    def url(self) -> str:
        """The store URL of the cluster's ``workbook`` database on 127.0.0.1."""
        return f"postgresql+psycopg://workbook@127.0.0.1:{self.port}/workbook"

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.runas, str(self.bindir / tool), *args], capture_output=True, text=True,
                              check=check)

    def start(self) -> str:
        """Start the cluster (made on first start; as the postgres user when run as root); its store URL."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: its files belong to the postgres user
            if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "-r", "postgres"], check=True)
            shutil.chown(self.folder, "postgres")
            self.runas = ["runuser", "-u", "postgres", "--"]
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", "workbook", "--auth=trust")
        started = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "postgres.log"), "-w",
                            "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1", "start",
                            check=False)
        if started.returncode != 0:
            raise WorkbookError(f"PostgreSQL did not start in {self.data}: {started.stderr.strip() or started.stdout}"
                                f" (its log: {self.folder / 'postgres.log'})")
        made = self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "workbook", "workbook",
                         check=False)
        if made.returncode != 0 and "already exists" not in made.stderr:
            raise WorkbookError(f"cannot create the database: {made.stderr.strip()}")
        return self.url

    def stop(self) -> None:
        """Stop the cluster (fast shutdown); a pg_ctl failure is not raised."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "stop", check=False)


class Convening:
    """The set: a store, ``servers`` ``workbook serve`` on loopback ports and HAProxy on ``bind_ip:port``."""

    def __init__(self, servers: int = 3, port: int = 8866, public_url: str | None = None, bind_ip: str = "127.0.0.1",
                 base_url: str = "/", db_url: str | None = None, folder: Path | None = None, preheat: int = 1,
                 max_kernels: int = 0, cull_idle: int = 300, first_port: int = 0, stats_port: int = 0):
        if servers < 1:
            raise WorkbookError(f"--servers {servers}: a convening needs at least one server")
        if db_url and not db_url.startswith("postgresql"):
            raise WorkbookError(f"--db {db_url.split(':', 1)[0]}:…: servers on several processes share one "
                                "PostgreSQL store; give a postgresql+psycopg:// URL (or none: a cluster is made)")
        self.count, self.port, self.bind_ip = servers, port, bind_ip
        self.prefix = normalise_prefix(base_url)
        if public_url:
            base = normalise_base(public_url)
        elif is_loopback(bind_ip):
            base = f"http://{'127.0.0.1' if bind_ip in ('', 'localhost') else bind_ip}:{port}/"
        else:
            base = room_base(port) if bind_ip in ("0.0.0.0", "::") else f"http://{bind_ip}:{port}/"
        self.public = under_prefix(base, self.prefix)
        self.db_url, self.folder = db_url, Path(folder or default_folder())
        self.preheat, self.max_kernels, self.cull_idle = preheat, max_kernels, cull_idle
        self.first_port, self.stats_port = first_port, stats_port
        self.postgres: Postgres | None = None
        self.backends: list[Backend] = []
        self.procs: dict[str, subprocess.Popen] = {}
        self.haproxy: subprocess.Popen | None = None
        self.haproxy_bin = ""
        self.weights: dict[str, int] = {}
        self.token = ""
        self.reload_asked = False

    # ------------------------------------------------------------------ start
    def start(self) -> None:
        """Start the cluster (unless given a store), prepare the store, start each server, then HAProxy."""
        haproxy = shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)
        if not haproxy:
            raise WorkbookError("HAProxy is not installed: apt-get install haproxy (Debian's package)")
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.db_url:
            self.postgres = Postgres(self.postgres_folder(), free_port())
            self.db_url = self.postgres.start()
        self._prepare_store()
        for i in range(1, self.count + 1):
            port = self.first_port + i - 1 if self.first_port else free_port()
            self.backends.append(Backend(f"s{i}", "127.0.0.1", port))
        for backend in self.backends:
            self.procs[backend.name] = self._serve(backend)
        self.haproxy_bin = haproxy
        self._write_checked_config(self.config_path, self.weights)
        for backend in self.backends:
            self._wait_healthy(backend)
        self.start_balancer()

    def start_balancer(self) -> None:
        """Start HAProxy on the configuration written (and checked) in the folder; return once it answers."""
        config = self.config_path
        with (self.folder / "haproxy.log").open("w") as log:
            # master-worker (-W), in the foreground (-db): SIGUSR2 reloads it, as `systemctl reload haproxy` does
            self.haproxy = subprocess.Popen([self.haproxy_bin, "-W", "-db", "-f", str(config)], stdout=log,
                                            stderr=subprocess.STDOUT, preexec_fn=self._child())
        self._wait_balancer()

    @property
    def config_path(self) -> Path:
        """The balancer's configuration file (in the convening's folder)."""
        return self.folder / "haproxy.cfg"

    def _write_checked_config(self, path: Path, weights: dict[str, int]) -> None:
        """Write the configuration to ``path`` and have HAProxy check it (``haproxy -c``); a plain error if refused."""
        stats = f"127.0.0.1:{self.stats_port}" if self.stats_port else None
        path.write_text(haproxy_config(self.backends, f"{self.bind_ip}:{self.port}", self.prefix,
                                       log="stdout format raw local0", stats=stats, weights=weights))
        checked = subprocess.run([self.haproxy_bin, "-c", "-q", "-f", str(path)], capture_output=True, text=True)
        if checked.returncode != 0:
            raise WorkbookError(f"HAProxy refuses {path}: {checked.stderr.strip() or checked.stdout.strip()}")

    # ------------------------------------------------------------------ reload
    def workers(self) -> set[int]:
        """The process ids of the balancer's workers (children of HAProxy's master), old ones still finishing too."""
        if self.haproxy is None:
            return set()
        return set(_children(self.haproxy.pid))

    def reload(self, weights: dict | None = None, timeout: float = 30) -> dict[str, int]:
        """Change the balancer's configuration while members work: the servers' ``weights`` (0 drains a server).

        The new configuration is written beside the running one and checked by HAProxy (``haproxy -c``); only
        then does it replace the running one, and HAProxy's master reloads (SIGUSR2, as ``systemctl reload``):
        a new worker takes new connections, the old one finishes the websockets it carries, so every open page
        keeps its server and nothing a member sends is lost. A refused configuration changes nothing (a
        :class:`WorkbookError` says why). Returns the weights in force.
        """
        if self.haproxy is None or self.haproxy.poll() is not None:
            raise WorkbookError("the balancer is not running, so there is nothing to reload")
        wanted = {**self.weights, **check_weights(self.backends, weights)}
        new = self.config_path.with_name("haproxy.cfg.new")
        try:
            self._write_checked_config(new, wanted)
        except WorkbookError as exc:
            new.unlink(missing_ok=True)
            raise WorkbookError(f"the balancer was not reloaded and runs as before: {exc}") from None
        before = self.workers()
        os.replace(new, self.config_path)
        self.haproxy.send_signal(signal.SIGUSR2)
        deadline = time.time() + timeout
        while not (self.workers() - before):
            if self.haproxy.poll() is not None or time.time() > deadline:
                raise WorkbookError(f"HAProxy did not start a worker on the new configuration within {timeout:.0f} s;"
                                    f" its log: {self.folder / 'haproxy.log'}{_log_tail(self.folder / 'haproxy.log')}")
            time.sleep(0.1)
        self._wait_balancer()
        self.weights = wanted
        return dict(wanted)

    def weights_from_file(self) -> dict[str, str]:
        """The weights asked for in ``weights`` in the convening's folder: lines ``NAME WEIGHT`` (or ``NAME=WEIGHT``).

        No file: no change. A line that is not a name and a weight is a plain error naming the line.
        """
        path = self.folder / "weights"
        if not path.exists():
            return {}
        asked = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = line.split("#", 1)[0].replace("=", " ").strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2:
                raise WorkbookError(f"{path}, line {number}: {line!r} is not a server and a weight (for example: s2 0)")
            asked[parts[0]] = parts[1]
        return asked

    def postgres_folder(self) -> Path:
        """Where the convening's own cluster lives: ``postgres`` in its folder, except under root's home.

        Root's home is closed to the postgres user the cluster runs as, so there the cluster goes to
        /var/lib/look-both-ways/convening/postgres.
        """
        home = Path.home().resolve()
        if os.geteuid() == 0 and (self.folder.resolve() == home or home in self.folder.resolve().parents):
            return Path("/var/lib/look-both-ways/convening/postgres")
        return self.folder / "postgres"

    def _prepare_store(self) -> None:
        """Schema, demo data (when empty) and the access secret, once, before the servers race for them."""
        from .. import demo
        from ..store import Store

        store = Store(self.db_url)
        try:
            if demo.is_empty(store):
                demo.seed_demo(store)
            self.token = store.secret("room_token", 16)
            store.coach_code()
            store.set_setting("served_url", self.public)
            store.set_setting("served_token", self.token)
        finally:
            store.dispose()

    def page_limit(self) -> int:
        """Pages per server: as given, else each server's share of this machine's free memory."""
        from .capacity import kernel_limit, memory_available, page_mib

        if self.max_kernels:
            return self.max_kernels
        available = memory_available()
        return kernel_limit(None if available is None else available // self.count, self.preheat, page_mib(fork=True))

    def _child(self):
        """What a server or the balancer runs before it starts: it stops when this process dies, even killed outright.

        Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGTERM)``) outlives the ``exec``; a child whose
        parent is already gone when it runs this stops at once.
        """
        parent = os.getpid()

        def prepare() -> None:
            import ctypes

            try:
                ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # 1 = PR_SET_PDEATHSIG
            except (OSError, AttributeError):
                return  # not Linux: Ctrl+C and SIGTERM still stop everything
            if os.getppid() != parent:
                os._exit(1)

        return prepare

    def server_argv(self, backend: Backend) -> list[str]:
        """The command line that starts ``backend``'s ``workbook serve``."""
        # values joined to their options: a secret that begins with "-" is still a value, not an option
        argv = [sys.executable, "-m", "workbook.cli", "serve", "--ip", backend.host, "--port", str(backend.port),
                f"--token={self.token}", f"--public-url={self.public}", f"--base-url={self.prefix}",
                "--preheat", str(self.preheat), "--max-kernels", str(self.page_limit()),
                "--cull-idle", str(self.cull_idle)]
        return argv

    def store_url(self) -> str:
        """The store's URL the servers share (given, or the PostgreSQL server :meth:`start` started)."""
        if not self.db_url:
            raise RuntimeError("the convening has no store yet: start() starts PostgreSQL or takes db_url")
        return self.db_url

    def _serve(self, backend: Backend) -> subprocess.Popen:
        argv = self.server_argv(backend)
        env = dict(os.environ, WORKBOOK_DB_URL=self.store_url())
        log = (self.folder / f"{backend.name}.log").open("w")
        # a session of its own: stopping a server stops its kernels and their template with it
        return subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=self._child())

    def health_url(self, backend: Backend) -> str:
        """The address of ``backend``'s health check."""
        return f"http://{backend.host}:{backend.port}{self.prefix}{HEALTH_PATH}"

    def _wait_healthy(self, backend: Backend, timeout: float = 120) -> None:
        _wait_answer(self.health_url(backend), self.procs[backend.name], f"server {backend.name}",
                     self.folder / f"{backend.name}.log", timeout)

    def _wait_balancer(self, timeout: float = 30) -> None:
        host = "127.0.0.1" if self.bind_ip in ("", "0.0.0.0", "::", "localhost") else self.bind_ip
        if self.haproxy is None:
            raise RuntimeError("HAProxy was not started")
        _wait_answer(f"http://{host}:{self.port}{self.prefix}{HEALTH_PATH}", self.haproxy, "HAProxy",
                     self.folder / "haproxy.log", timeout)

    # ------------------------------------------------------------------ running
    def describe(self) -> list[str]:
        """What the person who started it needs: where members go, each server, the links."""
        from ..links import district_links
        from ..store import Store, redact

        lines = [f"Convening: {self.count} server(s) behind HAProxy at {self.public}",
                 f"Store: {redact(self.store_url())}"]
        lines += [f"  server {b.name} http://{b.host}:{b.port}{self.prefix} pid {self.procs[b.name].pid} "
                  f"log {self.folder / (b.name + '.log')}" for b in self.backends]
        lines.append(f"  each server serves up to {self.page_limit()} pages at once (--max-kernels)")
        if self.stats_port:
            lines.append(f"  balancer status page: http://127.0.0.1:{self.stats_port}/")
        lines.append(f"  reload the balancer: kill -USR1 {os.getpid()} (server weights from {self.folder / 'weights'}, "
                     "a line such as 's2 0' drains s2: no new members, its pages stay)")
        store = Store(self.db_url)
        try:
            lines += district_links(store, self.public, self.token)
        finally:
            store.dispose()
        return lines

    def watch(self, stop_after: float | None = None) -> None:
        """Until Ctrl+C (or ``stop_after`` seconds): report servers that exit, as a lost machine would."""
        reported: set[str] = set()
        deadline = None if stop_after is None else time.time() + stop_after
        while deadline is None or time.time() < deadline:
            if self.reload_asked:
                self.reload_asked = False
                try:
                    weights = self.reload(self.weights_from_file())
                    print("convening: balancer reloaded (weights "
                          f"{', '.join(f'{b.name}={weights.get(b.name, 1)}' for b in self.backends)})", flush=True)
                except WorkbookError as exc:
                    print(f"convening: {exc}", flush=True)
            for name, proc in self.procs.items():
                if proc.poll() is not None and name not in reported:
                    reported.add(name)
                    print(f"convening: server {name} stopped (exit {proc.returncode}); the balancer sends its "
                          "members to the others", flush=True)
            if self.haproxy is not None and self.haproxy.poll() is not None:
                raise WorkbookError(f"HAProxy stopped (exit {self.haproxy.returncode}); its log: "
                                    f"{self.folder / 'haproxy.log'}")
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop the balancer, every server (with its kernels) and the store this convening started."""
        if self.haproxy is not None and self.haproxy.poll() is None:
            self.haproxy.terminate()
            _wait(self.haproxy)
        for proc in self.procs.values():
            if proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
        for proc in self.procs.values():
            if not _wait(proc):
                _signal_group(proc, signal.SIGKILL)
                _wait(proc)
        if self.postgres is not None:
            self.postgres.stop()


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc; one that ends while it is read is left out)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(entry))
    return found


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


def _wait_answer(url: str, proc: subprocess.Popen, what: str, log: Path, timeout: float) -> None:
    """Until ``url`` answers 200; a clear error when ``proc`` exits first or the time runs out."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise WorkbookError(f"{what} exited with {proc.returncode}; its log: {log}{_log_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise WorkbookError(f"{what} did not answer {url} within {timeout:.0f} s")


def _log_tail(log: Path, lines: int = 12) -> str:
    """The last ``lines`` of ``log``, indented under the message that names it ("" when it cannot be read)."""
    try:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "".join(f"\n  | {line}" for line in tail)


def _wait(proc: subprocess.Popen, timeout: float = 15) -> bool:
    try:
        proc.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m workbook.serve.convening`` command line."""
    p = argparse.ArgumentParser(prog="python -m workbook.serve.convening",
                                description="Several workbook servers behind HAProxy, sharing one PostgreSQL store.")
    p.add_argument("--servers", type=int, default=3, help="workbook servers to start (default 3)")
    p.add_argument("--port", type=int, default=8866, help="the balancer's port, which members open (default 8866)")
    p.add_argument("--room", action="store_true",
                   help="listen on this machine's network (members join from their own devices), not 127.0.0.1")
    p.add_argument("--public-url", default=None, help="the address members open (default: found from --room)")
    p.add_argument("--base-url", default="/", help="path prefix the servers live under, e.g. /workbook/")
    p.add_argument("--db", default=None,
                   help="a PostgreSQL URL to share (default: $WORKBOOK_DB_URL if PostgreSQL, else a cluster made in "
                        "the convening's folder)")
    p.add_argument("--folder", default=None, help=f"logs, configuration, store (default {default_folder()})")
    p.add_argument("--preheat", type=int, default=1, help="warm kernels per server (default 1)")
    p.add_argument("--max-kernels", type=int, default=0, help="pages per server at once (default 0: from memory)")
    p.add_argument("--cull-idle", type=int, default=300, help="seconds before a closed page's kernel is stopped")
    p.add_argument("--first-port", type=int, default=0, help="the first server's port (default: free ports)")
    p.add_argument("--stats-port", type=int, default=8404, help="HAProxy's status page on 127.0.0.1 (0: none)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run a convening until Ctrl+C or SIGTERM, then stop it; the exit status (2 for a WorkbookError)."""
    args = build_parser().parse_args(argv)
    env_db = os.environ.get("WORKBOOK_DB_URL", "")
    convening = None
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    # Ctrl+C stops it even when started in the background by a script (which starts it with SIGINT ignored,
    # and Python then leaves it ignored)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        convening = Convening(args.servers, args.port, args.public_url, "0.0.0.0" if args.room else "127.0.0.1",
                              args.base_url, args.db or (env_db if env_db.startswith("postgresql") else None),
                              Path(args.folder) if args.folder else None, args.preheat, args.max_kernels,
                              args.cull_idle, args.first_port, args.stats_port)
        convening.start()

        def ask_reload(*_):
            convening.reload_asked = True

        signal.signal(signal.SIGUSR1, ask_reload)  # `kill -USR1 PID`: reload the balancer (weights from FOLDER/weights)
        print("\n".join(convening.describe()), flush=True)
        print("\nConvening ready (Ctrl+C to stop)", flush=True)
        convening.watch()
    except KeyboardInterrupt:
        print("convening: stopping", flush=True)
    except WorkbookError as exc:
        print(f"convening: {exc}", file=sys.stderr)
        return 2
    finally:
        if convening is not None:
            convening.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
