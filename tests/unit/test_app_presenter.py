"""The presenter view: the team's pathways large, one spectrum or all seven or the conditions; never a name."""

from __future__ import annotations

from workbook.apps.presenter import Presenter, presenter
from workbook.demo import seed_demo


def _figure(page):
    return page.plot.figure if hasattr(page.plot, "figure") else None


def test_needs_the_facilitators_code(store):
    codes = seed_demo(store)
    page = presenter(store, {"district": codes["district"], "session": str(codes["session"]), "code": codes["code"]})
    assert not isinstance(page, Presenter)
    assert "facilitator" in repr(page).lower() or "code" in repr(page).lower()


def test_every_view_draws_and_no_name_is_shown(store):
    codes = seed_demo(store)
    page = presenter(store, {"district": codes["district"], "session": str(codes["session"]),
                             "code": codes["facilitator"]})
    assert isinstance(page, Presenter), repr(page)
    names = [r.name for r in store.respondents(codes["session"])]
    for value, _label in [(v, lbl) for lbl, v in page.view.options]:
        page.view.value = value
        fig = _figure(page)
        text = str(fig.to_dict() if hasattr(fig, "to_dict") else fig) + page.caption.value + page.count.value
        assert not any(n in text for n in names), value
    page.view.value = "pace"
    fig = page.plot.figure
    assert "Pace" in fig.layout.title.text and fig.layout.height == Presenter.CHART_HEIGHT


def test_the_count_and_chart_follow_new_marks_without_a_refresh(store):
    codes = seed_demo(store)
    page = presenter(store, {"district": codes["district"], "session": str(codes["session"]),
                             "code": codes["facilitator"]})
    before = int(page.count.value.split("<strong>")[1].split("<")[0])
    member = store.add_respondent(codes["session"], "Kai Fictional", "Teacher")
    assert page.live.poll() is True  # someone joined: drawn again, though no one new has charted yet
    assert int(page.count.value.split("<strong>")[1].split("<")[0]) == before
    assert page.live.poll() is False  # nothing changed since
    store.save_spectrum_mark(member, "pace", "current", 1.0)
    assert page.live.poll() is True
    assert int(page.count.value.split("<strong>")[1].split("<")[0]) == before + 1
