"""Kernels forked from a warm template: a fresh process per page or district, imports already done.

A kernel spends most of its start importing (ipykernel, IPython, plotly, SQLAlchemy, and for a report
pandas: a second or more of CPU) before it runs a single cell. A process that starts kernels (a report
worker, a Voila server) therefore keeps one *template* process: it runs a warm-up named by its user (the
imports and the framework content, :mod:`workbook.reports.kernels` for the reports,
:mod:`workbook.serve.page_kernels` for the member pages), never touches a store, a district or a visit,
starts no threads, and forks on request. Each forked child becomes an ordinary ipykernel
(``ipykernel_launcher -f <connection file>``) with the environment, working directory and arguments
jupyter_client asked for, in its own process group, so interrupts, timeouts and kills work as with a
launched kernel.

Every kernel is still a new process: the child starts from the template's memory (modules and content
only), closes every descriptor the template held, draws fresh random seeds, and nothing it does reaches
the template or another kernel. The template alone reaps its kernels (``waitpid``, woken by a pidfd per
kernel) and alone signals them: a pid it has not reaped cannot name another process. The starting process
gets a pidfd of each kernel over the template's Unix socket to see it exit, and asks the template for the
exit status. A template that dies is replaced; when forking is not possible (another kernel command, no
pidfds, a template that cannot start) the kernel is launched the usual way (:mod:`workbook.kernels.provisioner`).
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

from ..content.errors import TemplateError  # raised here, importable from here as before

LAUNCHER = ["-m", "ipykernel_launcher"]
# single-threaded numeric libraries in the template: a process with threads must not fork; and the
# note debugpy prints about frozen modules when imported (ipykernel's own kernelspec sets the same)
_TEMPLATE_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                 "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
LOST = -1  # the returncode of a kernel whose template died first: it was re-parented and its status is gone
_KEEP_EXITED = 1024  # exit statuses the template keeps for the worker to collect (a worker asks once per kernel)
_START_TIMEOUT = 300.0  # seconds for the template's warm-up on a busy machine
_ANSWER_TIMEOUT = 60.0  # seconds for one answer; a fork of the warm template takes milliseconds


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
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a kernel started on its own
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


def serve(sock_fd: int, warm: str) -> None:
    """The template's loop: run ``warm`` ("module:function"), then answer on ``sock_fd`` and reap kernels.

    It ends when the process that started it goes (the socket reads end-of-file).
    """
    # a Ctrl+C in the terminal reaches the whole process group: stopping is the server's to do (the template
    # ends when the server does), not a KeyboardInterrupt here with a traceback on the facilitator's console
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
    """The template process of the calling process (started on first use, replaced if it dies).

    A subclass per kind of kernel names its warm-up and what the messages call it; each keeps its own
    instance (``_instance``, ``_unavailable``), so a process may hold one template of each kind.
    """

    _instance: Template | None = None
    _unavailable: int | None = None  # the pid of a process in which a template could not start
    _starting = threading.Lock()  # kernels are launched from worker threads: one template per process
    warm = ""  # "module:function" the template runs before its first fork (set by each kind of template)
    label = "kernel template"  # what the messages call it: "the report kernel template did not start: ..."

    def __init__(self, warm: str | None = None):
        warm = warm or self.warm
        if not warm:
            raise TemplateError(f"the {self.label} has no warm-up to run (set {type(self).__name__}.warm)")
        self.owner = os.getpid()
        self.broken = False
        self._lock = threading.Lock()  # one request, one answer: a second caller waits its turn
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._channel = _Channel(ours)
        env = dict(os.environ, **_TEMPLATE_ENV)
        code = f"from workbook.kernels.template import serve; serve({theirs.fileno()}, {warm!r})"
        with theirs:
            self.process = subprocess.Popen([sys.executable, "-c", code], pass_fds=(theirs.fileno(),), env=env,
                                            stdin=subprocess.DEVNULL, close_fds=True)
        ours.settimeout(_START_TIMEOUT)
        try:
            if "ready" not in (self._channel.recv() or ({},))[0]:
                raise TemplateError(f"the {self.label} stopped while it started")
        except (OSError, TemplateError) as exc:
            self.close()
            raise TemplateError(f"the {self.label} did not start: {exc}") from exc
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
                raise TemplateError(f"the {self.label} did not answer: {exc}") from exc
        if answer is None:
            self.broken = True
            raise TemplateError(f"the {self.label} stopped")
        reply, fds = answer
        if "error" in reply:
            for fd in fds:
                os.close(fd)
            raise TemplateError(f"the {self.label} could not {request['op']}: {reply['error']}")
        return reply, fds

    def fork(self, argv: list[str], env: dict, cwd: str) -> ForkedKernel:
        """A new kernel process, ``python -m ipykernel_launcher <argv>`` forked from the template."""
        reply, fds = self._ask({"op": "fork", "argv": argv, "env": env, "cwd": cwd})
        if len(fds) != 1:
            self.broken = True
            raise TemplateError(f"the {self.label} sent no pidfd with its kernel")
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
        returncode = self.poll()
        while returncode is None:
            left = 0.1
            if timeout is not None and deadline is not None:
                left = min(0.1, deadline - time.monotonic())
                if left <= 0:
                    raise subprocess.TimeoutExpired(str(self.pid), timeout)
            pidfd = self._pidfd
            if pidfd is None or _has_exited(pidfd, left):  # its pidfd is closed only once it has a returncode
                time.sleep(0.01)  # exited, not yet reaped by the template: ask again shortly
            returncode = self.poll()
        return returncode

    def send_signal(self, signum: int) -> None:
        """Signal the kernel's process group; nothing at all once it has exited (its pid may be another's)."""
        if self.poll() is not None:
            return
        try:
            returncode = self._template.signal(self.pid, signum)
        except TemplateError:
            pidfd = self._pidfd  # still open: the kernel had not exited
            try:  # no template to ask: the kernel alone, through a pidfd that can name no other process
                if pidfd is not None:
                    signal.pidfd_send_signal(pidfd, signum)
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
        pidfd = getattr(self, "_pidfd", None)
        if pidfd is not None:
            os.close(pidfd)


async def in_thread(function, *args):
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
