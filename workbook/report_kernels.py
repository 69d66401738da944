"""Report kernels forked from a warm template: a fresh process per district, imports already done.

A report kernel spends most of its life importing (pandas, SQLAlchemy, pydantic, plotly,
ipykernel: about a second of CPU) before it reads a single row. The batch therefore keeps
one *template* process per worker: it imports those modules and loads the framework content
once, never touches a store or a district, starts no threads, and forks on request. Each
forked child becomes an ordinary ipykernel (``ipykernel_launcher -f <connection file>``)
with the environment, working directory and arguments jupyter_client asked for, in its
own process group, so interrupts, timeouts and kills work as with a launched kernel.

Every district still gets a new kernel process: the child starts from the template's
memory (modules and content only) and nothing it does reaches the template or another
district's kernel. When forking is not possible (another kernel command, no ``fork``, the
template failed to start) the kernel is launched the usual way.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

LAUNCHER = ["-m", "ipykernel_launcher"]
# single-threaded numeric libraries in the template: a process with threads must not fork; and the
# note debugpy prints about frozen modules when imported (ipykernel's own kernelspec sets the same)
_TEMPLATE_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                 "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def _warm() -> None:
    """Everything a report kernel imports, done once in the template (no store, no district)."""
    import ipykernel.debugger  # noqa: F401 - every kernel imports it (and debugpy) while it starts
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import pandas as pd
    import plotly.graph_objects as go
    import sqlalchemy.dialects.sqlite  # noqa: F401 - imported by the store's first engine

    from . import district_report  # noqa: F401
    from .content import load_content
    from .widgets import conditions, pathway, team  # noqa: F401 - the report's sections use them

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


def _child(argv: list[str], env: dict, cwd: str, parent: int, close: tuple[int, ...]) -> None:
    """In the forked child: become ``python -m ipykernel_launcher <argv>``; never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        for fd in close:
            os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        env = dict(env, JPY_PARENT_PID=str(parent))  # the kernel exits if the template goes away
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        sys.argv = ["ipykernel_launcher", *argv]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported on stderr, the kernel counts as dead
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(inbox: int, outbox: int) -> None:
    """The template's loop: one JSON request per line in, one child pid per line out; EOF ends it."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; IPython puts the kernel's cwd back
    # ipykernel reads JPY_PARENT_PID when it is imported: its kernels are the template's children
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    _warm()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system
    reader = os.fdopen(inbox, "r", encoding="utf-8")
    writer = os.fdopen(outbox, "w", encoding="utf-8")
    writer.write("ready\n")
    writer.flush()
    for line in reader:
        req = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(req["argv"], req["env"], req["cwd"], os.getppid(), (inbox, outbox))
        try:
            os.setpgid(pid, pid)  # also done by the child: whichever runs first wins the race
        except OSError:
            pass
        writer.write(f"{pid}\n")
        writer.flush()


class Template:
    """The template process of this worker process (started on first use, ended with the worker)."""

    _instance: Template | None = None

    def __init__(self):
        self.owner = os.getpid()
        to_child, self._send = os.pipe()
        self._receive, from_child = os.pipe()
        env = dict(os.environ, **_TEMPLATE_ENV)
        code = f"from workbook.report_kernels import serve; serve({to_child}, {from_child})"
        self.process = subprocess.Popen([sys.executable, "-c", code], pass_fds=(to_child, from_child), env=env,
                                        stdin=subprocess.DEVNULL, close_fds=True)
        os.close(to_child)
        os.close(from_child)
        self._out = os.fdopen(self._send, "w", encoding="utf-8")
        self._in = os.fdopen(self._receive, "r", encoding="utf-8")
        if self._in.readline().strip() != "ready":
            self.close()
            raise RuntimeError("the report kernel template did not start")

    @classmethod
    def get(cls) -> Template | None:
        """The template of the calling process, started if need be; None when forking is not available."""
        if not hasattr(os, "fork"):
            return None
        current = cls._instance
        if current is not None and (current.owner != os.getpid() or current.process.poll() is not None):
            cls._instance = None  # it stopped, or it belongs to the process this one was forked from
        if cls._instance is None:
            try:
                cls._instance = Template()
            except (OSError, RuntimeError):
                return None
        return cls._instance

    def fork(self, argv: list[str], env: dict, cwd: str) -> int:
        self._out.write(json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n")
        self._out.flush()
        line = self._in.readline()
        if not line.strip().isdigit():
            raise RuntimeError("the report kernel template stopped")
        return int(line)

    def close(self) -> None:
        for f in (getattr(self, "_out", None), getattr(self, "_in", None)):
            if f is not None:
                f.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


class ForkedKernel:
    """The parts of ``subprocess.Popen`` jupyter_client uses, for a kernel forked by the template."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -1  # gone; the template reaped it, its exit status is not known here
            except PermissionError:
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkingProvisioner(LocalProvisioner):
    """Launches ``python -m ipykernel_launcher`` kernels by forking the template; anything else as usual."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        template = Template.get() if cmd[1:3] == LAUNCHER and cmd[0] == sys.executable else None
        if template is None:
            return await super().launch_kernel(cmd, **kwargs)
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        pid = template.fork(cmd[3:], env, cwd)
        self.process = ForkedKernel(pid)
        self.pid = self.pgid = pid  # the child leads its own process group
        self.cwd = cwd
        return self.connection_info

    async def wait(self):
        if not isinstance(self.process, ForkedKernel):
            return await super().wait()
        while await self.poll() is None:
            await asyncio.sleep(0.01)
        ret, self.process = self.process.returncode, None
        return ret


class ForkingKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose python kernels are forked from the warm template."""

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            import uuid

            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkingProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)
