"""The apps' kernels: forked from the server's warm template, with what the member page needs already imported."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import run_async
from workbook.serve import plan
from workbook.serve.page_kernels import KERNEL_MANAGER, ForkingServerKernelManager, PageTemplate


@pytest.fixture()
def page_template():
    yield
    if PageTemplate._instance is not None:
        PageTemplate.discard(PageTemplate._instance)


async def _run(cwd: Path, code: str) -> tuple[int, str]:
    km = ForkingServerKernelManager(kernel_name="python3")
    await km.start_kernel(cwd=str(cwd), env={"VOILA_BASE_URL": "/", "PATH": "/usr/bin:/bin"})
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=120)
        reply = await kc.execute("", user_expressions={"v": code}, reply=True, timeout=60)
        value = reply["content"]["user_expressions"]["v"]
        assert value["status"] == "ok", value
        return km.provisioner.pid, value["data"]["text/plain"]
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


def test_a_page_kernel_is_forked_from_the_template_with_the_member_page_imported(tmp_path, page_template):
    _pid, answer = run_async(_run(tmp_path, "(__import__('os').getppid(), sorted(m for m in ("
                                              "'workbook.apps.charting_your_path', 'plotly.graph_objects', "
                                              "'sqlalchemy', 'pandas') if m in __import__('sys').modules))"))
    template = PageTemplate._instance
    assert template is not None and template.usable()
    parent, imported = eval(answer)  # a tuple of an int and names, printed by the kernel
    assert parent == template.process.pid
    # the page needs no pandas: the template does not import it for every kernel either
    assert imported == ["plotly.graph_objects", "sqlalchemy", "workbook.apps.charting_your_path"]


def test_a_forked_kernel_answers_the_widget_managers_request_for_every_state_at_once(tmp_path, page_template):
    """ipywidgets, imported by the template before any kernel existed, still registers its comm targets: the
    page's widget manager fetches all widget states in one message instead of one request per widget."""
    _pid, targets = run_async(_run(tmp_path, "sorted(t for t in __import__('comm').get_comm_manager().targets "
                                             "if t.startswith('jupyter.widget'))"))
    assert eval(targets) == ["jupyter.widget", "jupyter.widget.control"]  # a list of names


def test_the_kernels_environment_is_the_one_voila_asked_for(tmp_path, page_template):
    _pid, cwd_and_base = run_async(_run(tmp_path, "(__import__('os').getcwd(), "
                                                    "__import__('os').environ.get('VOILA_BASE_URL'))"))
    assert cwd_and_base == repr((str(tmp_path), "/"))


def test_serve_hands_voila_the_forking_kernel_manager_unless_told_not_to():
    assert f"--MappingKernelManager.kernel_manager_class={KERNEL_MANAGER}" in plan.voila_argv(8866, "127.0.0.1", None)
    plain = " ".join(plan.voila_argv(8866, "127.0.0.1", None, fork=False))
    assert "kernel_manager_class" not in plain
    assert sys.executable  # the template forks kernels only for this interpreter's ipykernel_launcher


def test_a_template_that_cannot_start_says_which_template_it_is():
    """The page kernels' template and the reports' share the fork server; each failure names its own kind."""
    from workbook.content.errors import TemplateError
    from workbook.kernels.template import Template
    from workbook.reports.kernels import ReportTemplate

    with pytest.raises(TemplateError, match="^the page kernel template did not start: "):
        PageTemplate(warm="workbook_no_such_module:warm_up")
    with pytest.raises(TemplateError, match="^the report kernel template did not start: "):
        ReportTemplate(warm="workbook_no_such_module:warm_up")
    with pytest.raises(TemplateError, match=r"has no warm-up to run \(set Template.warm\)"):
        Template()
