"""Report kernels forked from a warm template: a fresh process per district, imports already done.

A report kernel spends most of its life importing (pandas, SQLAlchemy, pydantic, plotly,
ipykernel: about a second of CPU) before it reads a single row. The batch therefore keeps
one *template* process per worker: it imports those modules and loads the framework content
once, never touches a store or a district, starts no threads, and forks on request. Each
forked child becomes an ordinary ipykernel (``ipykernel_launcher -f <connection file>``)
with the environment, working directory and arguments jupyter_client asked for, in its
own process group, so interrupts, timeouts and kills work as with a launched kernel.

Every district still gets a new kernel process: the child starts from the template's memory
(modules and content only), closes every descriptor the template held, draws fresh random
seeds, and nothing it does reaches the template or another district's kernel. The template
alone reaps its kernels (``waitpid``, woken by a pidfd per kernel) and alone signals them: a
pid it has not reaped cannot name another process. The worker gets a pidfd of each kernel
over the template's Unix socket to see it exit, and asks the template for the exit status.
A template that dies is replaced; when forking is not possible (another kernel command, no
pidfds, a template that cannot start) the kernel is launched the usual way.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import importlib
import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import threading
import time

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from .errors import TemplateError  # raised here, importable from here as before

LAUNCHER = ["-m", "ipykernel_launcher"]
# single-threaded numeric libraries in the template: a process with threads must not fork; and the
# note debugpy prints about frozen modules when imported (ipykernel's own kernelspec sets the same)
_TEMPLATE_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                 "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
LOST = -1  # the returncode of a kernel whose template died first: it was re-parented and its status is gone
_KEEP_EXITED = 1024  # exit statuses the template keeps for the worker to collect (a worker asks once per kernel)
_START_TIMEOUT = 300.0  # seconds for the template's imports on a busy machine
_ANSWER_TIMEOUT = 60.0  # seconds for one answer; a fork of the warm template takes milliseconds


def _warm() -> None:
    """Everything a report kernel imports, done once in the template (no store, no district)."""
    import ipykernel.debugger  # every kernel imports it (and debugpy) while it starts
    import ipykernel.ipkernel
    import ipykernel.kernelapp  # noqa: F401
    import pandas as pd
    import plotly.graph_objects as go
    import sqlalchemy.dialects.sqlite  # noqa: F401 - imported by the store's first engine

    from . import district_report  # noqa: F401
    from .content import load_content

    load_content()
    # plotly loads its validators, each trace type, the default template and the pandas bridge on first use
    x = pd.Series([1.0, 2.0])
    fig = go.Figure([go.Scatter(x=x, y=["a", "b"]), go.Box(x=x, y=["a", "b"]), go.Bar(x=x, y=["a", "b"]),
                     go.Heatmap(z=[[1.0]], x=["a"], y=["b"])], layout={"title": {"text": "x"}})
    fig.update_layout(annotations=[{"x": 1, "y": "a", "text": "x"}])
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(categoryorder="array", categoryarray=["a", "b"])
    fig.to_html(full_html=False, include_plotlyjs=False)
    frame = pd.DataFrame({"k": ["a", "a", "b"], "v": [1.0, 2.0, 3.0]})
    frame.groupby("k")["v"].quantile([0.25, 0.75])
    frame.pivot_table(index="k", values="v", aggfunc="median")
    _rehearse()


def _rehearse() -> None:
    """One whole report of the fictional demo district, from a throwaway store, before the first fork.

    What a report pays on its first call in a process (plotly's validators for every property the
    charts set, pandas' and SQLAlchemy's first-use paths, the report's own caches) is then paid once
    per worker instead of in every district's kernel. A rehearsal that fails changes nothing: the
    district's own run does the same work and reports its own errors.
    """
    import contextlib
    import tempfile

    from . import demo
    from .district_report import bundles, parts
    from .store import Store

    with tempfile.TemporaryDirectory(prefix="workbook-rehearsal-") as folder, contextlib.suppress(Exception):
        store = Store(f"sqlite:///{folder}/rehearsal.sqlite")
        try:
            demo.seed_demo(store)
            bundles(parts(demo.DEMO_SLUG, store=store))
        finally:
            store.dispose()


class _Channel:
    """One JSON object per line over a Unix stream socket, with descriptors passed alongside (SCM_RIGHTS)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self._buffer = b""
        self._fds: list[int] = []

    def pending(self) -> bool:
        """Whether a whole message is already buffered (select would not report it)."""
        return b"\n" in self._buffer

    def send(self, message: dict, fds: list[int] | tuple[int, ...] = ()) -> None:
        data = (json.dumps(message) + "\n").encode()
        sent = socket.send_fds(self.sock, [data], list(fds)) if fds else self.sock.send(data)
        self.sock.sendall(data[sent:])

    def recv(self) -> tuple[dict, list[int]] | None:
        """The next message and the descriptors that came with it; None once the other end has closed."""
        while b"\n" not in self._buffer:
            data, fds, _flags, _address = socket.recv_fds(self.sock, 1 << 16, 4)
            self._fds.extend(fds)
            if not data:
                for fd in self._fds:
                    os.close(fd)
                self._fds = []
                return None
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        fds, self._fds = self._fds, []
        return json.loads(line), fds


# ------------------------------------------------------------ in the template process


class _Children:
    """The template's forked kernels: a pidfd each while they run, their exit status once reaped."""

    def __init__(self):
        self.running: dict[int, int] = {}  # pid -> pidfd, readable once the kernel has exited
        self.exited: dict[int, int] = {}  # pid -> returncode, until the worker collects it

    def wait(self, channel: _Channel) -> bool:
        """Sleep until the worker writes or a kernel exits (no timer, no signal handler, no thread).

        True when the worker has written.
        """
        if channel.pending():
            return True
        poller = select.poll()
        for fd in (channel.sock.fileno(), *self.running.values()):
            poller.register(fd, select.POLLIN)
        return any(fd == channel.sock.fileno() for fd, _event in poller.poll())

    def reap(self) -> None:
        """Collect every kernel that has exited, so none is left a zombie and each status is known."""
        while True:  # every child, even one whose pidfd could not be opened
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            pidfd = self.running.pop(pid, None)
            if pidfd is not None:
                os.close(pidfd)
            self.exited[pid] = os.waitstatus_to_exitcode(status)
            while len(self.exited) > _KEEP_EXITED:  # a worker that never asks must not grow the template
                del self.exited[next(iter(self.exited))]

    def status(self, pid: int) -> dict:
        """``running``, the ``status`` of a reaped kernel (given once), or ``lost`` for a pid not known here."""
        self.reap()
        if pid in self.running:
            return {"running": True}
        if pid in self.exited:
            return {"status": self.exited.pop(pid)}
        return {"lost": True}

    def signal(self, pid: int, signum: int) -> dict:
        """Signal a kernel's process group, only while it is unreaped: then its pid cannot name another process."""
        self.reap()
        if pid not in self.running:
            return self.status(pid)
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:  # the child had not made its group yet: the kernel alone
            os.kill(pid, signum)
        return {"sent": True}


def _close_inherited() -> None:
    """Close every descriptor but 0, 1 and 2: the template's socket, pidfds, and whatever its imports opened."""
    try:
        top = max(int(name) for name in os.listdir("/proc/self/fd")) + 1
    except (OSError, ValueError):
        top = os.sysconf("SC_OPEN_MAX")
    os.closerange(3, top)


def _reseed() -> None:
    """Fresh random state: every child would otherwise draw the same numbers as its siblings."""
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:  # only when the template imported it; importing it here would cost the kernel
        numpy.random.seed(int.from_bytes(os.urandom(4), "little"))


def _name_process(name: bytes = b"ipykernel") -> None:
    """Name the forked kernel as tools list it (``ps -o comm``, ``top``): the template's command line stays."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(15, ctypes.c_char_p(name), 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def _registrations() -> list[str]:
    """Kernel options for what the template imported before any kernel existed.

    ipywidgets registers its comm targets when it is imported inside a kernel; imported by the
    template, it registered nothing, and a page's widget manager could not fetch every widget's
    state in one message (``jupyter.widget.control``) but asked for each widget in turn. Loaded as
    the kernel's extension, it registers them once the kernel is up.
    """
    return ["--IPKernelApp.extensions=ipywidgets"] if "ipywidgets" in sys.modules else []


def _child(request: dict, channel: _Channel, parent: int) -> None:
    """In the forked child: become ``python -m ipykernel_launcher <argv>``; never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        channel.sock.detach()  # the number is closed below; the object must never close it again once reused
        _close_inherited()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        _reseed()
        _name_process()
        env = dict(request["env"], JPY_PARENT_PID=str(parent))  # the kernel exits if the template goes away
        os.environ.clear()
        os.environ.update(env)
        os.chdir(request["cwd"])
        sys.argv = ["ipykernel_launcher", *request["argv"], *_registrations()]
        from ipykernel import kernelapp

        from .console import quiet_kernel

        quiet_kernel()  # kernels listen on 127.0.0.1: the console keeps what a facilitator can act on

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # reported on stderr, the kernel counts as dead
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _answer(request: dict, channel: _Channel, children: _Children) -> tuple[dict, list[int]]:
    """The template's reply to one request, and the descriptors to send with it."""
    op = request.get("op")
    if op == "fork":
        pid = os.fork()
        if pid == 0:
            _child(request, channel, os.getppid())
        try:
            os.setpgid(pid, pid)  # also done by the child: whichever runs first wins the race
        except OSError:
            pass
        try:  # opened by the parent before it can reap the child: it names this kernel and no later process
            pidfd = os.pidfd_open(pid)
        except OSError:
            os.kill(pid, signal.SIGKILL)  # not reaped yet, so the pid is still this child's
            os.waitpid(pid, 0)
            raise
        children.running[pid] = pidfd
        return {"pid": pid}, [pidfd]
    if op == "status":
        return children.status(int(request["pid"])), []
    if op == "signal":
        return children.signal(int(request["pid"]), int(request["signum"])), []
    return {"error": f"unknown request {op!r}"}, []


def serve(sock_fd: int, warm: str = "workbook.report_kernels:_warm") -> None:
    """The template's loop: answer the worker on ``sock_fd``, reap exited kernels; ends when the worker goes."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; IPython puts the kernel's cwd back
    # ipykernel reads JPY_PARENT_PID when it is imported: its kernels are the template's children
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    module, _, name = warm.partition(":")
    getattr(importlib.import_module(module), name)()
    os.close(os.pidfd_open(os.getpid()))  # a kernel without pidfds (Linux < 5.3) fails here: no template at all
    channel = _Channel(socket.socket(fileno=sock_fd))
    children = _Children()
    # nothing made so far is ever collected: a child's collector must not finalize (and close) an object of
    # the template's whose descriptor number the kernel has reused; it also keeps the shared pages shared
    gc.collect()
    gc.freeze()
    channel.send({"ready": os.getpid()})
    while True:
        written = children.wait(channel)
        children.reap()
        if not written:
            continue  # a kernel exited; it has been reaped
        message = channel.recv()
        if message is None:
            return  # the worker has gone; the kernels notice their parent has gone and exit
        request, fds = message
        for fd in fds:
            os.close(fd)
        try:
            reply, send = _answer(request, channel, children)
        except (OSError, KeyError, TypeError, ValueError) as exc:
            reply, send = {"error": f"{type(exc).__name__}: {exc}"}, []
        channel.send(reply, send)


# ------------------------------------------------------------ in the worker process


def _has_exited(pidfd: int, timeout: float = 0.0) -> bool:
    """Whether the process behind ``pidfd`` has exited (waiting up to ``timeout`` seconds)."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    return bool(poller.poll(int(timeout * 1000)))


class Template:
    """The template process of this worker process (started on first use, replaced if it dies)."""

    _instance: Template | None = None
    _unavailable: int | None = None  # the pid of a process in which a template could not start
    _starting = threading.Lock()  # kernels are launched from worker threads: one template per process
    warm = "workbook.report_kernels:_warm"  # "module:function" the template runs before its first fork

    def __init__(self, warm: str | None = None):
        self.owner = os.getpid()
        self.broken = False
        self._lock = threading.Lock()  # one request, one answer: a second caller waits its turn
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._channel = _Channel(ours)
        env = dict(os.environ, **_TEMPLATE_ENV)
        code = f"from workbook.report_kernels import serve; serve({theirs.fileno()}, {warm or self.warm!r})"
        with theirs:
            self.process = subprocess.Popen([sys.executable, "-c", code], pass_fds=(theirs.fileno(),), env=env,
                                            stdin=subprocess.DEVNULL, close_fds=True)
        ours.settimeout(_START_TIMEOUT)
        try:
            if "ready" not in (self._channel.recv() or ({},))[0]:
                raise TemplateError("the report kernel template stopped while it started")
        except (OSError, TemplateError) as exc:
            self.close()
            raise TemplateError(f"the report kernel template did not start: {exc}") from exc
        ours.settimeout(_ANSWER_TIMEOUT)

    @classmethod
    def get(cls) -> Template | None:
        """The template of the calling process, started if need be; None when forking is not available."""
        if not hasattr(os, "fork") or not hasattr(os, "pidfd_open") or cls._unavailable == os.getpid():
            return None
        with Template._starting:
            current = cls._instance
            if current is not None and not current.usable():
                cls.discard(current)  # it stopped, or it belongs to the process this one was forked from
            if cls._instance is None:
                try:
                    cls._instance = cls()
                except (OSError, TemplateError):
                    cls._unavailable = os.getpid()  # kernels are launched as usual from now on
                    return None
            return cls._instance

    @classmethod
    def discard(cls, template: Template) -> None:
        """Forget ``template`` (the next :meth:`get` starts another) and end it."""
        if cls._instance is template:
            cls._instance = None
        template.close()

    def usable(self) -> bool:
        """True while the template belongs to this process, its conversation is intact and it is still running."""
        return self.owner == os.getpid() and not self.broken and self.process.poll() is None

    def _ask(self, request: dict) -> tuple[dict, list[int]]:
        with self._lock:
            try:
                self._channel.send(request)
                answer = self._channel.recv()
            except OSError as exc:  # also a timeout: the conversation is out of step from here on
                self.broken = True
                raise TemplateError(f"the report kernel template did not answer: {exc}") from exc
        if answer is None:
            self.broken = True
            raise TemplateError("the report kernel template stopped")
        reply, fds = answer
        if "error" in reply:
            for fd in fds:
                os.close(fd)
            raise TemplateError(f"the report kernel template could not {request['op']}: {reply['error']}")
        return reply, fds

    def fork(self, argv: list[str], env: dict, cwd: str) -> ForkedKernel:
        """A new kernel process, ``python -m ipykernel_launcher <argv>`` forked from the template."""
        reply, fds = self._ask({"op": "fork", "argv": argv, "env": env, "cwd": cwd})
        if len(fds) != 1:
            self.broken = True
            raise TemplateError("the report kernel template sent no pidfd with its kernel")
        os.set_inheritable(fds[0], False)
        return ForkedKernel(int(reply["pid"]), fds[0], self)

    def status(self, pid: int) -> int | None:
        """A kernel's returncode once the template has reaped it (given once), None while it runs."""
        reply, _ = self._ask({"op": "status", "pid": pid})
        return None if reply.get("running") else reply.get("status", LOST)

    def signal(self, pid: int, signum: int) -> int | None:
        """Signal a running kernel's process group: None when sent, its returncode if it had exited instead."""
        reply, _ = self._ask({"op": "signal", "pid": pid, "signum": int(signum)})
        return None if reply.get("sent") else reply.get("status", LOST)

    def close(self) -> None:
        """End the template: it reads end-of-file and returns (its running kernels then exit too)."""
        self.broken = True
        self._channel.sock.close()
        process = getattr(self, "process", None)
        if process is None or self.owner != os.getpid():
            return  # not started, or the child of the process this one was forked from
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class ForkedKernel:
    """The parts of ``subprocess.Popen`` jupyter_client uses, for a kernel forked by the template."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int, template: Template):
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd: int | None = pidfd
        self._template = template

    def _finish(self, returncode: int) -> None:
        self.returncode = returncode
        pidfd, self._pidfd = self._pidfd, None
        if pidfd is not None:
            os.close(pidfd)

    def poll(self) -> int | None:
        """The returncode once the kernel has exited and been reaped, else None; the template is asked once."""
        if self.returncode is None and self._pidfd is not None and _has_exited(self._pidfd):
            try:
                returncode = self._template.status(self.pid)
            except TemplateError:
                returncode = LOST  # its template died: the kernel was re-parented and reaped elsewhere
            if returncode is not None:
                self._finish(returncode)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Block until the kernel has exited; its returncode."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if left <= 0:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            if _has_exited(self._pidfd, left):
                time.sleep(0.01)  # exited, not yet reaped by the template: ask again shortly
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Signal the kernel's process group; nothing at all once it has exited (its pid may be another's)."""
        if self.poll() is not None:
            return
        try:
            returncode = self._template.signal(self.pid, signum)
        except TemplateError:
            try:  # no template to ask: the kernel alone, through a pidfd that can name no other process
                signal.pidfd_send_signal(self._pidfd, signum)
            except ProcessLookupError:
                pass
            return
        if returncode is not None:
            self._finish(returncode)

    def kill(self) -> None:
        """Send SIGKILL (see :meth:`send_signal`)."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """Send SIGTERM (see :meth:`send_signal`)."""
        self.send_signal(signal.SIGTERM)

    def __del__(self):
        if getattr(self, "_pidfd", None) is not None:
            os.close(self._pidfd)


async def _in_thread(function, *args):
    """``function(*args)`` in a thread of its own, awaited without blocking the event loop.

    Awaited by polling rather than with ``run_in_executor``: a report worker is forked from a process
    whose event loop it inherits, and a thread's wake-up call to such a loop can go unheard.
    """
    done: concurrent.futures.Future = concurrent.futures.Future()

    def run() -> None:
        try:
            done.set_result(function(*args))
        except BaseException as exc:  # handed to the awaiting coroutine
            done.set_exception(exc)

    threading.Thread(target=run, name="workbook-template-ask", daemon=True).start()
    while not done.done():
        await asyncio.sleep(0.002)
    return done.result()


def _new_starting_lock() -> None:
    Template._starting = threading.Lock()  # a child forked while another thread held it starts with it free


os.register_at_fork(after_in_child=_new_starting_lock)


PORT_NAMES = ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port")
PORT_FLOOR = 10000  # the lowest port a kernel is given (far above the privileged and the well-known ones)


def ephemeral_range() -> tuple[int, int] | None:
    """The ports this machine gives outgoing connections (Linux ``ip_local_port_range``), or None."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as fh:
            low, high = (int(x) for x in fh.read().split())
    except (OSError, ValueError):
        return None
    return low, high


class KernelPorts:
    """Ports for this process's kernels, taken below the machine's ephemeral range.

    jupyter_client picks a kernel's five ports by binding to port 0 and letting go, so it gets ports
    from the range the system also hands to outgoing connections. Between the pick and the kernel's
    own bind (a forked kernel binds once it is up, a moment later on a busy machine) any connection
    may take one: a room's kernels and their connections to the server make hundreds. A kernel that
    finds its port taken dies, jupyter_client's restarts reuse the same ports, and the member's page
    never loads. No connection is ever given a port below the ephemeral range, so kernels get theirs
    there: free when picked (checked by binding it) and never handed to two kernels of this process.
    """

    def __init__(self):
        self._used: set[int] = set()
        self._lock = threading.Lock()

    def take(self, ip: str, count: int = len(PORT_NAMES)) -> list[int] | None:
        """``count`` free ports below the ephemeral range, or None (no such range: jupyter_client picks)."""
        span = ephemeral_range()
        if span is None or span[0] - PORT_FLOOR < 1000:
            return None
        ports: list[int] = []
        with self._lock:
            for _ in range(count * 100):
                port = random.randrange(PORT_FLOOR, span[0])
                if port in self._used or port in ports or not _bindable(ip, port):
                    continue
                ports.append(port)
                if len(ports) == count:
                    self._used.update(ports)
                    return ports
        return None

    def give_back(self, ports) -> None:
        """Ports of a kernel that is gone: free to hand out again."""
        with self._lock:
            self._used.difference_update(ports)


def _bindable(ip: str, port: int) -> bool:
    """Whether nothing holds ``port`` on ``ip`` now (bound without SO_REUSEADDR, so lingering sockets count)."""
    probe = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET)
    try:
        probe.bind((ip, port))
        return True
    except OSError:
        return False
    finally:
        probe.close()


