"""Batch district reports: papermill in a pool of worker processes, one HTML file per district, an index.

Each district runs ``notebooks/district_report.ipynb`` through papermill's Python API in
a long-lived worker process (no command start-up per district); the executed notebook's
outputs become a self-contained HTML page (inputs hidden, plotly.js embedded once, no
CDN). A district that fails (an error in a cell, a dead kernel, a timeout) is recorded
with its reason and gets no HTML; the others complete, and the command exits non-zero.

Per district the worker pays for as little as it can: the kernel is a fresh process forked
from a template that has already imported the report's modules (:mod:`workbook.report_kernels`),
it is stopped at once when the last cell has answered, and the kernel leaves a marker where
plotly.js goes (``WORKBOOK_REPORT_PLOTLYJS=marker``): the worker puts the bundle in, read
from plotly once per worker process, so its 4.6 MiB never crosses ZMQ and nbformat.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import html
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import validation
from .errors import InvalidInput

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "district_report.ipynb"


@dataclass
class Outcome:
    district: str
    name: str
    status: str  # "ok" | "failed"
    file: str | None
    seconds: float
    error: str = ""


def output_path(out_dir: Path, slug: str) -> Path:
    """``out_dir/<slug>.html``, refusing any slug that could name a file outside ``out_dir``."""
    validation.slug(slug)
    path = (out_dir / f"{slug}.html").resolve()
    if path.parent != out_dir.resolve():
        raise InvalidInput(f"{slug!r} would write outside {out_dir}")
    return path


def page(title: str, body: str) -> str:
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title></head><body><main>{body}</main></body></html>")


_PLOTLYJS: list[str] = []


def plotlyjs_html() -> str:
    """What ``fig.to_html(include_plotlyjs="inline")`` puts before a chart: plotly.js, built once per process."""
    if not _PLOTLYJS:
        import plotly.graph_objects as go

        text = go.Figure().to_html(full_html=False, include_plotlyjs="inline")
        start = text.index("<script")
        end = text.rindex("</script>", 0, text.index("<div id=")) + len("</script>")
        _PLOTLYJS.append(text[start:end])
    return _PLOTLYJS[0]


def notebook_html(nb, title: str) -> str:
    """The executed notebook's displayed outputs as one page; code and prompts left out.

    The first plotly.js marker a report left (see :data:`workbook.district_report.PLOTLYJS_MARKER`)
    becomes the bundle itself, so the page opens offline.
    """
    from .district_report import PLOTLYJS_MARKER

    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data:
                parts.append(data["text/html"] if isinstance(data["text/html"], str) else "".join(data["text/html"]))
    body = "".join(parts)
    if PLOTLYJS_MARKER in body:
        body = body.replace(PLOTLYJS_MARKER, plotlyjs_html(), 1).replace(PLOTLYJS_MARKER, "")
    return page(title, body)


def _describe(exc: BaseException) -> str:
    """A failure in words: which cell, what error."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
    name = type(exc).__name__
    if name == "DeadKernelError":
        return "the kernel died while running the report (killed or out of memory)"
    if name in ("CellTimeoutError", "TimeoutError"):
        return f"timed out: {str(exc).splitlines()[0] if str(exc) else 'a cell ran too long'}"
    return f"{name}: {exc}"


