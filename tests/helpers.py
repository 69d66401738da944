"""Helpers the test modules share (one copy of each): ports, widget trees, marks frames."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

COLUMNS = ["respondent_id", "name", "role", "spectrum", "current", "aspiration"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(check, timeout: float = 30, what: str = "condition"):
    """Poll ``check`` (a store query) until it returns a truthy value; the kernel saves asynchronously."""
    import time

    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = check()
            if last:
                return last
        except (AssertionError, KeyError, IndexError) as exc:
            last = exc
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")


def walk(widget):
    """The widget and every widget below it, depth first."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def drawn(chart):
    """The figure a page's chart widget holds, validated by plotly (member and coach pages keep plain dicts)."""
    from workbook.charts import Spec

    fig = chart.figure
    return fig.figure() if isinstance(fig, Spec) else fig


def page_text(page) -> str:
    """Every HTML and Label value on the page, joined by new lines."""
    import ipywidgets as w

    return "\n".join(x.value for x in walk(page) if isinstance(x, (w.HTML, w.Label)))


def marks_frame(data: dict, roles: dict | None = None):
    """``{respondent_id: {spectrum: (current, aspiration)}}`` as a marks frame (the store's columns)."""
    import pandas as pd

    roles = roles or {}
    rows = [(rid, f"Member {rid}", roles.get(rid, "teacher"), sid, cur, asp)
            for rid, by_spectrum in data.items() for sid, (cur, asp) in by_spectrum.items()]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"current": float, "aspiration": float})


def names_chosen(store, session_id: int) -> None:
    """Make a session one whose team chose, before anyone joined, to show members' names.

    The store refuses to change the privacy settings once members joined; tests that start from the demo team
    (already joined) and need names shown set the session up as if the team had chosen names from the start.
    """
    from workbook.store import schema

    t = schema.tables
    store.transaction(lambda c: c.execute(t.sessions.update().where(t.sessions.c.id == session_id)
                                          .values(show_authors=True)), write=True)


# a kernel that never answers its first request (a rare start-up hang below papermill and nbval: none in 360
# starts on a busy machine, one in a whole CI run) ran nothing of the notebook: that run is made again, once
NEVER_STARTED = ("Kernel didn't respond in", "Kernel info reqest timed out")  # jupyter_client's, nbval's words


def never_started(output: str) -> bool:
    """Whether a failed run's output says its kernel never answered its first request."""
    return any(words in output for words in NEVER_STARTED)


def _papermill(src: Path, out: Path, params: list[str], env: dict, cwd: Path) -> tuple[subprocess.Popen, Path]:
    log = out.with_suffix(".stderr")
    with log.open("w") as err:  # a file, not a pipe: a full pipe would stall the run
        proc = subprocess.Popen([sys.executable, "-m", "papermill", "--start-timeout", "30", str(src), str(out),
                                 *params], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
    return proc, log


def run_papermill(jobs: dict, env: dict, cwd: Path, parallel: int = 2) -> dict:
    """``python -m papermill`` for each job ``{key: (notebook, output, params)}``, ``parallel`` at a time.

    Returns ``{key: (returncode, output notebook as a dict, stderr)}``.
    """
    results = {}
    pending = list(jobs.items())
    while pending:
        batch, pending = pending[:parallel], pending[parallel:]
        started = [(key, job, *_papermill(*job, env, cwd)) for key, job in batch]
        for key, job, proc, log in started:
            proc.wait(timeout=240)
            stderr = log.read_text(encoding="utf-8")
            if proc.returncode and never_started(stderr):
                print(f"{key}: the kernel never answered at start-up; run again\n{stderr[-600:]}")
                proc, log = _papermill(*job, env, cwd)
                proc.wait(timeout=240)
                stderr = log.read_text(encoding="utf-8")
            results[key] = (proc.returncode, json.loads(job[1].read_text(encoding="utf-8")), stderr)
    return results


def failure_text(stderr: str) -> str:
    """A failed run's stderr for an assertion message: all of it, or its start and its end."""
    return stderr if len(stderr) < 4000 else f"{stderr[:1500]}\n…\n{stderr[-2500:]}"
