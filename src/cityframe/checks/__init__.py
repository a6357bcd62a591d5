"""Stage 2, checks: what is wrong with a loaded city and what each document still misses.

``rules`` (cross-references between files), ``sections`` (the required sections, declared once in
``sections.yaml``), ``similarity`` (narratives copied from another city), ``report`` (what ``check`` prints).

May import: ``cityframe.data`` and ``cityframe.errors``; never ``render``, ``build`` or anything above them, so
``cityframe check`` never loads Jinja2 or WeasyPrint.
"""