def run_one(slug: str, name: str, session, out_dir: str, timeout: int) -> Outcome:
    """Run one district's report (in a worker process) and write its HTML atomically."""
    import papermill as pm

    from .report_kernels import ForkingKernelManager

    start = time.perf_counter()
    target = output_path(Path(out_dir), slug)
    try:
        # the kernel is forked from this worker's warm template, and killed once every cell has answered
        # (it only reads the store; nothing is left to save)
        nb = pm.execute_notebook(str(NOTEBOOK), None, parameters={"district": slug, "session": session},
                                 kernel_name="python3", progress_bar=False, log_output=False,
                                 execution_timeout=timeout, cwd=str(NOTEBOOK.parent),
                                 kernel_manager_class=ForkingKernelManager, shutdown_kernel="immediate")
        text = notebook_html(nb, f"District report: {name}")
        tmp = target.with_suffix(".html.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
        return Outcome(slug, name, "ok", target.name, time.perf_counter() - start)
    except Exception as exc:  # every failure is recorded, none stops the batch
        target.unlink(missing_ok=True)
        return Outcome(slug, name, "failed", None, time.perf_counter() - start, _describe(exc))


def select(store, slugs=None, shard: str | None = None) -> list:
    """The districts to report on: all (or those named), then this shard's slice (``i/n``, 1-based)."""
    districts = store.districts()
    if slugs:
        known = {d.slug for d in districts}
        missing = [s for s in slugs if s not in known]
        if missing:
            raise InvalidInput(f"No district called {', '.join(map(repr, missing))} in this workbook.")
        districts = [d for d in districts if d.slug in set(slugs)]
    if shard:
        try:
            i, n = (int(x) for x in shard.split("/"))
            assert 1 <= i <= n
        except (ValueError, AssertionError):
            raise InvalidInput(f"--shard {shard!r} should look like 1/4 (this machine's slice of the run)") from None
        districts = [d for k, d in enumerate(districts) if k % n == i - 1]
    return districts


def index_html(outcomes: list[Outcome], started: dt.datetime) -> str:
    rows = []
    for o in sorted(outcomes, key=lambda o: o.district):
        link = f"<a href='{html.escape(o.file)}'>{html.escape(o.name)}</a>" if o.file else html.escape(o.name)
        status = "ready" if o.status == "ok" else "<strong>failed</strong>"
        rows.append(f"<tr><td>{link}</td><td>{html.escape(o.district)}</td><td>{status}</td>"
                    f"<td>{html.escape(o.error)}</td><td>{o.seconds:.1f} s</td></tr>")
    failed = sum(o.status != "ok" for o in outcomes)
    body = (f"<h1>District reports</h1><p>{len(outcomes) - failed} ready, {failed} failed · run started "
            f"{started:%Y-%m-%d %H:%M} UTC</p><table><thead><tr><th scope='col'>District</th><th scope='col'>Slug"
            "</th><th scope='col'>Status</th><th scope='col'>Problem</th><th scope='col'>Time</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
    style = ("<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1F2933}table{border-collapse:collapse}"
             "td,th{border:1px solid #CBD2D9;padding:4px 8px;text-align:left}a{color:#0B5394}</style>")
    return page("District reports", style + body)


def run_batch(store, out_dir: Path, slugs=None, session=None, workers: int = 2, shard=None, timeout: int = 600,
              progress: bool = True) -> list[Outcome]:
    """Run every selected district's report; write ``index.html``; return the outcomes."""
    from tqdm import tqdm

    out_dir.mkdir(parents=True, exist_ok=True)
    districts = select(store, slugs, shard)
    started = dt.datetime.now(dt.timezone.utc)
    outcomes: list[Outcome] = []
    saved = {name: os.environ.get(name) for name in ("WORKBOOK_DB_URL", "WORKBOOK_REPORT_PLOTLYJS")}
    os.environ["WORKBOOK_DB_URL"] = store.url  # kernels read the store from here, never from a parameter
    if saved["WORKBOOK_REPORT_PLOTLYJS"] in (None, "inline"):
        os.environ["WORKBOOK_REPORT_PLOTLYJS"] = "marker"  # the worker embeds plotly.js (notebook_html)
    try:
        with cf.ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(run_one, d.slug, d.name, session, str(out_dir), timeout): d for d in districts}
            bar = tqdm(total=len(futures), unit="district", disable=not progress, file=sys.stderr)
            for fut in cf.as_completed(futures):
                d = futures[fut]
                try:
                    outcomes.append(fut.result())
                except Exception as exc:  # a worker process that died
                    outcomes.append(Outcome(d.slug, d.name, "failed", None, 0.0, f"worker crashed: {exc}"))
                bar.update(1)
            bar.close()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    (out_dir / "index.html").write_text(index_html(outcomes, started), encoding="utf-8")
    return outcomes


def main(args) -> int:
    """``workbook report``: run the batch, print a summary, exit 1 if any district failed."""
    import json

    from .store import Store

    store = Store(args.db or None)
    out = Path(args.out)
    outcomes = run_batch(store, out, args.district, args.session, args.workers, args.shard, args.timeout)
    failed = [o for o in outcomes if o.status != "ok"]
    print(f"report: {len(outcomes) - len(failed)} of {len(outcomes)} district report(s) written to {out}/ "
          f"(index: {out / 'index.html'})")
    for o in failed:
        print(f"  FAILED {o.district}: {o.error}")
    (out / "summary.json").write_text(json.dumps([asdict(o) for o in outcomes], indent=1), encoding="utf-8")
    return 1 if failed else 0
