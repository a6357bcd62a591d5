"""The package's folders are its pipeline: a stage imports only from the stages below it.

data (sources, models, load, project) <- checks (rules, sections, similarity, report) <- render (context, charts,
markup, templates, html, pdf) <- build and the capabilities above it (export/ ...). ``cityframe.errors`` is below
everything.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import cityframe

PACKAGE = Path(cityframe.__file__).parent

# A stage may not import any of these (at the top of a module or inside a function: both run eventually).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "cityframe.data": ("cityframe.checks", "cityframe.render", "cityframe.build", "cityframe.cli",
                       "cityframe.scaffold", "cityframe.schema", "cityframe.export"),
    "cityframe.checks": ("cityframe.render", "cityframe.build", "cityframe.cli", "cityframe.scaffold",
                         "cityframe.export"),
    "cityframe.render": ("cityframe.build", "cityframe.cli", "cityframe.scaffold", "cityframe.export"),
    "cityframe.errors": ("cityframe.",),
}


def modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(PACKAGE)], prefix="cityframe.")
                  if m.name != "cityframe.__main__")


def imported_modules(path: Path, module: str) -> set[str]:
    """Every cityframe module that ``path`` imports, relative imports resolved against ``module``'s package."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # from . import charts
    return {name for name in found if name == "cityframe" or name.startswith("cityframe.")}


def violations(module: str, imports: set[str]) -> list[str]:
    out = []
    for stage, forbidden in FORBIDDEN.items():
        if module == stage or module.startswith(stage + "."):
            out += [f"{module} imports {name}" for name in sorted(imports)
                    if any(name == f or name.startswith(f if f.endswith(".") else f + ".") for f in forbidden)]
    return out


@pytest.mark.parametrize("module", modules())
def test_every_module_imports(module: str) -> None:
    importlib.import_module(module)


def test_no_stage_imports_from_a_stage_above_it() -> None:
    problems = []
    for module in modules():
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin
        problems += violations(module, imported_modules(Path(spec.origin), module))
    assert problems == []


def test_the_rule_catches_a_forbidden_import(tmp_path: Path) -> None:
    """The check itself can fail: a data module that imports render, even lazily, is reported."""
    source = tmp_path / "load.py"
    source.write_text("def f():\n    from ..render.context import output_name\n    from ..errors import Finding\n")
    imports = imported_modules(source, "cityframe.data.load")
    assert violations("cityframe.data.load", imports) == [
        "cityframe.data.load imports cityframe.render.context",
        "cityframe.data.load imports cityframe.render.context.output_name"]
    assert violations("cityframe.checks.report", {"cityframe.build"}) == [
        "cityframe.checks.report imports cityframe.build"]
    assert violations("cityframe.render.html", {"cityframe.checks.sections"}) == []
