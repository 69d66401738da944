"""Preheated kernels: the page's first-time work happens before the visit, the link is read after it."""

from __future__ import annotations

from workbook.apps.charting_your_path import ChartingYourPath
from workbook.demo import seed_demo
from workbook.widgets import access
from workbook.widgets import visit as visit_module


def test_preheated_kernel_warms_up_then_waits_for_the_visit(store, content, monkeypatch):
    codes = seed_demo(store)
    order = []
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("QUERY_STRING", "")  # the link is not known while the kernel is preheated

    def visit():  # Voila hands the request over: only now is the page's query string set
        order.append("visit")
        monkeypatch.setenv("QUERY_STRING", f"district={codes['district']}&session={codes['session']}"
                                           f"&code={codes['code']}")

    monkeypatch.setattr(visit_module, "wait_for_visit", visit)
    pings = []
    monkeypatch.setattr(type(store), "ping", lambda self: pings.append(order.append("ping")))
    built = []

    def build(s, c, d, se, m, fac):
        built.append((d.slug, se.id))
        return ChartingYourPath(s, c, d, se, m)

    page = access.open_app("Charting Your Path", build, store, None, content,
                           warm=lambda s, c: order.append("warm"))
    assert order == ["ping", "warm", "visit"]
    assert built == [(codes["district"], codes["session"])]
    assert isinstance(page, ChartingYourPath)


def test_without_preheat_nothing_is_warmed(store, content, monkeypatch):
    codes = seed_demo(store)
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    calls = []
    params = {"district": codes["district"], "session": str(codes["session"]), "code": codes["code"]}
    access.open_app("x", lambda *a: ChartingYourPath(*a[:5]), store, params, content,
                    warm=lambda s, c: calls.append("warm"))
    assert calls == []


def test_a_failing_warm_up_leaves_the_page_to_report_the_problem(store, content, monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(visit_module, "wait_for_visit", lambda: None)
    monkeypatch.setenv("QUERY_STRING", "district=nowhere&session=1&code=x")

    def broken(s, c):
        raise RuntimeError("warm-up failed")

    page = access.open_app("Charting Your Path", lambda *a: None, store, None, content, warm=broken)
    assert "There is no district called 'nowhere'" in repr(page)
