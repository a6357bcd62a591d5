"""Where things are: the project root, its cities, the built-in templates and the output folder."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import Finding, ProjectNotFound, UsageError, did_you_mean

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PACKAGE_DIR = Path(__file__).resolve().parent.parent
"""The installed ``cityframe`` package folder (this module lives in its ``data/`` stage)."""


def cache_dir(kind: str) -> Path | None:
    """Where cityframe keeps a kind of cache (``validators``, ``jinja``, ``narratives``), or None when turned off.

    The user's cache folder (``platformdirs``: ``~/.cache/cityframe`` on Linux), or ``$CITYFRAME_CACHE_DIR`` when
    set; an empty ``CITYFRAME_CACHE_DIR`` turns every cache off. Caches only ever save time: each is keyed so that
    a stale or damaged entry is rebuilt, never believed.
    """
    configured = os.environ.get("CITYFRAME_CACHE_DIR")
    if configured == "":
        return None
    if configured is None:
        import platformdirs

        return Path(platformdirs.user_cache_dir("cityframe")) / kind
    return Path(configured) / kind


def builtin_templates_dir() -> Path:
    """The shipped templates: inside the package when installed, ``templates/`` at the repository root otherwise."""
    installed = PACKAGE_DIR / "templates"
    return installed if installed.is_dir() else PACKAGE_DIR.parent.parent / "templates"


def slugify(name: str) -> str:
    """A city's name as a folder name (a slug): ``Lee's Summit`` -> ``lees-summit``, ``Española`` -> ``espanola``.

    Accents are taken off the letters (NFKD), apostrophes and periods dropped, anything else between words made
    a hyphen; '' when nothing is left.
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"['’.]", "", text.replace("&", " and "))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


@dataclass(frozen=True)
class Project:
    """A folder that holds ``cities/``: a city's own repository, or cityframe's with its pilot cities."""

    root: Path

    @property
    def cities_dir(self) -> Path:
        """Where the city folders live."""
        return self.root / "cities"

    @property
    def templates_dir(self) -> Path:
        """Project-wide template overrides (optional)."""
        return self.root / "templates"

    def city_slugs(self) -> list[str]:
        """Every city folder's slug, sorted; folders whose names are not slugs are ignored."""
        if not self.cities_dir.is_dir():
            return []
        return sorted(p.name for p in self.cities_dir.iterdir()
                      if p.is_dir() and SLUG.match(p.name) and (p / "city.yaml").exists())

    def not_cities(self) -> list[Finding]:
        """A finding for every folder in ``cities/`` that is not a city cityframe can read.

        So that ``check --all``, ``list`` and ``build --all`` never skip one silently: a name that is not a slug, a
        ``city.yml`` instead of a ``city.yaml``, no ``city.yaml`` at all. Hidden folders (``.git``) and files are
        not cities and are left out.
        """
        if not self.cities_dir.is_dir():
            return []
        found = []
        for folder in sorted(self.cities_dir.iterdir()):
            if folder.name.startswith(".") or not folder.is_dir():
                continue
            where = f"{self.relative(self.cities_dir)}/{folder.name}"
            if not SLUG.match(folder.name):
                slug = slugify(folder.name)
                rename = f"rename it to '{slug}'" if slug else "rename it"
                found.append(Finding(where, 0, 0, "", "the folder name is not a city name, so this folder is not "
                                     "read", hint=f"{rename}: lowercase letters, digits and hyphens"))
            elif not (folder / "city.yaml").exists() and not (folder / "city.yaml").is_symlink():
                yml = (folder / "city.yml").exists()
                found.append(Finding(where, 0, 0, "", "there is a city.yml but no city.yaml, so this folder is not read"
                                     if yml else "there is no city.yaml, so this folder is not a city",
                                     hint="rename city.yml to city.yaml, and every other .yml file to .yaml" if yml else
                                     "add the city's files ('cityframe new' writes them), or move the folder out of "
                                     "cities/"))
        return found

    def override_folders(self, slug: str) -> list[Path]:
        """The folders whose templates replace the built-in ones for a city, first match wins.

        The city's ``templates/``, then the project's (unless it is the built-in folder itself, as in cityframe's
        own repository). A folder is listed as soon as its name exists, link or not: the renderer refuses links.
        """
        builtin = builtin_templates_dir().resolve()
        folders = []
        own = self.cities_dir / slug / "templates"
        if own.exists() or own.is_symlink():
            folders.append(own)
        shared = self.templates_dir
        if (shared.exists() or shared.is_symlink()) and shared.resolve() != builtin:
            folders.append(shared)
        return folders

    def city_dir(self, slug: str, *, must_exist: bool = True) -> Path:
        """The folder of one city, refusing slugs that could leave ``cities/`` and folders that link out of it."""
        if not SLUG.match(slug):
            raise UsageError(f"'{slug}' is not a valid city name",
                             hint="use lowercase letters, digits and hyphens, for example 'overland-park'")
        folder = self.cities_dir / slug
        if must_exist:
            if not folder.is_dir():
                slugs = self.city_slugs()
                raise UsageError(f"there is no city '{slug}' in {self.cities_dir}{did_you_mean(slug, slugs)}",
                                 hint=f"known cities: {', '.join(slugs) or 'none yet'}; "
                                      f"create one with 'cityframe new {slug}'")
            if not folder.resolve().is_relative_to(self.cities_dir.resolve()):
                raise UsageError(f"cities/{slug} points outside the project (it is a link to {folder.resolve()})",
                                 hint="keep each city's files inside the project's cities/ folder")
        return folder

    def relative(self, path: Path) -> str:
        """A path as city staff see it in their repository: relative to the project root."""
        try:  # abspath, not resolve: a link is named as the user sees it, not by its target
            return Path(os.path.abspath(path)).relative_to(os.path.abspath(self.root)).as_posix()
        except ValueError:
            return path.as_posix()


def find_project(start: Path | None = None) -> Project:
    """The nearest folder, from ``start`` upwards, that holds ``cities/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "cities").is_dir():
            return Project(folder)
    raise ProjectNotFound(f"no 'cities/' folder in {here} or any folder above it",
                          hint="run cityframe inside a cityframe project, pass --project DIR, "
                               "or start one with 'cityframe new SLUG --name NAME --state ST'")


def open_project(project: Path | str | Project | None = None) -> Project:
    """A :class:`Project` from an explicit folder (which must hold ``cities/``), or the nearest one."""
    if isinstance(project, Project):
        return project
    if project is None:
        return find_project()
    root = Path(project).resolve()
    if not (root / "cities").is_dir():
        raise ProjectNotFound(f"{root} has no 'cities/' folder", hint="pass the folder that holds cities/")
    return Project(root)
