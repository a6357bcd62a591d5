"""A project's history as git keeps it: revisions, a city's files at a revision, when its data last changed.

Read with the ``git`` program itself (``git rev-parse``, ``git ls-tree``, ``git cat-file``), never by parsing
``.git``: git is on every machine that has a clone, and reads every repository format (packs, worktrees,
submodules) correctly. Every failure is a plain-words error: a folder outside git or an unknown revision is a
:class:`UsageError` (exit code 2), a missing ``git`` program an :class:`EnvironmentFailure` (exit code 3).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from ..errors import EnvironmentFailure, UsageError
from .project import Project

WORKING_TREE = "working tree"
"""How the files on disk, with uncommitted changes, are named where a revision would be."""

_ENV = {"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


def git(repo: Path, *args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C repo args...`` and return its output as bytes; raise :class:`UsageError` when it fails."""
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True,
                              env={**os.environ, **_ENV}, timeout=60, check=False)
    except FileNotFoundError:
        raise EnvironmentFailure("the 'git' program is not installed",
                                 hint="install git (on Debian or Ubuntu: apt-get install -y git)") from None
    except subprocess.TimeoutExpired:
        raise EnvironmentFailure(f"'git {' '.join(args)}' took more than a minute") from None
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {' '.join(args)} failed: {message[-1] if message else 'no message'}")
    return done


@dataclass(frozen=True)
class Repository:
    """The git repository a project lives in, and where the project sits inside it."""

    root: Path
    prefix: str
    """The project folder relative to the repository root, with a trailing slash, or ``""`` at the root."""

    def path_of(self, project_relative: str) -> str:
        """A project path (``cities/athens``) as git names it from the repository root."""
        return self.prefix + project_relative


def repository(project: Project) -> Repository:
    """The repository that holds ``project``; :class:`UsageError` when the folder is not in a git repository."""
    done = git(project.root, "rev-parse", "--show-toplevel", "--show-prefix", check=False)
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip()
        if "not a git repository" not in said and said:  # e.g. git's "dubious ownership" refusal: say git's words
            raise UsageError(f"git cannot read the repository of {project.root}: {said.splitlines()[0]}",
                             hint="; ".join(line.strip() for line in said.splitlines()[1:] if line.strip()) or None)
        raise UsageError(f"{project.root} is not in a git repository",
                         hint="cityframe diff compares commits: run it inside a clone ('git init' and 'git commit' "
                              "start a history)")
    lines = done.stdout.decode("utf-8").splitlines()
    root, prefix = Path(lines[0]), lines[1] if len(lines) > 1 else ""
    return Repository(root, prefix)


def has_commits(repo: Repository) -> bool:
    """Whether HEAD names a commit (a fresh ``git init`` has none)."""
    return git(repo.root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).returncode == 0


def resolve(repo: Repository, revision: str) -> str:
    """The full commit id ``revision`` names (a hash, tag, branch, ``HEAD~1`` ...); :class:`UsageError` if none."""
    if revision.startswith("-"):
        raise UsageError(f"'{revision}' is not a revision", hint="name a commit, a tag or a branch")
    done = git(repo.root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}",
               check=False)
    if done.returncode != 0:
        tags = tags_newest_first(repo)[:5]
        raise UsageError(f"'{revision}' is not a revision of {repo.root}",
                         hint="name a commit ('git log --oneline' lists them), a branch"
                              + (f" or a tag ({', '.join(tags)})" if tags else " or a tag"))
    return done.stdout.decode().strip()


def short(repo: Repository, commit: str) -> str:
    """The abbreviated hash git shows for ``commit`` (at least 7 characters, longer when needed to be unique)."""
    return git(repo.root, "rev-parse", "--short", commit).stdout.decode().strip()


def tags_newest_first(repo: Repository) -> list[str]:
    """The repository's tags, most recent commit first."""
    done = git(repo.root, "tag", "--sort=-creatordate", check=False)
    return done.stdout.decode("utf-8", "replace").split()


def last_tag(repo: Repository) -> str | None:
    """The nearest tag reachable from HEAD (``git describe --tags --abbrev=0``), or None."""
    done = git(repo.root, "describe", "--tags", "--abbrev=0", "HEAD", check=False)
    return done.stdout.decode().strip() or None if done.returncode == 0 else None


def commits_touching(repo: Repository, path: str) -> list[str]:
    """Commits that changed ``path`` (repository-relative), oldest first."""
    done = git(repo.root, "log", "--format=%H", "--reverse", "HEAD", "--", path, check=False)
    return done.stdout.decode().split() if done.returncode == 0 else []


def read_blob(repo: Repository, commit: str, path: str) -> bytes | None:
    """A file's bytes at ``commit`` (``git cat-file blob REV:path``), or None when it is not there."""
    done = git(repo.root, "cat-file", "blob", f"{commit}:{path}", check=False)
    return done.stdout if done.returncode == 0 else None


