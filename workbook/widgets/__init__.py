"""Reusable parts the apps are built from (no app lives here: see :mod:`workbook.apps`).

- :mod:`workbook.widgets.base`: the page frame, its stylesheet, plain messages, the saver, cards,
  QR codes, downloads, a team answer box, and the page's link parameters
- :mod:`workbook.widgets.access`: opening an app from its link (district, session, member, codes)
- :mod:`workbook.widgets.identity`: a member's name and role, and their personal link
- :mod:`workbook.widgets.marks`: the mark slider (unmarked until a person marks it)
- :mod:`workbook.widgets.chart`: a plotly chart drawn in the browser, moved by linked sliders
- :mod:`workbook.widgets.heartbeat`: an open page keeps its kernel alive and reconnects
- :mod:`workbook.widgets.restoring`: the page's own updates told from a person's
- :mod:`workbook.widgets.digest`: a stable text digest of what a page shows (what nbval compares)
"""
