"""The apps' kernels forked from a warm template, so a room that opens its link together starts fast.

Each page Voila serves runs in a kernel of its own. Started the usual way, a kernel spends
about a second and a half of CPU importing ipykernel, IPython, ipywidgets, plotly and
SQLAlchemy before it runs the app; twelve members opening the link at once on a two-core
laptop queue up for half a minute of imports. ``workbook serve`` therefore hands Voila
:class:`ForkingServerKernelManager`: the server keeps one *template* process that has done
those imports (and loaded the framework content) once, and every kernel is forked from it,
with the machinery of :mod:`workbook.kernels.template` (descriptors closed, children reaped,
random state reseeded, a dead template replaced, normal launches when forking is not
possible). Forked kernels also share the template's memory pages until they write to them.

The template imports modules and builds one throwaway chart; it opens no store, reads no
link and starts no thread, so nothing of one member's page can reach another's kernel.
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

from ..kernels.provisioner import ForkingMixin, ForkingProvisioner
from ..kernels.template import Template


class PageTemplate(Template):
    """The template the server's app kernels are forked from (one per server process)."""

    _instance = None
    _unavailable = None
    warm = "workbook.serve.page_warm:warm_up"  # a module of its own: this one imports jupyter_server
    label = "page kernel template"


class PageProvisioner(ForkingProvisioner):
    """The kernel provisioner that forks the apps' kernels from the :class:`PageTemplate`."""

    template_class = PageTemplate


class ForkingServerKernelManager(ForkingMixin, ServerKernelManager):
    """jupyter_server's kernel manager (activity, culling, websockets) with kernels forked from the template."""

    provisioner_class = PageProvisioner


KERNEL_MANAGER = f"{__name__}.ForkingServerKernelManager"
