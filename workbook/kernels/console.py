"""What the server's console tells the person who started it: harmless warnings are dropped, with the reason here.

A facilitator reads the console for the links and for what went wrong. Two warnings appear on every start and
ask for nothing a facilitator can do:

- ``Notebook … is not trusted`` (jupyter_server, once per notebook opened): trust decides whether a notebook's
  *stored* outputs may run scripts in JupyterLab. Voila never shows stored outputs; it runs the notebook on the
  server and sends what it produces, so the app notebooks need no signature (a signature is per user and machine,
  so none could ship with the workbook anyway).
- ``Kernel is running over TCP without encryption`` (ipykernel, once per kernel): a page's kernel listens on
  127.0.0.1 only, its connection file is readable by the server's user alone, and every message is signed with
  its key. Nothing crosses the network between the server and its kernels; members' browsers reach the server
  over the room's network (HTTPS behind a proxy, deploy/README.md).

One error is dropped too, in a kernel's process only: ``Exception in message handler`` whose exception is ZeroMQ's
"Socket operation on non-socket" (:class:`ClosedSocketFilter`). A preheated kernel has run its notebook and waits
in it for the page that will take it (``wait_for_request``, ``workbook/widgets/access.py``); when the server stops
(Ctrl+C), it shuts that kernel down and closes its sockets, and the notebook's run, ending, has nowhere to send its
reply. Each waiting kernel printed this with a traceback on every stop. No member had that kernel; nothing a
facilitator sees or saves depends on it.

Every other warning and error still reaches the console.
"""

from __future__ import annotations

import logging

HARMLESS = (
    "is not trusted",
    "Kernel is running over TCP without encryption",
)
"""Pieces of the log messages that are dropped (see the module's docstring for why each is harmless)."""


class HarmlessFilter(logging.Filter):
    """Drops the records whose message contains one of :data:`HARMLESS`."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102 - logging's API
        try:
            text = record.getMessage()
        except Exception:  # a record that cannot be formatted is left for the handler to report
            return True
        return not any(piece in text for piece in HARMLESS)


_FILTER = HarmlessFilter()


class ClosedSocketFilter(logging.Filter):
    """Drops a kernel's report of a reply it could not send because its socket was closed (a kernel shut down)."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102 - logging's API
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or type(exc).__name__ != "ZMQError":
            return True
        import errno

        return getattr(exc, "errno", None) != errno.ENOTSOCK


_CLOSED = ClosedSocketFilter()


def quiet(*loggers: logging.Logger | str) -> None:
    """Drop the harmless warnings from these loggers (names or objects) and their handlers; idempotent."""
    for item in loggers:
        logger = logging.getLogger(item) if isinstance(item, str) else item
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)


def quiet_kernel() -> None:
    """In a kernel's process, before ipykernel starts: its logger drops the TCP warning and a closed socket's error."""
    quiet("IPKernelApp")
    logger = logging.getLogger("IPKernelApp")
    if _CLOSED not in logger.filters:
        logger.addFilter(_CLOSED)


def quiet_server(app_log: logging.Logger) -> None:
    """In the server's process, once its application logger exists: the trust warning is dropped."""
    quiet(app_log, "ServerApp", "Voila")
