"""``cityframe new``: create a city folder from the skeleton, never overwriting anything."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from string import Template

import yaml

from .data.contacts import STATES
from .data.models import FILE_MODELS
from .data.project import PACKAGE_DIR, SLUG, Project, slugify
from .errors import OutputExists, UsageError, visible
from .schema import write_schemas

SKELETON_DIR = PACKAGE_DIR / "skeleton"


MAX_NAME = 200
"""A city's name; the plan's title ('<name> Local Prevention Plan') must stay within 500 characters."""
# Characters a name cannot hold: control characters, line breaks (YAML ends a comment at U+0085, U+2028, U+2029),
# and invisible or direction-changing format characters.
_NOT_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                           "\ud800-\udfff\ufeff\ufff9-\ufffb\ufffe\uffff]")


def refuse_target(project: Project, slug: str) -> Path:
    """The folder ``new`` would create, or the error that it cannot: checked before asking for anything else."""
    if not SLUG.match(slug):
        suggestion = slugify(slug)
        if suggestion and SLUG.match(suggestion) and suggestion != slug:
            hint = (f"the folder name uses lowercase letters, digits and hyphens; for this city: cityframe new "
                    f"{suggestion} --name {_shell_quoted(slug.strip())}")
        else:
            hint = "use lowercase letters, digits and hyphens, for example 'overland-park'"
        raise UsageError(f"'{visible(slug)}' is not a valid city name", hint=hint)
    folder = project.cities_dir / slug
    if folder.exists() or folder.is_symlink():
        raise OutputExists(f"{project.relative(folder)} already exists; nothing was changed",
                           hint="pick another name, or edit the files that are there")
    return folder


def check_name(name: str) -> str:
    """The city's name as typed (without surrounding spaces), or a :class:`UsageError` saying why it cannot be one.

    Any letters, accents, apostrophes, periods, hyphens and other printable characters are fine ('Lee's Summit',
    'Coeur d'Alene', 'St. Cloud', 'Española'); control characters, line breaks and invisible or
    direction-changing characters are not, nor is an empty or overlong name.
    """
    name = name.strip()
    bad = _NOT_IN_NAMES.search(name)
    if not name:
        raise UsageError("the city's name is empty", hint="for example --name 'Overland Park'")
    if bad:
        raise UsageError(f"the name '{visible(name)}' holds an invisible character (U+{ord(bad.group()):04X})",
                         hint="type the name again without it")
    if len(name) > MAX_NAME:
        raise UsageError(f"the name is {len(name)} characters long; a city's name has at most {MAX_NAME}",
                         hint="give the city's name only")
    return name


def yaml_quoted(text: str) -> str:
    """``text`` as a YAML value that reads back as exactly ``text``.

    Plain when YAML reads it so ('St. Louis'), double-quoted otherwise ('Yes', '~', '- Springfield', 'a: b', '#1').
    """
    try:
        if yaml.safe_load(f"key: {text}\n") == {"key": text} and text == text.strip():
            return text
    except yaml.YAMLError:
        pass
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shell_quoted(text: str) -> str:
    """``text`` for a shell command line, as a person would type it.

    "Lee's Summit" rather than shlex's 'Lee'"'"'s Summit' when double quotes are enough.
    """
    if "'" in text and not re.search(r'["$`\\!]', text):
        return f'"{text}"'
    return shlex.quote(text)


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
    name = check_name(name)
    values = {"slug": slug, "name": name, "state": state, "name_yaml": yaml_quoted(name),
              "title_yaml": yaml_quoted(f"{name} Local Prevention Plan")}
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
