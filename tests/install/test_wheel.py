"""The workbook installed as users install a package: ``pip install`` of its wheel, outside the checkout.

The wheel is built from this checkout and installed (without its dependencies, which the test
environment already has: its site-packages is put on the new environment's path) into a fresh
virtual environment in a temporary folder. From a folder outside the checkout, that environment's
``workbook`` command makes the demo data, writes a district report and serves the apps: the
content, the notebooks and the Voila template all come from the installed package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]


def _run(argv, **kw):
    done = subprocess.run(argv, capture_output=True, text=True, timeout=kw.pop("timeout", 600), **kw)
    assert done.returncode == 0, f"{argv[:3]} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh environment with the workbook's wheel installed; yields (its bin folder, a folder to work in)."""
    tmp = tmp_path_factory.mktemp("wheel")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(tmp / "dist")])
    # every folder of files the wheel carries is listed: the build says nothing about importable folders left out
    assert "absent from the `packages` configuration" not in built.stdout + built.stderr, built.stderr[-2000:]
    wheel = next((tmp / "dist").glob("look_both_ways_workbook-*.whl"))
    env_dir = tmp / "env"
    _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    python = env_dir / "bin" / "python"
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(_run([str(python), "-c", where]).stdout.strip())
    # the dependencies: this environment's site-packages, after the new one's (its .pth files are not run there,
    # so the checkout's editable install does not come along)
    (purelib / "_workbook_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)])
    work = tmp / "elsewhere"
    work.mkdir()
    yield env_dir / "bin", work


def test_every_package_of_the_source_is_in_the_wheels_list():
    """pyproject.toml lists the packages by name (some are mapped from the project's folders): none left out."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "workbook").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def _env(work: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBOOK_", "JUPYTER", "PYTHON"))}
    env.update(WORKBOOK_DB_URL=f"sqlite:///{work / 'store.sqlite'}", HOME=str(work), CI=os.environ.get("CI", ""))
    # the dependencies' data files (Voila's templates and front end, the widget extensions) are where they were
    # installed, in this environment's share/jupyter: an environment with its own copies would find them itself
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return env


def test_the_package_comes_from_the_wheel_with_its_files(installed):
    bin_dir, work = installed
    code = ("import workbook, workbook.content.paths as p; print(workbook.__file__); print(p.data_dir()); "
            "print(p.notebooks_dir()); print(p.template_dir())")
    lines = _run([str(bin_dir / "python"), "-c", code], cwd=work, env=_env(work)).stdout.split()
    assert all(str(ROOT) not in line for line in lines), lines
    data, notebooks, template = map(Path, lines[1:])
    assert (data / "spectra.yaml").is_file() and (data / "LICENSE").is_file()
    assert (notebooks / "charting_your_path.ipynb").is_file() and (notebooks / "district_report.ipynb").is_file()
    assert (template / "index.html.j2").is_file()


def test_demo_and_a_district_report(installed):
    bin_dir, work = installed
    env = _env(work)
    out = _run([str(bin_dir / "workbook"), "demo"], cwd=work, env=env).stdout
    assert "example" in out.lower()
    _run([str(bin_dir / "workbook"), "report", "--out", str(work / "reports"), "--district", "example-usd"],
         cwd=work, env=env)
    page = (work / "reports" / "example-usd.html").read_text(encoding="utf-8")
    assert "Look Both Ways" in page and "The Learning Accelerator" in page


def test_serve_renders_the_member_page(installed):
    bin_dir, work = installed
    env = _env(work)
    if not (work / "store.sqlite").exists():
        _run([str(bin_dir / "workbook"), "demo"], cwd=work, env=env)
    links = _run([str(bin_dir / "workbook"), "links"], cwd=work, env=env).stdout
    member = next(line for line in links.split() if "charting_your_path.ipynb" in line and "code=" in line)
    query = member.split("?", 1)[1]
    port = free_port()
    log = (work / "serve.log").open("w")
    proc = subprocess.Popen([str(bin_dir / "workbook"), "serve", "--port", str(port)], cwd=work, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/voila/static/voila.js", timeout=5).read(100)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (work / "serve.log").read_text()
                time.sleep(0.5)
        html = urllib.request.urlopen(f"{base}/voila/render/charting_your_path.ipynb?{query}", timeout=120).read()
        html = html.decode("utf-8")
        # the workbook's template, from the installed package: a member page on the page script the wheel carries
        assert 'id="wb-page-js"' in html and 'data-plotly="/voila/static/plotly-basic.min.js"' in html
        script = urllib.request.urlopen(f"{base}/voila/static/workbook-page.js", timeout=30).read()
        assert script.startswith(b"performance.mark('wb-page-js')")
        styles = urllib.request.urlopen(f"{base}/voila/static/workbook-page.css", timeout=30).read()
        assert b".widget-" in styles
        assert "application/vnd.jupyter.widget-view+json" in html and "Charting Your Path" in html
        # the template's stand-in for MathJax travels in the wheel too (workbook/serve/voila_server.py: page_config)
        stand_in = urllib.request.urlopen(f"{base}/voila/templates/workbook/static/no-mathjax.js", timeout=30).read()
        assert b"window.MathJax" in stand_in
    finally:
        import signal

        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
