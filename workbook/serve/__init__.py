"""What runs when the workbook is served: the processes ``workbook serve`` and a convening start.

- ``voila_server``: Voila with the workbook's template, compression, caching and the health page;
- ``gzip_cache``: the worker that compresses static files again, smaller, in the background;
- ``page_kernels``: member pages' kernels, forked from a warm template (``workbook.kernels``);
- ``page_warm``: what that template imports and draws once, before the first fork;
- ``capacity``: how many pages a server carries, and the plain "busy" page beyond that;
- ``balancer`` and ``convening``: HAProxy in front of several servers and PostgreSQL behind them.

What the console shows (and the harmless warnings it leaves out) is ``workbook.kernels.console``: kernels and
servers both print there.

The servers import nothing from the command line (``workbook.cli``); the command line starts them.
"""
