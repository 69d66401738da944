"""The workbook's HTML fragments: pure string builders over the framework content and ``analysis`` results.

Nothing here imports ipywidgets, the store or an app, so the district report (and any notebook a
coach runs with papermill) builds the same words and tables as the apps without loading a widget.
The apps put these strings into ``ipywidgets.HTML``; the report puts them into its page.

- :mod:`workbook.html.pathway`: one member's gaps (Charting Your Path)
- :mod:`workbook.html.team`: the team's agreement, roles, critical gaps, survey and answers (Team pathways)
- :mod:`workbook.html.conditions`: the conditions' layers (Conditions for Scale)
"""
