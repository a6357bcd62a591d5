"""Real git repositories in tmp_path for the tests of diff, status and the documents' revision line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import REPO

ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
       "GIT_COMMITTER_EMAIL": "test@example.org", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str, date: str | None = None) -> str:
    """Run git in ``root`` as a fixed author (and, when given, with both dates set to ``date``)."""
    import os

    env = {**os.environ, **ENV}
    if date:
        env.update(GIT_AUTHOR_DATE=f"{date}T12:00:00+00:00", GIT_COMMITTER_DATE=f"{date}T12:00:00+00:00")
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


def init_repo(root: Path, *slugs: str) -> Path:
    """A git repository at ``root`` holding copies of the named pilot cities, committed once."""
    (root / "cities").mkdir(parents=True)
    for slug in slugs:
        shutil.copytree(REPO / "cities" / slug, root / "cities" / slug)
    git(root, "init", "-q", "-b", "main")
    commit(root, "first", date="2027-01-15")
    return root


def commit(root: Path, message: str, date: str | None = None) -> str:
    """Commit everything in ``root``; the new commit's id."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message, date=date)
    return git(root, "rev-parse", "HEAD")


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` (which must be there) with ``new`` in a file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
