"""Kernels forked from a warm template: the servers' member pages and the reports' districts both start here.

``template`` holds the fork server (a process that has imported a job's modules once and forks a kernel per
request), the kernel manager and provisioner Jupyter uses to start kernels through it, and the kernels' ports.
Each user names its own warm-up: the reports (``workbook.reports.kernels``) and the served pages
(``workbook.serve.page_kernels``). ``console`` drops the harmless warnings kernels and servers print.
"""
