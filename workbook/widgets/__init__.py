"""Reusable parts the apps are built from (no app lives here: see :mod:`workbook.apps`).

- :mod:`workbook.widgets.page`: the page frame, its stylesheet and heading, cards, messages, status lines
- :mod:`workbook.widgets.saver`: saving each change as it is made, and a team answer box
- :mod:`workbook.widgets.sharing`: QR codes and downloads that travel in the page
- :mod:`workbook.widgets.access`: opening an app from its link (its parameters, district, session, member,
  codes)
- :mod:`workbook.widgets.identity`: a member's name and role, and their personal link
- :mod:`workbook.widgets.marks`: the mark slider (unmarked until a person marks it)
- :mod:`workbook.widgets.chart`: a plotly chart drawn in the browser, moved by linked sliders
- :mod:`workbook.widgets.heartbeat`: an open page keeps its kernel alive and reconnects
- :mod:`workbook.widgets.restoring`: the page's own updates told from a person's
- :mod:`workbook.widgets.live`: a view that updates by itself as members mark
- :mod:`workbook.widgets.digest`: a stable text digest of what a page shows (what nbval compares)
"""
