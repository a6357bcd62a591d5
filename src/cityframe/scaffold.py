"""``cityframe new``: create a city folder from the skeleton, never overwriting anything."""

from __future__ import annotations

import os
from pathlib import Path
from string import Template

from .data.contacts import STATES
from .data.models import FILE_MODELS
from .data.project import PACKAGE_DIR, SLUG, Project
from .errors import OutputExists, UsageError
from .schema import write_schemas

SKELETON_DIR = PACKAGE_DIR / "skeleton"


def refuse_target(project: Project, slug: str) -> Path:
    """The folder ``new`` would create, or the error that it cannot: checked before asking for anything else."""
    if not SLUG.match(slug):
        raise UsageError(f"'{slug}' is not a valid city name",
                         hint="use lowercase letters, digits and hyphens, for example 'overland-park'")
    folder = project.cities_dir / slug
    if folder.exists() or folder.is_symlink():
        raise OutputExists(f"{project.relative(folder)} already exists; nothing was changed",
                           hint="pick another name, or edit the files that are there")
    return folder


def name_from_slug(slug: str) -> str:
    """A first guess at the city's name from its folder name: 'overland-park' is 'Overland Park'."""
    return slug.replace("-", " ").title()


def new_city(project: Project, slug: str, name: str, state: str) -> list[Path]:
    """Scaffold ``cities/<slug>/`` with the six files (and the JSON Schemas editors use); return what was written."""
    folder = refuse_target(project, slug)
    state = state.strip().upper()
    if state not in STATES:
        raise UsageError(f"'{state}' is not a US state code", hint="give the USPS two-letter code of a state, DC or "
                         "a territory, for example --state OH")
    if not name.strip() or any(c in name for c in "\n\r:#{}[]&*!|>'\"%@`"):
        raise UsageError(f"'{name}' cannot be used as a city name", hint="use letters, spaces, hyphens and dots")
    values = {"slug": slug, "name": name.strip(), "state": state}
    texts = {file: Template((SKELETON_DIR / file).read_text(encoding="utf-8")).substitute(values)
             for file in FILE_MODELS}
    project.cities_dir.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir()  # atomic: of two `new` runs at once, exactly one gets the folder
    except FileExistsError:
        raise OutputExists(f"{project.relative(folder)} already exists; nothing was changed",
                           hint="pick another name, or edit the files that are there") from None
    written = []
    for file, text in texts.items():
        target = folder / file
        # O_EXCL: if anything appeared there meanwhile, fail rather than overwrite it.
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "w", encoding="utf-8") as out:
            out.write(text)
        written.append(target)
    written += write_schemas(project.root / "schemas", overwrite=False)
    return written
