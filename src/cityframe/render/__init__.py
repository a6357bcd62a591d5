"""Stage 3, render: a checked city -> the HTML pages and PDFs of its documents, in memory.

``context`` (the only thing templates see, and the output file names), ``charts`` (SVG), ``markup`` (Markdown
and links), ``templates`` (the sandboxed Jinja2 environment: city -> project -> built-in), ``html`` (the pages),
``pdf`` (WeasyPrint, imported there only, and its URL fetcher).

May import: ``cityframe.checks``, ``cityframe.data`` and ``cityframe.errors``; never ``build`` or the
capabilities above it. Nothing here writes a file: ``cityframe.build`` does, atomically.
"""
