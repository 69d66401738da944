"""The report kernels: what each district's kernel has imported and rehearsed before it is forked.

``workbook report`` runs papermill once per district, each in a new kernel forked from a warm template
(:mod:`workbook.kernels.template`) that has imported pandas, plotly, SQLAlchemy and the report, loaded the
framework content and run one whole report of the fictional demo district. A district's kernel then starts
with nothing to import and no first-call costs to pay.
"""

from __future__ import annotations

from jupyter_client.manager import AsyncKernelManager

from ..kernels.provisioner import ForkingMixin, ForkingProvisioner
from ..kernels.template import Template


def warm_up() -> None:
    """Everything a report kernel imports, done once in the template (no store, no district)."""
    import ipykernel.debugger  # every kernel imports it (and debugpy) while it starts
    import ipykernel.ipkernel
    import ipykernel.kernelapp  # noqa: F401
    import pandas as pd
    import plotly.graph_objects as go
    import sqlalchemy.dialects.sqlite  # noqa: F401 - imported by the store's first engine

    from ..content.frameworks import load_content
    from . import district_report  # noqa: F401

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
    frame.groupby("k")["v"].quantile([0.25, 0.75])  # pyright: ignore[reportArgumentType] - pandas takes a list
    frame.pivot_table(index="k", values="v", aggfunc="median")
    rehearse()


def rehearse() -> None:
    """One whole report of the fictional demo district, from a throwaway store, before the first fork.

    What a report pays on its first call in a process (plotly's validators for every property the
    charts set, pandas' and SQLAlchemy's first-use paths, the report's own caches) is then paid once
    per worker instead of in every district's kernel. A rehearsal that fails changes nothing: the
    district's own run does the same work and reports its own errors.
    """
    import contextlib
    import tempfile

    from .. import demo
    from ..store import Store
    from .district_report import bundles, parts

    with tempfile.TemporaryDirectory(prefix="workbook-rehearsal-") as folder, contextlib.suppress(Exception):
        store = Store(f"sqlite:///{folder}/rehearsal.sqlite")
        try:
            demo.seed_demo(store)
            bundles(parts(demo.DEMO_SLUG, store=store))
        finally:
            store.dispose()


class ReportTemplate(Template):
    """The template a report worker's district kernels are forked from (one per worker process)."""

    _instance = None
    _unavailable = None
    warm = "workbook.reports.kernels:warm_up"
    label = "report kernel template"


class ReportProvisioner(ForkingProvisioner):
    """The kernel provisioner that forks district kernels from the :class:`ReportTemplate`."""

    template_class = ReportTemplate


class ForkingKernelManager(ForkingMixin, AsyncKernelManager):
    """An ``AsyncKernelManager`` whose python kernels are forked from the warm report template."""

    provisioner_class = ReportProvisioner
