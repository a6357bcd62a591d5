"""The data-format reference must keep up with the models: every field a city can write is documented."""

from __future__ import annotations

import re

from pydantic import BaseModel

from cityframe.data import models
from conftest import REPO


def all_fields() -> set[str]:
    names = set()
    for model in vars(models).values():
        if isinstance(model, type) and issubclass(model, BaseModel) and model is not BaseModel:
            names.update(model.model_fields)
    return names


def test_every_field_is_documented():
    text = (REPO / "docs" / "data-format.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"[a-z_0-9]+(?=:)", text))
    assert sorted(all_fields() - documented) == []


def test_readme_quick_start_names_the_two_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[test]" && cityframe build athens' in readme
    assert "\npytest\n" in readme
    assert "docs/data-format.md" in readme