def adopted_at(repo: Repository, city_path: str) -> str | None:
    """The first commit whose ``city.yaml`` says ``plan.status: adopted``, or None."""
    for commit in commits_touching(repo, f"{city_path}/city.yaml"):
        raw = read_blob(repo, commit, f"{city_path}/city.yaml")
        try:
            data = yaml.load(raw or b"", Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader))
        except yaml.YAMLError:
            continue
        plan = data.get("plan") if isinstance(data, dict) else None
        if isinstance(plan, dict) and plan.get("status") == "adopted":
            return commit
    return None


def default_base(repo: Repository, city_path: str) -> tuple[str, str]:
    """The revision ``diff`` compares with when none is named, and why.

    The last tag; else the commit where the plan became adopted; else the first commit that holds the city (the
    first commit of all if none does).
    """
    tag = last_tag(repo)
    if tag:
        return tag, f"the last tag, {tag}"
    adopted = adopted_at(repo, city_path)
    if adopted:
        return adopted, "the commit where plan.status became adopted"
    first = commits_touching(repo, city_path)
    if first:
        return first[0], f"the first commit of {city_path}"
    roots = git(repo.root, "rev-list", "--max-parents=0", "HEAD").stdout.decode().split()
    return roots[-1], "the first commit"


def cities_at(repo: Repository, commit: str, cities_path: str) -> list[str]:
    """The city folders (those holding a ``city.yaml``) under ``cities_path`` at ``commit``, sorted."""
    done = git(repo.root, "ls-tree", "-z", "--name-only", f"{commit}:{cities_path}", check=False)
    names = [n for n in done.stdout.decode("utf-8", "replace").split("\0") if n] if done.returncode == 0 else []
    return sorted(n for n in names if read_blob(repo, commit, f"{cities_path}/{n}/city.yaml") is not None)


def export(repo: Repository, commit: str, path: str, dest: Path) -> bool:
    """Write the files under ``path`` at ``commit`` into ``dest`` (same layout); False when ``path`` is not there.

    Only regular files are written, and only below ``dest``: a link in the history is left out, as a link out of
    the project is refused on disk.
    """
    done = git(repo.root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", path, check=False)
    entries = [e for e in done.stdout.decode("utf-8", "replace").split("\0") if e]
    blobs: list[tuple[str, str]] = []
    for entry in entries:
        meta, _, name = entry.partition("\t")
        mode, kind, oid = meta.split()
        relative = PurePosixPath(name).relative_to(path)
        if kind != "blob" or mode == "120000" or ".." in relative.parts:
            continue
        blobs.append((oid, relative.as_posix()))
    if not blobs:
        return False
    batch = git(repo.root, "cat-file", "--batch", input="".join(f"{oid}\n" for oid, _ in blobs).encode()).stdout
    at = 0
    for _oid, relative in blobs:
        header_end = batch.index(b"\n", at)
        size = int(batch[at:header_end].split()[2])
        content = batch[header_end + 1: header_end + 1 + size]
        at = header_end + 1 + size + 1
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return True


@dataclass(frozen=True)
class Revision:
    """The commit the project's files come from, for the documents' cover and metadata."""

    commit: str
    short: str
    dirty: bool
    """Files under the project differ from the commit (uncommitted or untracked changes)."""

    def __str__(self) -> str:
        return f"{self.short} with uncommitted changes" if self.dirty else self.short


def current_revision(project: Project, paths: Sequence[str] = ()) -> Revision | None:
    """HEAD and whether ``paths`` (project-relative; the whole project when empty) have uncommitted changes.

    None outside git, without git, or before the first commit: then documents carry no revision line.
    """
    try:
        repo = repository(project)
        if not has_commits(repo):
            return None
    except (UsageError, EnvironmentFailure):
        return None
    commit = git(repo.root, "rev-parse", "HEAD").stdout.decode().strip()
    wheres = [repo.path_of(p) for p in paths] or [repo.prefix or "."]
    status = git(repo.root, "status", "--porcelain", "--untracked-files=normal", "--",
                 *(f":/{where}" for where in wheres), check=False)
    return Revision(commit, short(repo, commit), bool(status.stdout.strip()))


@dataclass(frozen=True)
class LastChange:
    """When a city's data last changed in git."""

    date: dt.date | None
    """The committer date of the last commit that touched the folder (None: never committed)."""
    uncommitted: bool
    """Files in the folder differ from HEAD (the data changed after ``date``)."""

    def days_since(self, today: dt.date) -> int | None:
        """Days between the last change and ``today``: 0 with uncommitted changes, None when unknown."""
        if self.uncommitted:
            return 0
        return (today - self.date).days if self.date else None


def last_change(project: Project, path: str) -> LastChange | None:
    """When the files under ``path`` (project-relative) last changed; None outside git."""
    try:
        repo = repository(project)
    except (UsageError, EnvironmentFailure):
        return None
    where = repo.path_of(path)
    status = git(repo.root, "status", "--porcelain", "--", f":/{where}", check=False)
    uncommitted = bool(status.stdout.strip())
    if not has_commits(repo):
        return LastChange(None, uncommitted)
    done = git(repo.root, "log", "-1", "--format=%cs", "HEAD", "--", f":/{where}", check=False)
    text = done.stdout.decode().strip()
    return LastChange(dt.date.fromisoformat(text) if text else None, uncommitted)
