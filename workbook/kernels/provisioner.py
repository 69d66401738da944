"""Starting kernels through a warm template, for jupyter_client and jupyter_server.

:class:`ForkingProvisioner` is the kernel provisioner a kernel manager gets from :class:`ForkingMixin`: a
``python -m ipykernel_launcher`` kernel is forked from the provisioner's template (:mod:`workbook.kernels.template`),
any other kernel is launched as usual. Each kind of kernel subclasses it with its own template
(:class:`workbook.reports.kernels.ReportProvisioner`, :class:`workbook.serve.page_kernels.PageProvisioner`).

The kernels' ports (:class:`KernelPorts`) are taken below the machine's ephemeral range, so a kernel's port is
never one the machine has just given to an outgoing connection.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import sys
import threading
from typing import TYPE_CHECKING

from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from ..content.errors import TemplateError
from .template import LAUNCHER, ForkedKernel, Template, in_thread

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

    template_class: type[Template] = Template  # which template (and so which warm-up) it forks: set by each kind
    _own_ports: list[int] | None = None  # the ports :data:`PORTS` gave this kernel (None: jupyter_client's)
    _old_ports: list[int] | None = None  # a restarted kernel's earlier ports, held until it has its new ones

    async def pre_launch(self, **kwargs):
        """Ports from :data:`PORTS` (below the ephemeral range) for a local TCP kernel, then as usual."""
        km = self.parent
        if km is not None and km.transport == "tcp" and km.cache_ports and not self.ports_cached:
            ports = PORTS.take(km.ip)
            if ports is not None:
                for name, port in zip(PORT_NAMES, ports):
                    setattr(km, name, port)
                self.ports_cached, self._own_ports = True, ports
        self._give_back_old()
        return await super().pre_launch(**kwargs)

    def _give_back_old(self) -> None:
        old, self._old_ports = self._old_ports, None
        if old:
            PORTS.give_back(old)

    async def cleanup(self, restart: bool = False) -> None:
        """Give the kernel's ports back; a restarted kernel gets new ones (its old ones may be what killed it)."""
        own, self._own_ports = self._own_ports, None
        if own is None:
            await super().cleanup(restart)
            return
        self.ports_cached = False  # not jupyter_client's cache: nothing of it to give back
        await super().cleanup(restart)
        self._give_back_old()
        if restart:  # held until the restart has taken its new ones, so that none of them is an old one
            self._old_ports = own
        else:
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
            kernel = await in_thread(self._fork, cmd[3:], env, cwd)
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
            await in_thread(self.process.send_signal, signum)
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


if TYPE_CHECKING:  # the mixin's methods use the kernel manager's (jupyter_client's and jupyter_server's share them)
    from jupyter_client.manager import KernelManager as _KernelManagerBase
else:
    _KernelManagerBase = object


class ForkingMixin(_KernelManagerBase):
    """For a jupyter_client kernel manager: python kernels come from ``provisioner_class``'s template."""

    provisioner_class: type[ForkingProvisioner] = ForkingProvisioner

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            import uuid

            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = self.provisioner_class(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                      parent=self)
        return await super()._async_pre_start_kernel(**kw)
