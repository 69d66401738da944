"""The page digest (workbook/widgets/digest.py): what nbval compares of an app's page."""

from __future__ import annotations

import re

import ipywidgets as w
import plotly.graph_objects as go

from workbook.widgets.chart import Chart, MimePlotView
from workbook.widgets.digest import DECIMALS, canonical, collect, digest_line
from workbook.widgets.marks import MarkSlider
from workbook.widgets.page import Page


def figure(y, text=None):
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=y, text=text, name="Team median", uid="a1b2c3"))
    fig.update_layout(title="Team pathway", height=400)
    return fig


def page(y=(2.5, 3.0, 4.5), marks=(3.0, None), name="Jordan", chart=MimePlotView):
    sliders = [MarkSlider(value=v) for v in marks]
    return Page([chart(figure(list(y))), w.VBox([w.HBox(sliders), w.Text(value=name)]),
                 w.Dropdown(options=[("Choose…", ""), ("Pace", 7)], value=7), w.Checkbox(value=True)],
                summary="Test page")


def test_line_counts_what_the_page_shows():
    line = digest_line(page())
    assert re.fullmatch(r"1 chart, 1 mark set of 2, 1 choice, 1 toggle, 1 text box · digest [0-9a-f]{8}", line), line
    assert repr(page()).startswith("<Test page · 1 chart, ")


def test_same_page_built_twice_same_digest():
    # new widgets, so new model ids and trace objects: the digest does not see them
    a, b = page(), page()
    assert a.model_id != b.model_id
    assert digest_line(a) == digest_line(b)
    assert repr(a) == repr(b)


def test_chart_data_change_beyond_rounding_changes_digest():
    step = 10 ** -DECIMALS
    assert digest_line(page(y=(2.5, 3.0, 4.5))) != digest_line(page(y=(2.5, 3.0, 4.5 + 2 * step)))
    assert digest_line(page(y=(2.5, 3.0, 4.5))) != digest_line(page(y=(2.5, 3.5, 4.5)))


def test_chart_data_change_below_rounding_keeps_digest():
    step = 10 ** -DECIMALS
    assert digest_line(page(y=(2.5, 3.0, 4.5))) == digest_line(page(y=(2.5 + step / 10, 3.0 - step / 10, 4.5)))
    assert digest_line(page(y=(2.0, 3.0, 4.0))) == digest_line(page(y=(2, 3, 4)))


def test_layout_and_uids_are_left_out():
    a, b = page(), page()
    chart = b.children[1]
    fig = figure([2.5, 3.0, 4.5])
    fig.update_layout(height=900, margin=dict(l=5), template="plotly_dark")
    fig.data[0].uid = "zz99"
    chart.show(fig)
    assert digest_line(a) == digest_line(b)


def test_values_change_digest():
    base = digest_line(page())
    assert digest_line(page(marks=(3.5, None))) != base
    assert digest_line(page(name="Sam")) != base
    line = digest_line(page(marks=(3.0, 4.0)))
    assert "2 marks set of 2" in line


def test_chart_widget_and_mime_view_agree():
    # under Voila a chart is a Chart (anywidget), elsewhere a MimePlotView: the same figure, the same digest
    assert digest_line(page(chart=Chart)) == digest_line(page(chart=MimePlotView))


def test_undrawn_chart_counts_without_data():
    found = collect(Page([MimePlotView()], summary="Empty"))
    assert found.counts["chart"] == 1
    assert found.data["charts"] == [None]


def test_no_url_or_code_in_digest():
    url = "https://workbook.example.org/voila/render/charting_your_path.ipynb?district=x&me=s3cr3tT0kenABC"
    p = Page([MimePlotView(figure([1, 2, 3], text=[url, "code=abcdefgh123", "b"])), w.Text(value=url),
              w.HTML(url)], summary="Links")
    text = repr(p)
    assert "http" not in text and "s3cr3t" not in text
    assert re.search(r"(code|me|token)=[A-Za-z0-9_-]{6,}", text) is None
    data = str(collect(p).data)
    assert "s3cr3t" not in data and "http" not in data and "abcdefgh123" not in data
    # the same page with another secret in its links: the same digest
    other = url.replace("s3cr3tT0kenABC", "0therT0ken999")
    q = Page([MimePlotView(figure([1, 2, 3], text=[other, "code=zzzzzzzz999", "b"])), w.Text(value=other),
              w.HTML(other)], summary="Links")
    assert repr(p) == repr(q)


def test_canonical_numbers():
    assert canonical(-0.0) == 0 and canonical(float("nan")) is None and canonical(float("inf")) is None
    assert canonical(True) is True and canonical(2.0) == 2 and isinstance(canonical(2.0), int)
    assert canonical({"a": (1.23456, None)}) == {"a": [1.235, None]}


def test_error_page_digest():
    from workbook.widgets.page import error_page

    text = repr(error_page("Team pathways", "This link is not valid."))
    assert text.startswith("<Team pathways: This link is not valid. · no charts or inputs · digest ")
