"""What the page kernels' template does once, before any member's kernel is forked from it.

A module of its own, so the template imports only what a page kernel needs: :mod:`.page_kernels` (the
kernel manager the server runs) imports jupyter_server, about 190 modules and 9 MiB that every forked
kernel would otherwise carry.
"""

from __future__ import annotations


def warm_up() -> None:
    """What every app kernel imports while starting and on its first chart, done once in the template."""
    import ipykernel.debugger  # every kernel imports it (and debugpy) while it starts
    import ipykernel.ipkernel
    import ipykernel.kernelapp  # noqa: F401
    import ipywidgets  # noqa: F401
    import sqlalchemy.dialects.postgresql  # the store's first engine imports its dialect
    import sqlalchemy.dialects.sqlite  # noqa: F401
    import websockets.asyncio.client  # noqa: F401 - preheated kernels wait for their visit with it (widgets/visit.py)

    from .. import charts
    from ..apps import charting_your_path  # noqa: F401 - the page a room opens
    from ..content.frameworks import load_content
    from ..widgets import access, heartbeat, visit  # noqa: F401

    content = load_content()
    # the member's first chart as the page draws it: plain dicts and plotly's template, not plotly's validators
    # (a 3 MB JSON file, about 10 MiB in every forked kernel's memory; pages that build a go.Figure load them)
    charts.pathway.spec(content.spectra, {}, {}).to_json()
