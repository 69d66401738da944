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

Every other warning still reaches the console.
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
    """In a kernel's process, before ipykernel starts: its application logger drops the TCP warning."""
    quiet("IPKernelApp")


def quiet_server(app_log: logging.Logger) -> None:
    """In the server's process, once its application logger exists: the trust warning is dropped."""
    quiet(app_log, "ServerApp", "Voila")
