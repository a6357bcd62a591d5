"""Albuquerque and Stamford ship Spanish for their narrative fields (issue 16, item 6).

Most tests read the data files with PyYAML: every narrative field the issue names holds an `{en, es}` translation,
each translation in the six files keeps the English text's URLs, numbers and Markdown (the same check as
scripts/check-translation-keep), and city.yaml says which language is authoritative and carries an open note that
the Spanish still needs a qualified translator's review. One loads the Spanish edition with cityframe's loader and
requires that no prose field of the six files falls back to English.
"""

from __future__ import annotations

import importlib.util
from importlib.machinery import SourceFileLoader
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CITIES = ("albuquerque", "stamford")
FILES = ("city.yaml", "governance.yaml", "interventions.yaml", "resources.yaml", "risk-landscape.yaml",
         "stakeholders.yaml")
_loader = SourceFileLoader("check_translation_keep", str(REPO / "scripts" / "check-translation-keep"))
_spec = importlib.util.spec_from_loader(_loader.name, _loader)
assert _spec is not None
checker = importlib.util.module_from_spec(_spec)
_loader.exec_module(checker)


def load(city: str, file: str) -> dict[str, Any]:
    return yaml.safe_load((REPO / "cities" / city / file).read_text(encoding="utf-8"))


def narrative_fields(city: str) -> dict[str, Any]:
    """{dotted path: value} of every field issue 16 item 6 names (vision ... directory descriptions)."""
    fields: dict[str, Any] = {}
    plan = load(city, "city.yaml")["plan"]
    for key in ("vision", "statement_of_need", "foreword"):
        fields[f"plan.{key}"] = plan[key]
    for index, commitment in enumerate(plan["key_commitments"]):
        fields[f"plan.key_commitments[{index}]"] = commitment
    for goal in plan["goals"]:
        fields[f"goal {goal['id']}.title"] = goal["title"]
        fields[f"goal {goal['id']}.description"] = goal["description"]
        for objective in goal["objectives"]:
            fields[f"objective {objective['id']}.statement"] = objective["statement"]
    for intervention in load(city, "interventions.yaml")["interventions"]:
        for key in ("title", "description"):
            fields[f"intervention {intervention['id']}.{key}"] = intervention[key]
    for resource in load(city, "resources.yaml")["resources"]:
        if "description" in resource:
            fields[f"resource {resource['id']}.description"] = resource["description"]
    return fields


@pytest.mark.parametrize("city", CITIES)
def test_every_narrative_field_has_spanish_beside_english(city: str) -> None:
    fields = narrative_fields(city)
    assert len(fields) > 40
    missing = [path for path, value in fields.items()
               if not (isinstance(value, dict) and set(value) == {"en", "es"}
                       and isinstance(value["es"], str) and value["es"].strip() and value["es"] != value["en"])]
    assert not missing, f"{city}: no Spanish for {missing}"


def translations(node: Any, path: str = "") -> list[tuple[str, dict[str, str]]]:
    """Every {en, es} mapping in a loaded YAML tree, with its dotted path."""
    if isinstance(node, dict) and set(node) == {"en", "es"}:
        return [(path, node)]
    if isinstance(node, dict):
        return [found for key, value in node.items() for found in translations(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [found for index, value in enumerate(node) for found in translations(value, f"{path}[{index}]")]
    return []


@pytest.mark.parametrize("city", CITIES)
def test_spanish_keeps_the_facts_and_markup_of_the_english(city: str) -> None:
    found = [(f"{file}{path}", value) for file in FILES for path, value in translations(load(city, file))]
    assert len(found) > len(narrative_fields(city))
    problems = [f"{path}: {problem}" for path, value in found
                for problem in checker.keeps_facts(value["en"], value["es"])]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("city", CITIES)
def test_the_spanish_edition_lacks_no_prose(city: str) -> None:
    from cityframe.data.load import load_city
    from cityframe.data.project import Project

    loaded = load_city(Project(REPO), city, "es")
    sources = loaded.sources.values() if isinstance(loaded.sources, dict) else loaded.sources
    untranslated = [f"{w.file}:{w.line}: {w.path}" for source in sources for w in source.warnings
                    if "has no Spanish" in w.message]
    assert not untranslated, "\n".join(untranslated)


def test_the_fact_check_catches_a_dropped_number_url_or_list_item() -> None:
    english = "Call 311.\n\n- **One** [site](https://example.org/a)\n- Two"
    assert checker.keeps_facts(english, "Llame al 311.\n\n- **Uno** [sitio](https://example.org/a)\n- Dos") == []
    assert checker.keeps_facts(english, "Llame al 911.\n\n- **Uno** [sitio](https://example.org/a)\n- Dos")
    assert checker.keeps_facts(english, "Llame al 311.\n\n- **Uno** [sitio](https://example.org/b)\n- Dos")
    assert checker.keeps_facts(english, "Llame al 311.\n\n- **Uno** [sitio](https://example.org/a) y dos")


def test_the_keep_check_accepts_a_translation_already_on_the_base_and_still_guards_its_english() -> None:
    """A file translated in part on the base: its mappings pass when unchanged, and their `en` text stays guarded."""
    base = {"en": "Call 311 today.", "es": "Llame al 311 hoy."}

    def problems(old: Any, new: Any) -> list[str]:
        found: list[str] = []
        checker.compare(old, new, "x", found, checker.Counter())
        return found

    assert problems(base, dict(base)) == []
    assert problems(base, {"en": "Call 311 today.", "es": "Llame hoy al 311."}) == []
    assert problems(base, {"en": "Call 311 now.", "es": "Llame al 311 hoy."})
    assert problems(base, {"en": "Call 311 today.", "es": "Llame al 911 hoy."})
    assert problems(base, "Call 311 today.")


@pytest.mark.parametrize("city", CITIES)
def test_city_names_english_authoritative_and_marks_the_spanish_as_an_unreviewed_translation(city: str) -> None:
    data = load(city, "city.yaml")
    assert data["languages"] == {"authoritative": "en", "editions": ["en", "es"]}
    notes = [note for note in data["editor_notes"] if note.startswith("Spanish translations")]
    assert len(notes) == 1
    assert "authoritative English text" in notes[0] and "2026-11-30" in notes[0]
    assert "qualified translator" in notes[0]
