"""The server's console: harmless warnings dropped, everything else kept, and the next steps in plain words."""

from __future__ import annotations

import logging
import subprocess
import sys

from workbook.kernels import console
from workbook.serve import plan

PARSE = ("from traitlets import Dict; from traitlets.config import Application\n"
         "class VoilaKernelManager(Application):\n"
         "    kernel_pools_config = Dict(config=True)\n"
         "a = VoilaKernelManager(); a.parse_command_line([{arg!r}]); print(a.kernel_pools_config)")


def _records(logger: logging.Logger, *messages: str) -> list[str]:
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    handler = Keep()
    logger.addHandler(handler)
    try:
        console.quiet(logger)
        for text in messages:
            logger.warning(text)
    finally:
        logger.removeHandler(handler)
    return seen


def test_harmless_warnings_are_dropped_and_others_kept():
    logger = logging.getLogger("test-console-server")
    seen = _records(logger, "Notebook %s is not trusted" % "charting_your_path.ipynb",
                    "Kernel is running over TCP without encryption. All communication …",
                    "Kernel died while starting: out of memory")
    assert seen == ["Kernel died while starting: out of memory"]


def test_without_the_filter_the_console_shows_them():
    # the planted fault: a logger that was never quieted passes both warnings through
    logger = logging.getLogger("test-console-unquieted")
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    logger.addHandler(Keep())
    logger.warning("Notebook x.ipynb is not trusted")
    assert seen == ["Notebook x.ipynb is not trusted"]


def test_the_pool_settings_reach_voila_without_a_warning_on_the_console():
    argv = plan.voila_argv(8866, "127.0.0.1", None, preheat=2)
    pools = next(a for a in argv if a.startswith("--VoilaKernelManager.kernel_pools_config="))
    code = PARSE.format(arg=pools)
    shown = ["-W", "default::DeprecationWarning"]  # as the server's process shows them (jupyter turns them on)
    quiet = subprocess.run([sys.executable, *shown, *argv[1:3], "-c", code], capture_output=True, text=True,
                           check=True)
    assert "'pool_size': 2" in quiet.stdout and "deprecated" not in quiet.stderr
    loud = subprocess.run([sys.executable, *shown, "-c", code], capture_output=True, text=True, check=True)
    assert "deprecated" in loud.stderr  # without the option the warning is printed (what the option hides)


def test_next_steps_follow_the_guides_order_and_say_how_to_reach_a_room():
    text = plan.next_steps(room=False)
    order = [text.index(word) for word in ("Run of show", "Presenter", "QR code", "make room")]
    assert order == sorted(order)
    assert text.index("Laying the Foundation") < text.index("Charting Your Path") < text.index("Step 1")
    assert "make room" not in plan.next_steps(room=True) and "access secret" in plan.next_steps(room=True)


def test_a_kernels_reply_to_a_closed_socket_is_dropped_and_every_other_error_kept():
    import errno

    import zmq

    def kept(exc: BaseException) -> bool:
        record = logging.LogRecord("IPKernelApp", logging.ERROR, __file__, 1, "Exception in message handler:", (),
                                   (type(exc), exc, None))
        return console.ClosedSocketFilter().filter(record)

    assert not kept(zmq.ZMQError(errno.ENOTSOCK))  # a kernel shut down while its notebook waited for a page
    assert kept(zmq.ZMQError(errno.EAGAIN))
    assert kept(zmq.ZMQError(zmq.ETERM))
    assert kept(OSError(errno.ENOTSOCK, "not a socket"))  # not ZeroMQ's: kept
    assert kept(ValueError("a real error in a page's code"))
    plain = logging.LogRecord("IPKernelApp", logging.ERROR, __file__, 1, "no exception", (), None)
    assert console.ClosedSocketFilter().filter(plain)
