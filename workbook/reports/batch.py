"""Batch district reports: papermill in a pool of worker processes, one HTML file per district, an index.

Each district runs ``notebooks/district_report.ipynb`` through papermill's Python API in
a long-lived worker process (no command start-up per district). The executed notebook holds
the report's HTML and its charts as plotly's own outputs; the worker builds the district's
HTML page from those same outputs (inputs hidden, no CDN). A district that fails (the report
raised, a dead kernel, a timeout) is recorded with the cell and the error and gets no HTML;
the others complete, and the command exits non-zero.

plotly.js: each page loads the smallest bundle that draws its charts (``basic`` or ``cartesian``,
as the apps do; see :mod:`workbook.assets`). By default the bundle is written once into the
output folder and every page refers to it by a relative path, so a page is a tenth of the size
and the folder still opens offline from a disk or a USB stick (keep the folder together).
``--self-contained`` inlines the bundle in every page instead: one file that opens alone.

Per district the worker pays for as little as it can: the kernel is a fresh process forked
from a template that has already imported the report's modules (:mod:`workbook.reports.kernels`),
and it is stopped at once when the last cell has answered. The kernels read the store from
``WORKBOOK_DB_URL``: a connection string is never a parameter (papermill writes parameters
into the output notebook).
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..assets import bundle_for, plotlyjs_script
from ..content import paths, validation
from ..content.errors import InvalidInput
from ..content.files import write_atomic
from ..content.render import esc

NOTEBOOK = paths.notebooks_dir() / "district_report.ipynb"
PLOTLYJS_MODES = ("shared", "inline")
# the notebooks papermill runs per district (``--notebook NAME``): the report and the facilitator apps' views
VIEWS = {"district_report": "District report", "team_pathways": "Team pathways",
         "laying_the_foundation": "Laying the Foundation", "conditions_for_scale": "Conditions for Scale",
         "action_planning": "Action plan"}


@dataclass
class Outcome:
    """What became of one report (a district's, in one view): status, file, time taken and any error."""

    district: str
    name: str
    status: str  # "ok" | "failed"
    file: str | None
    seconds: float
    error: str = ""
    notebook: str | None = None
    bytes: int = 0
    view: str = "district_report"
    pdf: str | None = None


def output_path(out_dir: Path, slug: str, suffix: str = ".html") -> Path:
    """``out_dir/<slug>.html`` (or another suffix), refusing any slug that could name a file outside ``out_dir``."""
    validation.slug(slug)
    path = (out_dir / f"{slug}{suffix}").resolve()
    if path.parent != out_dir.resolve():
        raise InvalidInput(f"{slug!r} would write outside {out_dir}")
    return path


def page(title: str, body: str, head: str = "") -> str:
    """A complete HTML page titled ``title`` with ``body`` in its main element and ``head`` in its head."""
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title>{head}</head><body><main>{body}</main></body></html>")


def shared_plotlyjs(out_dir: Path, types) -> str:
    """Put the bundle drawing ``types`` into ``out_dir`` (once) and return the tag that loads it from there."""
    name, path = bundle_for(types)
    target = out_dir / name
    if not target.exists() or target.stat().st_size != path.stat().st_size:
        write_atomic(target, path.read_bytes())
    return f"<script src='{name}' charset='utf-8'></script>"


def displayed(nb) -> list[dict]:
    """Every display's data in the executed notebook, in order (code cells' rich outputs only)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") in ("display_data", "execute_result") and output.get("data"):
                out.append(output["data"])
    return out


def notebook_html(nb, title: str, plotlyjs: str = "inline", out_dir: Path | None = None) -> str:
    """The executed notebook's displayed outputs as one page; code and prompts left out.

    Charts are drawn from their plotly outputs. ``plotlyjs="inline"`` puts the smallest plotly.js
    bundle in the page; ``"shared"`` writes it into ``out_dir`` once and refers to it.
    """
    from .report_html import bundles_html

    body, types = bundles_html(displayed(nb))
    head = ""
    if types and plotlyjs == "shared":
        if out_dir is None:
            raise ValueError('notebook_html: plotlyjs="shared" writes the bundle into out_dir, and none was given')
        head = shared_plotlyjs(out_dir, types)
    elif types:
        head = plotlyjs_script(types)
    return page(title, body, head)


def _describe(exc: BaseException) -> str:
    """A failure in words: which cell, what error."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
    name = type(exc).__name__
    if never_started(exc):
        return (f"the report's kernel did not start (it never answered, twice: {exc}); nothing of the report ran, "
                "so run the batch again for this district")
    if isinstance(exc, DeadKernelError):
        return "the kernel died while running the report (killed or out of memory)"
    if isinstance(exc, (CellTimeoutError, TimeoutError)):
        return f"timed out: {str(exc).splitlines()[0] if str(exc) else 'a cell ran too long'}"
    return f"{name}: {exc}"


def chromium() -> str:
    """Debian's Chromium (or ``WORKBOOK_CHROMIUM``), for ``--pdf``; a plain error when there is none."""
    import shutil

    found = os.environ.get("WORKBOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        raise InvalidInput("--pdf prints with Chromium, and none was found: install Debian's chromium "
                           "(apt-get install chromium) or set WORKBOOK_CHROMIUM to its path.")
    return found


def print_pdf(page_path: Path, timeout: float = 120) -> Path:
    """Print a written page to ``<page>.pdf`` with headless Chromium (charts drawn first), atomically."""
    import subprocess
    import tempfile

    target = page_path.with_suffix(".pdf")
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                               f"--user-data-dir={profile}", "--no-pdf-header-footer", "--virtual-time-budget=15000",
                               f"--print-to-pdf={tmp}", page_path.resolve().as_uri()],
                              capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not tmp.exists() or tmp.read_bytes()[:5] != b"%PDF-":
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"Chromium could not print {page_path.name}: {(done.stderr or '').strip()[-300:]}")
    os.replace(tmp, target)
    return target


