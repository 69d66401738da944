"""A preheated kernel's wait for its visit, against Voila's own handler (``RequestInfoSocketHandler``).

The page kernel does not import ``voila.utils`` (Voila's server side, about 27 MiB per kernel): it speaks to
Voila's websocket itself (``workbook/widgets/visit.py``). These tests serve Voila's real handler at the path
Voila serves it on and check that the kernel's side reads the request as ``voila.utils.wait_for_request`` does.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import threading

import pytest
import tornado.web
from voila.request_info_handler import RequestInfoSocketHandler

from workbook.widgets import visit

KERNEL = "2f0c1a8e-5d7b-4c1e-9a63-0b9e8d7f6a51"


@pytest.fixture
def voila_query(unused_port):
    """Voila's request-info websocket handler, served at ``/base/voila/query/<kernel id>`` on a thread."""
    started, holder = threading.Event(), {}

    def serve():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = tornado.web.Application([(r"/base/voila/query/(\w+-\w+-\w+-\w+-\w+)", RequestInfoSocketHandler)])
        holder["server"] = app.listen(unused_port, address="127.0.0.1")
        holder["loop"] = loop
        loop.call_soon(started.set)
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10)
    yield unused_port, holder["loop"]
    holder["loop"].call_soon_threadsafe(holder["loop"].stop)
    thread.join(10)
    RequestInfoSocketHandler._cache.clear()


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kernel_env(monkeypatch, port):
    for key, value in {"VOILA_PREHEAT": "True", "VOILA_APP_IP": "127.0.0.1", "VOILA_APP_PORT": str(port),
                       "VOILA_SERVER_URL": "/base/", "VOILA_KERNEL_ID": KERNEL, "QUERY_STRING": ""}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("VOILA_WS_BASE_URL", raising=False)
    monkeypatch.delenv("VOILA_WS_PROTOCOL", raising=False)


def _hand_over(loop, query: str):
    """What Voila does when the page is asked for: send the request's details to the kernel's waiter."""
    payload = json.dumps({"QUERY_STRING": query, "SCRIPT_NAME": "/base/voila/render/charting_your_path.ipynb"})
    loop.call_soon_threadsafe(RequestInfoSocketHandler.send_updates, {"kernel_id": KERNEL, "payload": payload})


def test_a_preheated_kernel_waits_for_the_visit_and_reads_its_link(voila_query, monkeypatch):
    port, loop = voila_query
    _kernel_env(monkeypatch, port)
    assert visit.request_url() == f"ws://127.0.0.1:{port}/base/voila/query/{KERNEL}"
    done = threading.Event()
    waiting = threading.Thread(target=lambda: (visit.wait_for_visit(), done.set()), daemon=True)
    waiting.start()
    assert not done.wait(1.0), "the kernel went on before anyone asked for the page"
    _hand_over(loop, "district=example-usd&session=1&code=abc")
    assert done.wait(10), "the kernel never received its visit"
    import os

    assert os.environ["QUERY_STRING"] == "district=example-usd&session=1&code=abc"
    assert os.environ["SCRIPT_NAME"] == "/base/voila/render/charting_your_path.ipynb"


def test_a_visit_that_came_before_the_kernel_asked_is_read_at_once(voila_query, monkeypatch):
    port, loop = voila_query
    _kernel_env(monkeypatch, port)
    _hand_over(loop, "district=example-usd&session=2&code=xyz")  # Voila keeps it for the kernel
    import time

    time.sleep(0.2)
    visit.wait_for_visit()
    import os

    assert os.environ["QUERY_STRING"] == "district=example-usd&session=2&code=xyz"


def test_outside_a_preheated_kernel_nothing_waits(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", "district=a")
    visit.wait_for_visit()  # returns at once: no server to wait for
    import os

    assert os.environ["QUERY_STRING"] == "district=a"


def test_a_page_kernel_never_imports_voilas_server_side():
    """The page kernels' template (what every member's kernel is forked from) holds no Voila or Jupyter server.

    Every module the template imports is in every page kernel: Voila's server side (``voila.utils``) and
    jupyter_server are about 36 MiB and 840 modules that no page uses.
    """
    script = textwrap.dedent("""
        import sys
        import workbook.kernels.template  # the template process runs its serve loop
        from workbook.serve.page_warm import warm_up
        warm_up()
        from workbook.widgets import access, visit
        heavy = sorted(m for m in sys.modules
                       if m.split(".")[0] in ("voila", "jupyter_server", "jupyterlab_server", "nbconvert"))
        print("HEAVY=" + ",".join(heavy))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "HEAVY=\n" in done.stdout, done.stdout[:2000]
