"""Narrative copied word for word from another city is flagged: the usual slip of a folder started from a copy."""

from __future__ import annotations

from typer.testing import CliRunner

from cityframe.cli import app
from cityframe.scaffold import new_city as scaffold

VISION = ("A city where every resident, whatever their faith, origin or identity, can live, learn and worship "
          "without fear of hate, and where neighbours act early and together when it appears.")


def set_vision(project, slug, vision):
    city_yaml = project.cities_dir / slug / "city.yaml"
    city_yaml.write_text(city_yaml.read_text().replace("  vision: TODO", f"  vision: {vision}"))


def test_copied_vision_is_a_warning_naming_the_source(new_city):
    project = new_city("first-town")
    scaffold(project, "second-town", "Second Town", "OH")
    set_vision(project, "first-town", VISION)
    set_vision(project, "second-town", VISION.replace("A city", "Our town"))
    result = CliRunner().invoke(app, ["check", "--all", "--project", str(project.root)])
    assert "cities/second-town/city.yaml:" in result.output
    assert "warning: plan.vision: this text is copied word for word from cities/first-town (plan.vision)" \
        in result.output
    assert "cities/first-town/city.yaml:" in result.output  # each copy is flagged


def test_own_words_are_not_flagged(new_city):
    project = new_city("first-town")
    scaffold(project, "second-town", "Second Town", "OH")
    set_vision(project, "first-town", VISION)
    set_vision(project, "second-town", "Second Town answers hate quickly, openly and with its neighbours, so that "
               "no resident faces it alone and every report leads somewhere.")
    result = CliRunner().invoke(app, ["check", "--all", "--project", str(project.root)])
    assert "copied word for word" not in result.output
