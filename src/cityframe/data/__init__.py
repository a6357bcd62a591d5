"""Stage 1, data: a city's YAML read with the position of every value, validated into a ``City``.

``sources`` (YAML with file:line:col), ``models`` (pydantic, no I/O), ``load`` (a validated ``City`` or located
findings), ``project`` (root, cities, paths) and the shipped national catalog (``catalog/``).

May import: ``cityframe.errors`` and third-party libraries only; never ``checks``, ``render``, ``build`` or the
capabilities above them (``tests/test_architecture.py`` enforces it).
"""
