"""Opening an app from its link: which district and session, who is asking, and with which code.

Every app goes through :func:`open_app`, so every page checks its link the same way and
turns a wrong or unusable link into a plain message instead of a traceback.
"""

from __future__ import annotations

import os
import secrets
import urllib.parse

from ..content.errors import WorkbookError
from ..content.frameworks import load_content
from ..store import Store
from .page import error_page


def open_session(store: Store, params: dict, *, facilitator: bool = False):
    """District, session and (when the link carries one) the member, checked against the link's codes."""
    slug = params.get("district")
    if not slug:
        raise WorkbookError("This page needs a link from your facilitator: it should end with something like "
                            "?district=example-usd&session=1&code=…")
    district, session = store.resolve_session(slug, params.get("session"))
    member = None
    if params.get("me") and not facilitator:
        member = store.respondent_by_token(session.id, params["me"])
    else:
        store.check_code(session, params.get("code"), facilitator=facilitator)
    return district, session, member


def open_app(title: str, build, store: Store | None = None, params: dict | None = None, content=None, *,
             facilitator: bool = False, warm=None):
    """Read the link (``params`` or the page's query string), check it and ``build`` the page.

    ``build(store, content, district, session, member, facilitator_code)`` gets the member of a
    personal link (or None) and the facilitator's code when the link carries it (else None).
    In a preheated kernel (which runs before anyone asks for the page) ``warm(store, content)``
    does the page's first-time work (first query, first chart) while it waits for the visit.
    """
    try:
        store = store or Store()
        content = content or load_content()
        if params is None and preheating():
            warm_up(store, content, warm)
        params = query_params() if params is None else params
        district, session, member = open_session(store, params, facilitator=facilitator)
        code = params.get("code")
        is_facilitator = member is None and bool(code) and secrets.compare_digest(str(code), session.facilitator_code)
        return build(store, content, district, session, member, code if is_facilitator else None)
    except WorkbookError as exc:
        return error_page(title, exc)


def warm_up(store: Store, content, warm=None) -> None:
    """First-time costs paid before the visit.

    The store's first transaction, plotly's figure machinery for a first chart, and the app's own
    ``warm``. Failures are left for the real page to report (it runs the same code and shows a plain
    message).
    """
    import contextlib

    from .. import charts

    with contextlib.suppress(Exception):
        store.ping()
        charts.pathway.spec(content.spectra, {}, {}).to_json()  # as Charting Your Path draws it: no validators
        if warm is not None:
            warm(store, content)


def preheating() -> bool:
    """True in a kernel Voila started ahead of the visit (the page's link is not known yet)."""
    from .visit import preheated

    return preheated()


def query_params() -> dict:
    """The page's query parameters (``?district=...&session=...``).

    Under Voila with preheated kernels the request arrives after the kernel started, so
    wait for it first; outside Voila (JupyterLab, nbval, papermill) ``QUERY_STRING`` may be
    set in the environment, else there are none.
    """
    if preheating():
        from .visit import wait_for_visit

        wait_for_visit()
    query = os.environ.get("QUERY_STRING", "")
    return {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
