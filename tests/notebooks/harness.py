"""Run the stored notebooks against fresh demo data, the way nbval sees them.

``prepare(folder)`` makes a demo store and returns, per notebook, the environment its
kernel gets (database URL, and the query string Voila would pass). The nbval test runs
the real ``pytest --nbval`` command line with that environment; ``--refresh`` re-executes
the notebooks in place so their stored outputs match the current package.

    python -m tests.notebooks.harness --refresh
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = Path(__file__).resolve().parent / "sanitize.cfg"
# set in every environment ``prepare`` returns: a pytest run that already has it needs no other store
PREPARED = "WORKBOOK_NBVAL_PREPARED"


def _queries(codes: dict) -> dict:
    base = f"district={codes['district']}&session={codes['session']}"
    member = f"{base}&code={codes['code']}"
    facilitator = f"{base}&code={codes['facilitator']}"
    return {
        "charting_your_path.ipynb": member,
        "team_pathways.ipynb": facilitator,
        "laying_the_foundation.ipynb": facilitator,
        "conditions_for_scale.ipynb": facilitator,
        "action_planning.ipynb": facilitator,
        "presenter.ipynb": facilitator,
        "run_of_show.ipynb": facilitator,
        "network_overview.ipynb": f"code={codes['coach']}&district={codes['district']}",
    }


def prepare(folder: Path) -> dict[str, dict]:
    """Seed a demo store in ``folder``; return ``{notebook name: environment}`` for every notebook."""
    from workbook import demo
    from workbook.store import Store

    url = f"sqlite:///{folder / 'nbval.sqlite'}"
    store = Store(url)
    codes = demo.seed_demo(store)
    demo.seed_network(store, districts=12, members=6, sessions=2)
    codes["coach"] = store.coach_code()
    store.dispose()
    queries = _queries(codes)
    envs = {}
    for nb in sorted(NOTEBOOKS.glob("*.ipynb")):
        # each notebook gets its own copy of the store, so no notebook sees another's writes
        own = folder / f"{nb.stem}.sqlite"
        with sqlite3.connect(folder / "nbval.sqlite") as src, sqlite3.connect(own) as dst:
            src.backup(dst)
        env = dict(os.environ, WORKBOOK_DB_URL=f"sqlite:///{own}", QUERY_STRING=queries.get(nb.name, ""),
                   PYTHONHASHSEED="0", TZ="UTC")
        env[PREPARED] = "1"  # notebooks/conftest.py then leaves this environment as it is
        envs[nb.name] = env
    return envs


def refresh(names=None) -> None:
    """Execute each notebook in place with its harness environment (stored outputs for nbval)."""
    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        envs = prepare(Path(tmp))
        for name, env in envs.items():
            if names and name not in names:
                continue
            path = NOTEBOOKS / name
            nb = nbformat.read(path, as_version=4)
            saved = dict(os.environ)
            os.environ.clear()
            os.environ.update(env)
            try:
                NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}},
                               store_widget_state=False).execute()
            finally:
                os.environ.clear()
                os.environ.update(saved)
            for cell in nb.cells:
                cell.metadata.pop("execution", None)
            nb.metadata.pop("widgets", None)
            nbformat.write(nb, path)
            print(f"refreshed {name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    if args.refresh:
        refresh(args.names)
    else:
        parser.print_help()
        sys.exit(2)
