"""Shared fixtures: the repository's own project, scratch projects, and tools that must exist on CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cityframe.data.project import Project

REPO = Path(__file__).resolve().parent.parent
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CITYFRAME = [sys.executable, "-c", "from cityframe.cli import main; main()"]
"""``cityframe`` in a fresh process of this Python: the package under test, not whatever is first on PATH."""


def build_editions(slug: str, root: Path, timeout: int) -> dict[str, Path]:
    """Build a city of the project at ``root`` in both editions, each into its own folder: {edition: folder}."""
    folders = {}
    for edition in ("public", "internal"):
        out = root.parent / f"out-{edition}"
        done = subprocess.run([*CITYFRAME, "build", slug, "--project", str(root), "--out", str(out),
                               "--edition", edition], capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        folders[edition] = out / slug
    return folders


def require_tool(available: bool, what: str) -> None:
    """Skip a test when a system tool is missing locally, but fail on CI, where .ci/run installs it."""
    if available:
        return
    if ON_CI:
        pytest.fail(f"{what} is required on CI (CI=true) but is missing: .ci/run must install it")
    pytest.skip(f"{what} is not installed here")


def require_executable(name: str) -> str:
    """The path of an executable, or skip (locally) / fail (on CI)."""
    path = shutil.which(name)
    require_tool(path is not None, name)
    assert path is not None
    return path


@pytest.fixture
def repo_project() -> Project:
    """cityframe's own project, with the pilot cities."""
    return Project(REPO)


@pytest.fixture
def scratch_project(tmp_path: Path):
    """A factory: a throwaway project holding copies of the named cities (from cities/ or an example)."""

    def make(*slugs: str, source: Path | None = None) -> Project:
        root = tmp_path / "project"
        (root / "cities").mkdir(parents=True, exist_ok=True)
        for slug in slugs:
            shutil.copytree((source or REPO / "cities") / slug, root / "cities" / slug)
        return Project(root)

    return make


@pytest.fixture
def new_city(tmp_path: Path):
    """A factory: scaffold a city with `cityframe new` in a fresh project, then overwrite some files' text."""
    from cityframe.scaffold import new_city as scaffold

    def make(slug: str = "testville", **files: str) -> Project:
        project = Project(tmp_path / "project")
        project.cities_dir.mkdir(parents=True, exist_ok=True)
        scaffold(project, slug, slug.replace("-", " ").title(), "KS")
        for name, text in files.items():
            (project.cities_dir / slug / f"{name.replace('_', '-')}.yaml").write_text(text, encoding="utf-8")
        return project

    return make
