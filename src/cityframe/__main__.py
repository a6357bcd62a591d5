"""``python -m cityframe``: the same command line as ``cityframe``."""

from cityframe.cli import main

main()
