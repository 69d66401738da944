"""The project's content, notebooks and Voila template, as an installed wheel carries them.

In the wheel, ``data/``, ``notebooks/`` and ``share/`` of the project are copied here (see
``[tool.setuptools.package-dir]`` in pyproject.toml); :mod:`workbook.content.paths` finds them.
"""
