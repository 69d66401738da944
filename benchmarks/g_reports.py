"""Group ``reports``: seconds per district and peak memory of ``run_batch`` against an empty-notebook floor.

Both sides run in a pool of 2 worker processes (``ProcessPoolExecutor``) and both run their notebooks through
the same kernel mechanism: ``papermill.execute_notebook`` with ``workbook.reports.kernels.ForkingKernelManager``
(each kernel forked from the worker's warm template) and ``shutdown_kernel="immediate"``, from the report
notebook's folder, exactly as ``workbook.reports.batch.run_one`` does. So both pay the same worker, template and
kernel costs; the per-district figure is the batch's wall time over its size, the memory figure the peak summed
RSS of everything below the benchmark process (workers, templates, kernels). The two sides take turns, round by
round (8 rounds, 2 with ``--quick``; the side going first alternates), so the ratios have a bootstrap interval. The
papermill command line on the empty notebook (a normally launched kernel) is timed once, for reference.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import apps, procs
from .stats import check, row, row_ci, summary

WORKERS = 2
ROUNDS = 8  # each a floor and a batch: enough for an interval narrower than the machine's drift


def _empty_run(path: str) -> float:
    """One papermill run of the empty notebook (in a worker process); its seconds."""
    import papermill as pm
    import papermill.execute

    from workbook.reports.batch import NOTEBOOK, no_discarded_write
    from workbook.reports.kernels import ForkingKernelManager

    no_discarded_write(papermill.execute)  # as run_one does: papermill's final save of nothing is skipped
    start = time.perf_counter()
    pm.execute_notebook(path, None, kernel_name="python3", progress_bar=False, log_output=False,
                        cwd=str(NOTEBOOK.parent), kernel_manager_class=ForkingKernelManager,
                        shutdown_kernel="immediate")
    return time.perf_counter() - start


def empty_batch(nb: Path, count: int) -> dict:
    """``count`` empty-notebook runs in a pool of 2 workers (kernels forked as the batch's are); wall seconds,
    per-run seconds, peak RSS below this process."""
    start = time.perf_counter()
    with procs.Sampler(os.getpid(), exclude_root=True, only_new=True) as sampler:
        with cf.ProcessPoolExecutor(max_workers=WORKERS) as pool:
            each = list(pool.map(_empty_run, [str(nb)] * count))
    wall = time.perf_counter() - start
    return {"wall": round(wall, 2), "per_district": round(wall / count, 3), "each": summary(each),
            "peak_mib": round(sampler.peak_mib, 1)}


def seed(ctx: apps.Ctx, count: int) -> None:
    """The fictional network the batches report on: ``count`` districts, 20 members, one session each."""
    from workbook import demo
    from workbook.store import Store

    store = Store(f"sqlite:///{ctx.folder / 'reports.sqlite'}")
    demo.seed_network(store, count, 20, 1)
    store.dispose()


def workbook_batch(ctx: apps.Ctx, count: int, out: Path | None = None) -> dict:
    """``run_batch`` over the ``count`` districts of :func:`seed` into a fresh folder."""
    from workbook.reports.batch import run_batch
    from workbook.store import Store

    store = Store(f"sqlite:///{ctx.folder / 'reports.sqlite'}")
    out = out or ctx.folder / "reports"
    start = time.perf_counter()
    with procs.Sampler(os.getpid(), exclude_root=True, only_new=True) as sampler:
        outcomes = run_batch(store, out, workers=WORKERS, progress=False)
    wall = time.perf_counter() - start
    store.dispose()
    failed = [f"{o.district}: {o.error}" for o in outcomes if o.status != "ok"]
    sizes = [p.stat().st_size for p in out.glob("network-*.html")]
    return {"wall": round(wall, 2), "per_district": round(wall / count, 3),
            "each": summary([o.seconds for o in outcomes]), "failed": failed, "peak_mib": round(sampler.peak_mib, 1),
            "html_mib_each": round(sum(sizes) / max(1, len(sizes)) / 2**20, 2)}


def report_sizes(ctx: apps.Ctx, page_mib: float) -> dict:
    """Report sizes against the full plotly.js bundle the reports used to inline in every page.

    ``per_district_mib``: the batch folder's pages and its one shared plotly.js file, over the districts (what a
    coach stores per district); ``inline_mib``: one district's report as one self-contained file.
    """
    from workbook import assets
    from workbook.reports.batch import run_batch
    from workbook.store import Store

    store = Store(f"sqlite:///{ctx.folder / 'reports.sqlite'}")
    slug = store.districts()[0].slug
    out = ctx.folder / "reports-inline"
    outcomes = run_batch(store, out, slugs=[slug], workers=1, progress=False, plotlyjs="inline")
    store.dispose()
    full = assets.full_bundle().stat().st_size / 2**20
    inline = (out / f"{slug}.html").stat().st_size / 2**20
    batch = ctx.folder / "reports"
    pages = [p for p in batch.glob("*.html") if p.name != "index.html"]
    shared = sum(p.stat().st_size for p in batch.glob("*.js"))
    per_district = (sum(p.stat().st_size for p in pages) + shared) / max(1, len(pages)) / 2**20
    # the baseline is the same district's report as the reports were made before: the same page with the full
    # bundle inlined instead of the smallest one (sizes are exact: one measure each, no spread to take)
    small = max((p.stat().st_size for p in batch.glob("*.js")), default=0) / 2**20
    old = inline - small + full
    return {"full_bundle_mib": round(full, 2), "inline_mib": round(inline, 2), "shared_page_mib": page_mib,
            "old_report_mib": round(old, 3), "small_bundle_mib": round(small, 3),
            "per_district_mib": round(per_district, 3), "pages": len(pages),
            "failed": [o.error for o in outcomes if o.status != "ok"]}


def cli_once(nb: Path) -> float:
    """``papermill empty.ipynb out.ipynb`` once, as a command."""
    papermill = Path(sys.executable).with_name("papermill")
    start = time.perf_counter()
    subprocess.run([str(papermill), str(nb), str(nb.with_name("empty-out.ipynb")), "--no-progress-bar"],
                   check=True, capture_output=True, cwd=nb.parent)
    return round(time.perf_counter() - start, 2)


def rounds(ctx: apps.Ctx, nb: Path, count: int) -> tuple[list[dict], list[dict]]:
    """The floor and the batch, taking turns round by round (the side going first alternates)."""
    floors, batches = [], []
    for rnd in range(2 if ctx.quick else ROUNDS):
        sides = [("empty", lambda: empty_batch(nb, count)),
                 ("workbook", lambda r=rnd: workbook_batch(ctx, count, ctx.folder / f"reports-{r}"))]
        for name, run in (sides if rnd % 2 == 0 else sides[::-1]):
            result = run()
            (floors if name == "empty" else batches).append(result)
            print(f"  reports round {rnd} {name}: {result['per_district']} s/district, peak {result['peak_mib']} MiB",
                  flush=True)
    return floors, batches


def run_reports(ctx: apps.Ctx) -> tuple[list[dict], dict]:
    count = ctx.districts
    # a run of `--repeat N` shares its folder: each run's reports start from none
    for old in [ctx.folder / "reports", ctx.folder / "reports-inline", *ctx.folder.glob("reports-[0-9]*")]:
        shutil.rmtree(old, ignore_errors=True)
    (ctx.folder / "reports.sqlite").unlink(missing_ok=True)
    nb = apps.empty_notebook(ctx.folder)
    seed(ctx, count)
    floors, batches = rounds(ctx, nb, count)
    # the size rows read the first batch's folder
    (ctx.folder / "reports-0").rename(ctx.folder / "reports")
    raw = {"districts": count, "empty": floors, "workbook": batches}
    raw["cli_empty_s"] = cli_once(nb)
    html_each = batches[0]["html_mib_each"]
    raw["sizes"] = sizes = report_sizes(ctx, html_each)
    failed = sum(len(b["failed"]) for b in batches) + len(sizes["failed"])
    floor_per = summary([f["per_district"] for f in floors])["median"]
    return [
        row_ci("reports", f"seconds per district ({count}, 2 workers)", [b["per_district"] for b in batches],
               [f["per_district"] for f in floors], 1.3, "s",
               "baseline: empty notebook, same pool, kernels forked from the same warm template; one value per "
               "batch, the sides taking turns"),
        row_ci("reports", "peak RSS of workers + templates + kernels", [b["peak_mib"] for b in batches],
               [f["peak_mib"] for f in floors], 1.5, "MiB", "sampled every 0.25 s below the benchmark process"),
        row("reports", "papermill CLI, empty notebook (reference)", raw["cli_empty_s"], floor_per, None,
            "s", "one command run (a normally launched kernel) vs the pooled floor per notebook"),
        check("reports", "failed district reports", failed, 0),
        row("reports", "report per district (pages + the folder's one plotly.js) vs the same report as before",
            sizes["per_district_mib"], sizes["old_report_mib"], 0.1, "MiB",
            "before: the page with the full plotly.js inlined; now the shared file is spread over the batch's "
            "districts; sizes are exact (no spread)"),
        row("reports", "report as one self-contained file (--self-contained) vs the same report as before",
            sizes["inline_mib"], sizes["old_report_mib"], 0.35, "MiB",
            "the smallest bundle that draws the report inlined instead of the full one: about 1.5 MB"),
    ], raw
