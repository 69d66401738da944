"""A preheated page kernel waits for its visit: Voila hands it the page's request when a member opens the link.

Voila starts a preheated kernel before anyone asks for a page. When the link is opened, Voila sends the
request's details (``QUERY_STRING`` among them) as one JSON message to the kernel waiting on its websocket
``{VOILA_SERVER_URL}voila/query/{VOILA_KERNEL_ID}`` (Voila's ``RequestInfoSocketHandler``), and the kernel puts
them in its environment. ``voila.utils.wait_for_request`` does exactly this, but importing ``voila.utils``
imports Voila's server side with it (jupyter_server, jupyterlab_server, nbconvert: about 650 modules and
27 MiB in every page kernel, which a room holds twelve of). :func:`wait_for_visit` is the same client, on the
same environment variables, with the ``websockets`` library Voila's own client uses (about 30 modules, 1.3 MiB);
``tests/unit/test_visit.py`` runs it against Voila's handler.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import warnings


def preheated() -> bool:
    """True in a kernel Voila started ahead of the visit (the page's link is not known yet)."""
    return os.environ.get("VOILA_PREHEAT", "False") == "True"


def request_url() -> str:
    """The websocket on which Voila hands this kernel its page's request (as ``voila.utils`` builds it)."""
    protocol = os.getenv("VOILA_WS_PROTOCOL", "ws")
    ip = os.getenv("VOILA_APP_IP", "127.0.0.1")
    port = os.getenv("VOILA_APP_PORT", "8866")
    base = os.getenv("VOILA_WS_BASE_URL", os.getenv("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{ip}:{port}{base}voila/query/{os.getenv('VOILA_KERNEL_ID')}"


async def _receive(url: str) -> str | None:
    import websockets

    try:
        async with websockets.connect(url, open_timeout=5) as socket:
            message = await socket.recv()
    except (TimeoutError, ConnectionRefusedError):
        warnings.warn(f"Failed to connect to {url}", stacklevel=2)
        return None
    return message if isinstance(message, str) else message.decode("utf-8")


def wait_for_visit() -> None:
    """In a preheated kernel, wait until the page is asked for; then its request is in ``os.environ``.

    The wait runs on a thread of its own with its own event loop: the kernel's loop is busy running the cell.
    Outside a preheated kernel it returns at once.
    """
    if not preheated():
        return
    received: list[str | None] = [None]

    def wait() -> None:
        loop = asyncio.new_event_loop()
        try:
            received[0] = loop.run_until_complete(_receive(request_url()))
        finally:
            loop.close()

    waiting = threading.Thread(target=wait, name="workbook-visit", daemon=True)
    waiting.start()
    waiting.join()
    if received[0] is not None:
        for key, value in json.loads(received[0]).items():
            os.environ[key] = value