PORTS = KernelPorts()


class ForkingProvisioner(LocalProvisioner):
    """Launches ``python -m ipykernel_launcher`` kernels by forking the template; anything else as usual."""

    template_class: type[Template] = Template  # which template (and so which warm-up) this provisioner forks
    _own_ports: list[int] | None = None  # the ports :data:`PORTS` gave this kernel (None: jupyter_client's)

    async def pre_launch(self, **kwargs):
        """Ports from :data:`PORTS` (below the ephemeral range) for a local TCP kernel, then as usual."""
        km = self.parent
        if km is not None and km.transport == "tcp" and km.cache_ports and not self.ports_cached:
            ports = PORTS.take(km.ip)
            if ports is not None:
                for name, port in zip(PORT_NAMES, ports):
                    setattr(km, name, port)
                self.ports_cached, self._own_ports = True, ports
        return await super().pre_launch(**kwargs)

    async def cleanup(self, restart: bool = False) -> None:
        """Give the kernel's ports back; a restarted kernel gets new ones (its old ones may be what killed it)."""
        own, self._own_ports = self._own_ports, None
        if own is None:
            await super().cleanup(restart)
            return
        self.ports_cached = False  # not jupyter_client's cache: nothing of it to give back
        await super().cleanup(restart)
        PORTS.give_back(own)
        km = self.parent
        if restart and km is not None:
            for name in PORT_NAMES:
                setattr(km, name, 0)
            km.cleanup_connection_file()  # written again with the new ports by the next pre_launch

    async def launch_kernel(self, cmd: list[str], **kwargs):
        """Fork a ``python -m ipykernel_launcher`` kernel from the template; launch it as usual otherwise."""
        if cmd[1:3] == LAUNCHER and cmd[0] == sys.executable:
            env = kwargs.get("env") or dict(os.environ)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            # the template's answer is awaited off the event loop: a server starting a room's kernels keeps
            # serving pages (and the template's other answers) while the template forks
            kernel = await _in_thread(self._fork, cmd[3:], env, cwd)
            if kernel is not None:
                self.process = kernel
                self.pid = self.pgid = kernel.pid  # the child leads its own process group
                self.cwd = cwd
                return self.connection_info
        return await super().launch_kernel(cmd, **kwargs)

    def _fork(self, argv: list[str], env: dict, cwd: str) -> ForkedKernel | None:
        """A kernel from this process's template, replaced once if it has died; None to launch as usual."""
        for _attempt in range(2):
            template = self.template_class.get()
            if template is None:
                return None
            try:
                return template.fork(argv, env, cwd)
            except TemplateError as exc:
                self.log.warning("%s; starting a new one", exc)
                self.template_class.discard(template)
        return None

    async def send_signal(self, signum: int) -> None:
        """Signal a forked kernel through its template (never by pid), any other kernel as usual."""
        if isinstance(self.process, ForkedKernel):
            # through the template, never os.killpg here: after the kernel is reaped its pid may be reused
            # (asked off the event loop, like a fork)
            await _in_thread(self.process.send_signal, signum)
            return
        await super().send_signal(signum)

    async def wait(self):
        """Wait until the kernel has exited; its returncode."""
        if not isinstance(self.process, ForkedKernel):
            return await super().wait()
        while await self.poll() is None:
            await asyncio.sleep(0.01)
        ret, self.process = self.process.returncode, None
        return ret


class ForkingMixin:
    """For a jupyter_client kernel manager: python kernels come from ``provisioner_class``'s template."""

    provisioner_class: type[ForkingProvisioner] = ForkingProvisioner

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            import uuid

            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = self.provisioner_class(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                      parent=self)
        return await super()._async_pre_start_kernel(**kw)


class ForkingKernelManager(ForkingMixin, AsyncKernelManager):
    """An ``AsyncKernelManager`` whose python kernels are forked from the warm template."""
