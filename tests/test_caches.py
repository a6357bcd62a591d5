"""The caches behind a fast check change how long it takes, never what it says."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cityframe.data import validators
from conftest import CITYFRAME, REPO


def check(root: Path, cache: Path | None, *args: str) -> tuple[int, str]:
    """Exit code and output of a check with its caches in ``cache`` (None: caches turned off)."""
    env = {**os.environ, "CITYFRAME_CACHE_DIR": "" if cache is None else str(cache)}
    done = subprocess.run([*CITYFRAME, "check", *args, "--project", str(root)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert "Traceback" not in done.stdout + done.stderr
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """athens, a copy of athens with a copied vision and a broken threat, and stamford."""
    root = tmp_path / "project"
    for slug in ("athens", "stamford"):
        shutil.copytree(REPO / "cities" / slug, root / "cities" / slug)
    shutil.copytree(REPO / "cities" / "athens", root / "cities" / "copyville")
    risk = root / "cities" / "copyville" / "risk-landscape.yaml"
    risk.write_text(risk.read_text(encoding="utf-8").replace("impact:", "impakt:", 1), encoding="utf-8")
    return root


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file())


def test_a_damaged_or_missing_cache_never_changes_a_verdict(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = check(project, cache, "--all")
    assert first[0] == 1 and "impakt" in first[1] and "copied word for word" in first[1]
    stored = entries(cache)
    # Every file model's validator and the catalog's: a schema that does not pickle (a closure in a validator)
    # silently costs its build on every check.
    from cityframe.data.models import FILE_MODELS, CatalogFile

    cached = {p.name for p in stored if p.parent.parent.name == "validators"}
    assert cached == {f"{m.__module__}.{m.__qualname__}.pickle" for m in (*FILE_MODELS.values(), CatalogFile)}
    assert [p for p in stored if "narratives" in p.parts]  # other cities' fingerprints
    assert check(project, cache, "--all") == first  # from the caches
    for entry in stored:  # truncated, garbage, or a different model's schema under this model's name
        entry.write_bytes(entry.read_bytes()[:20] if entry.suffix == ".pickle" else b"{not json")
    assert check(project, cache, "--all") == first
    shutil.rmtree(cache)
    cache.write_text("a file where the cache folder should be")
    assert check(project, cache, "--all") == first
    assert check(project, tmp_path / "cache2", "copyville") == check(project, None, "copyville")


def test_a_change_to_the_models_uses_another_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYFRAME_CACHE_DIR", str(tmp_path))
    before = validators.cache_folder()
    stage = tmp_path / "data"
    shutil.copytree(Path(validators.__file__).parent, stage, ignore=shutil.ignore_patterns("__pycache__", "catalog"))
    monkeypatch.setattr(validators, "_STAGE", stage)
    assert validators.cache_folder() == before
    models = stage / "models.py"
    models.write_text(models.read_text(encoding="utf-8") + "\n# a field was added\n", encoding="utf-8")
    assert validators.cache_folder() != before
    monkeypatch.setenv("CITYFRAME_CACHE_DIR", "")
    assert validators.cache_folder() is None
