"""The documents carry the plan's version and status and the git revision they were built from."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from conftest import CITYFRAME, REPO
from git_helpers import git, init_repo

DOCS = ("prevention-plan", "governance-charter", "resource-directory")


def build(root: Path, out: str, *formats: str) -> Path:
    done = subprocess.run([*CITYFRAME, "build", "athens", "--out", out, "--format", *(formats or ("html",))],
                          cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return root / out / "athens"


def test_covers_show_the_version_status_and_short_revision(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", "athens")
    short = git(root, "rev-parse", "--short", "HEAD")
    folder = build(root, "build")
    for doc in DOCS:
        html = (folder / f"{doc}.html").read_text(encoding="utf-8")
        assert f'<p class="cover-revision">Built from git revision {short}</p>' in html
        assert f'<meta name="keywords" content="version 0.9, draft, git revision {short}">' in html
        assert re.search(r"<dt>(Framework )?[Vv]ersion</dt><dd>0\.9</dd>", html)
        assert "<dt>Status</dt><dd>Draft" in html
    # The output folder inside the repository is not an uncommitted change of the data.
    again = build(root, "build")
    assert f"Built from git revision {short}</p>" in (again / "prevention-plan.html").read_text(encoding="utf-8")


def test_uncommitted_changes_are_said_and_outside_git_there_is_no_revision(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", "athens")
    short = git(root, "rev-parse", "--short", "HEAD")
    with (root / "cities" / "athens" / "city.yaml").open("a", encoding="utf-8") as city:
        city.write("# an edit not yet committed\n")
    html = (build(root, "build") / "prevention-plan.html").read_text(encoding="utf-8")
    assert f"Built from git revision {short} with uncommitted changes</p>" in html

    plain = tmp_path / "plain"
    (plain / "cities").mkdir(parents=True)
    shutil.copytree(REPO / "cities" / "athens", plain / "cities" / "athens")
    for doc in DOCS:
        html = (build(plain, "build") / f"{doc}.html").read_text(encoding="utf-8")
        assert "git revision" not in html and "cover-revision" not in html
        assert '<meta name="keywords" content="version 0.9, draft">' in html


def test_slow_pdf_metadata_has_the_revision_and_two_builds_of_one_commit_are_identical(tmp_path: Path) -> None:
    import pikepdf

    root = init_repo(tmp_path / "repo", "athens")
    short = git(root, "rev-parse", "--short", "HEAD")
    first = build(root, "one", "all")
    second = build(root, "two", "all")
    names = sorted(p.name for p in first.iterdir() if p.is_file())
    assert names == sorted(p.name for p in second.iterdir() if p.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    with pikepdf.open(first / "prevention-plan.pdf") as pdf:
        assert str(pdf.docinfo["/Keywords"]) == f"version 0.9, draft, git revision {short}"