def check_views(views) -> list[str]:
    """The notebooks asked for (``district_report`` when none), refusing names that are not papermill-ready."""
    views = list(dict.fromkeys(views or ["district_report"]))
    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        raise InvalidInput(f"--notebook {', '.join(map(repr, unknown))}: choose from {', '.join(VIEWS)}")
    return views


def no_discarded_write(execute_module) -> None:
    """Make papermill skip the final save of a notebook that has nowhere to go (``output_path=None``).

    ``papermill.execute_notebook`` always ends with ``write_ipynb(nb, output_path)``, which validates
    and serialises the whole executed notebook before its I/O layer drops the text when the path is
    None: with a report's charts that is about 40 ms of a worker's time per district for nothing. A
    notebook that has a path is written as before (``--notebooks`` writes its own copy).
    """
    original = execute_module.write_ipynb
    if getattr(original, "workbook_skips_none", False):
        return

    def write_ipynb(nb, path):
        if path is None:
            return
        original(nb, path)

    write_ipynb.workbook_skips_none = True
    execute_module.write_ipynb = write_ipynb


STRIPPED = "workbook-stripped://"  # papermill input: the notebook at the path after it, without stored outputs
_STRIPPED_REGISTERED = False


class StrippedNotebooks:
    """papermill I/O for ``workbook-stripped://<path>``: the notebook at ``<path>`` without its stored outputs.

    The report notebooks keep their outputs for nbval, and papermill would parse, validate and copy
    them for every district before clearing them to run it. Read once per process (again when the
    file changes); a run never writes through this scheme.
    """

    _cache: dict[str, tuple[float, str]] = {}

    @classmethod
    def read(cls, path: str) -> str:
        """The notebook's JSON without outputs."""
        import nbformat

        real = path[len(STRIPPED):]
        stamp = os.stat(real).st_mtime_ns
        cached = cls._cache.get(real)
        if cached is None or cached[0] != stamp:
            nb = nbformat.read(real, as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            cached = cls._cache[real] = (stamp, nbformat.writes(nb))
        return cached[1]

    @classmethod
    def write(cls, buf: str, path: str) -> None:
        """Refused: the source notebook is never overwritten."""
        raise OSError(f"{path}: a stripped notebook is only read (give the output its own path)")

    @classmethod
    def listdir(cls, path: str) -> list:
        """The folder's files, as papermill's local handler lists them."""
        return os.listdir(path[len(STRIPPED):])

    @classmethod
    def pretty_path(cls, path: str) -> str:
        """The file's own path, for papermill's log lines."""
        return path[len(STRIPPED):]


def _stripped(path: Path) -> str:
    """``path`` as papermill's input without its stored outputs (:class:`StrippedNotebooks`, registered once)."""
    global _STRIPPED_REGISTERED
    if not _STRIPPED_REGISTERED:
        from papermill.iorw import papermill_io

        papermill_io.register(STRIPPED, StrippedNotebooks)
        _STRIPPED_REGISTERED = True
    return STRIPPED + str(path)


# seconds a report's kernel has to answer its first request (a forked kernel answers within a second or so)
START_TIMEOUT = 30
NEVER_STARTED = ("Kernel didn't respond in", "Kernel died before replying to kernel_info")


def never_started(exc: BaseException) -> bool:
    """Whether ``exc`` is jupyter_client's word for a kernel that never answered its first request.

    Such a kernel ran none of the report (a rare start-up hang below papermill, in the kernel or its
    connection), so the report is run once more with another kernel.
    """
    return isinstance(exc, RuntimeError) and str(exc).startswith(NEVER_STARTED)


def run_one(slug: str, name: str, session, out_dir: str, timeout: int, notebooks: bool = False,
            plotlyjs: str = "shared", view: str = "district_report", pdf: bool = False) -> Outcome:
    """Run one district's report or app view (in a worker process); write its HTML (and notebook) atomically.

    The district report is ``<slug>.html``; an app's view ``<slug>.<notebook>.html`` (slugs hold no dot).
    """
    import nbformat
    import papermill as pm
    import papermill.execute

    from .kernels import ForkingKernelManager

    no_discarded_write(papermill.execute)
    start = time.perf_counter()
    folder = Path(out_dir)
    extra = "" if view == "district_report" else f".{view}"
    target = output_path(folder, slug, f"{extra}.html")
    kept = output_path(folder, slug, f"{extra}.ipynb")
    source = NOTEBOOK if view == "district_report" else NOTEBOOK.parent / f"{view}.ipynb"
    try:
        # the kernel is forked from this worker's warm template, and killed once every cell has answered
        # (it only reads the store; nothing is left to save)
        for attempt in (1, 2):
            try:
                nb = pm.execute_notebook(_stripped(source), None, parameters={"district": slug, "session": session},
                                         kernel_name="python3", progress_bar=False, log_output=False,
                                         start_timeout=START_TIMEOUT, execution_timeout=timeout,
                                         cwd=str(NOTEBOOK.parent), kernel_manager_class=ForkingKernelManager,
                                         shutdown_kernel="immediate")
                break
            except RuntimeError as exc:  # a kernel that never answered ran nothing: a second one runs the report
                if attempt == 2 or not never_started(exc):
                    raise
        nb.metadata.papermill["input_path"] = str(source)  # a kept notebook names the file it came from
        text = notebook_html(nb, f"{VIEWS[view]}: {name}", plotlyjs, folder)
        if notebooks:
            write_atomic(kept, nbformat.writes(nb))
        write_atomic(target, text)
        printed = print_pdf(target).name if pdf else None
        return Outcome(slug, name, "ok", target.name, time.perf_counter() - start,
                       notebook=kept.name if notebooks else None, bytes=len(text.encode()), view=view, pdf=printed)
    except Exception as exc:  # every failure is recorded, none stops the batch
        target.unlink(missing_ok=True)  # an older run's page must not pass for this run's
        kept.unlink(missing_ok=True)
        target.with_suffix(".pdf").unlink(missing_ok=True)
        return Outcome(slug, name, "failed", None, time.perf_counter() - start, _describe(exc), view=view)


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
    """The index of a batch: a row per report with its links, status, problem and time."""
    rows = []
    for o in sorted(outcomes, key=lambda o: (o.district, o.view != "district_report", o.view)):
        label = o.name if o.view == "district_report" else f"{o.name} · {VIEWS[o.view]}"
        link = f"<a href='{esc(o.file)}'>{esc(label)}</a>" if o.file else esc(label)
        if o.notebook:
            link += f" · <a href='{esc(o.notebook)}'>notebook</a>"
        if o.pdf:
            link += f" · <a href='{esc(o.pdf)}'>PDF</a>"
        status = "ready" if o.status == "ok" else "<strong>failed</strong>"
        rows.append(f"<tr><td>{link}</td><td>{esc(o.district)}</td><td>{status}</td>"
                    f"<td>{esc(o.error)}</td><td>{o.seconds:.1f} s</td></tr>")
    failed = sum(o.status != "ok" for o in outcomes)
    body = (f"<h1>District reports</h1><p>{len(outcomes) - failed} ready, {failed} failed · run started "
            f"{started:%Y-%m-%d %H:%M} UTC</p><table><thead><tr><th scope='col'>District</th><th scope='col'>Slug"
            "</th><th scope='col'>Status</th><th scope='col'>Problem</th><th scope='col'>Time</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
    style = ("<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1F2933}table{border-collapse:collapse}"
             "td,th{border:1px solid #CBD2D9;padding:4px 8px;text-align:left}a{color:#0B5394}</style>")
    return page("District reports", style + body)


def run_batch(store, out_dir: Path, slugs=None, session=None, workers: int = 2, shard=None, timeout: int = 600,
              progress: bool = True, notebooks: bool = False, plotlyjs: str = "shared",
              views=None, pdf: bool = False) -> list[Outcome]:
    """Run every selected district's report (and each view in ``views``); write ``index.html``; the outcomes."""
    from tqdm import tqdm

    if plotlyjs not in PLOTLYJS_MODES:
        raise InvalidInput(f"plotly.js mode {plotlyjs!r}: choose one of {', '.join(PLOTLYJS_MODES)}")
    views = check_views(views)
    if pdf:
        chromium()
    out_dir.mkdir(parents=True, exist_ok=True)
    districts = select(store, slugs, shard)
    started = dt.datetime.now(dt.timezone.utc)
    outcomes: list[Outcome] = []
    saved = os.environ.get("WORKBOOK_DB_URL")
    os.environ["WORKBOOK_DB_URL"] = store.url  # kernels read the store from here, never from a parameter
    try:
        with cf.ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(run_one, d.slug, d.name, session, str(out_dir), timeout, notebooks, plotlyjs,
                                   view, pdf): (d, view) for d in districts for view in views}
            bar = tqdm(total=len(futures), unit="district", disable=not progress, file=sys.stderr)
            for fut in cf.as_completed(futures):
                d, view = futures[fut]
                try:
                    outcomes.append(fut.result())
                except Exception as exc:  # a worker process that died
                    outcomes.append(Outcome(d.slug, d.name, "failed", None, 0.0, f"worker crashed: {exc}", view=view))
                bar.update(1)
            bar.close()
    finally:
        if saved is None:
            os.environ.pop("WORKBOOK_DB_URL", None)
        else:
            os.environ["WORKBOOK_DB_URL"] = saved
    write_atomic(out_dir / "index.html", index_html(outcomes, started))
    return outcomes


def main(args) -> int:
    """``workbook report``: run the batch, print a summary, exit 1 if any district failed."""
    import json

    from ..store import Store

    store = Store(args.db or None)
    out = Path(args.out)
    outcomes = run_batch(store, out, args.district, args.session, args.workers, args.shard, args.timeout,
                         notebooks=args.notebooks, plotlyjs="inline" if args.self_contained else "shared",
                         views=args.notebook, pdf=args.pdf)
    store.dispose()
    failed = [o for o in outcomes if o.status != "ok"]
    print(f"report: {len(outcomes) - len(failed)} of {len(outcomes)} report(s) written to {out}/ "
          f"(index: {out / 'index.html'})")
    for o in failed:
        print(f"  FAILED {o.district}{'' if o.view == 'district_report' else ' ' + o.view}: {o.error}")
    order = sorted(outcomes, key=lambda o: (o.district, o.view != "district_report", o.view))
    write_atomic(out / "summary.json", json.dumps([asdict(o) for o in order], indent=1))
    return 1 if failed else 0
