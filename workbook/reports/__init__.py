"""Everything a coach prints: district reports, the apps' static views and the team's summary.

- ``batch``: ``workbook report``, papermill over many districts in forked kernels (``run_batch``);
- ``kernels``: the report kernels' warm-up, what each district's kernel has imported before it forks;
- ``district_report``: the report notebook's sections; ``report_html``: the HTML written around them;
- ``views``: the apps' static views when papermill runs an app notebook;
- ``team_summary``: the one-page team summary (HTML, or PDF with Chromium).

No report imports a widget library.
"""
