"""The shipped data: the Athens pilot city, the two examples and the national catalog.

These are the files city staff copy first, so they must pass `cityframe check` at 100% with no errors and
no warnings, keep internal contacts fictitious, and cite a source for every national resource.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import get_args

import pytest
from typer.testing import CliRunner

import cityframe
from cityframe.checks.report import assess
from cityframe.cli import app
from cityframe.data.load import load_catalog
from cityframe.data.models import ResourceCategory, Tier
from cityframe.data.project import open_project

REPO = Path(__file__).resolve().parent.parent
CHECKED_ON = dt.date(2026, 11, 25)
"""The day the shipped data was last verified: warnings are measured on that day, so the test is stable."""

CITIES = [
    pytest.param(REPO, "athens", id="athens"),
    pytest.param(REPO / "examples" / "minimal", "minimal", id="example-minimal"),
    pytest.param(REPO / "examples" / "city-repo", "quillon", id="example-city-repo"),
]
CATEGORIES = set(get_args(ResourceCategory))
runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


# --- every shipped city ------------------------------------------------------------------------------


@pytest.mark.parametrize(("root", "slug"), CITIES)
def test_city_is_valid_and_complete(root: Path, slug: str) -> None:
    report = cityframe.check(root, slug)
    assert report.errors == [], "\n".join(map(str, report.errors))
    assert report.valid and report.complete
    assert report.completeness == 100
    assert [d.completeness for d in report.documents] == [100, 100, 100]


@pytest.mark.parametrize(("root", "slug"), CITIES)
def test_city_has_no_warnings_on_the_day_it_was_verified(root: Path, slug: str) -> None:
    report = assess(open_project(root), slug, today=CHECKED_ON)
    # Open notes for editors are warnings by design (tests/test_editor_notes.py); nothing else may warn.
    others = [f for f in report.warnings if f not in report.editor_notes]
    assert others == [], "\n".join(map(str, others))


@pytest.mark.parametrize(("root", "slug"), CITIES)
def test_cli_check_passes_without_copied_text(root: Path, slug: str) -> None:
    result = run("check", slug, "--project", root)
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output
    assert "completeness: 100% (complete)" in result.output
    assert "copied word for word" not in result.output


def test_city_repo_example_checks_with_all() -> None:
    result = run("check", "--all", "--project", REPO / "examples" / "city-repo")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("root", "slug"), CITIES)
def test_city_is_marked_illustrative_and_keeps_internal_contacts_fictitious(root: Path, slug: str) -> None:
    city = cityframe.load_city(root, slug)
    assert city.profile.illustrative, "example content must say so in city.yaml (illustrative:)"
    internal = [c for s in city.stakeholders.stakeholders for c in s.contacts if c.visibility == "internal"]
    assert len(internal) >= 2, "at least two internal contacts (a direct line and a role mailbox)"
    assert any(c.phone for c in internal) and any(c.email for c in internal)
    for contact in internal:
        if contact.phone:
            assert re.search(r"\b555-01\d\d$", contact.phone), f"not a fictitious number: {contact.phone}"
        if contact.email:
            assert contact.email.endswith(".example"), f"not a reserved .example address: {contact.email}"


@pytest.mark.parametrize(("root", "slug"), CITIES)
def test_city_has_exactly_one_government_chair(root: Path, slug: str) -> None:
    city = cityframe.load_city(root, slug)
    chairs = [s for s in city.stakeholders.stakeholders if s.seat == "chair"]
    assert len(chairs) == 1 and chairs[0].kind == "local-government"


@pytest.mark.parametrize(("root", "slug"), CITIES)
def test_every_threat_cites_evidence_with_a_caveat(root: Path, slug: str) -> None:
    city = cityframe.load_city(root, slug)
    for threat in city.risk.threats:
        assert threat.evidence, threat.id
        for evidence in threat.evidence:
            assert evidence.source.title and evidence.source.url, threat.id
            assert evidence.caveat, f"{threat.id}: say what the evidence cannot show"


@pytest.mark.parametrize(("root", "slug"), CITIES)
def test_local_resources_name_a_way_to_reach_them_and_a_check_date(root: Path, slug: str) -> None:
    city = cityframe.load_city(root, slug)
    for resource in city.resources.resources:
        assert resource.phones or resource.url, resource.id
        assert resource.last_verified is not None, resource.id
        assert resource.source is not None or resource.illustrative, f"{resource.id}: cite where it was checked"


# --- Athens, the example the README uses -------------------------------------------------------------


@pytest.fixture(scope="module")
def athens():
    return cityframe.load_city(REPO, "athens")


def test_athens_stakeholders_span_sectors(athens) -> None:
    stakeholders = athens.stakeholders.stakeholders
    assert len(stakeholders) >= 10
    assert len({s.kind for s in stakeholders}) >= 6
    assert all(s.contributes for s in stakeholders)


def test_athens_threats_and_interventions(athens) -> None:
    assert len(athens.risk.threats) >= 4
    interventions = athens.interventions.interventions
    assert len(interventions) >= 8
    assert {i.tier for i in interventions} == set(get_args(Tier))
    for intervention in interventions:
        assert intervention.objectives and intervention.addresses, intervention.id
        assert intervention.lead and intervention.milestones, intervention.id


def test_athens_directory_is_local_and_national(athens) -> None:
    assert len(athens.resources.resources) >= 10
    catalog, _ = load_catalog()
    assert set(athens.resources.include) <= set(catalog)
    included = athens.included_resources()
    assert {"national"} <= {r.geographic_scope for r in included}
    assert any(r.geographic_scope == "state" and r.states == ["OH"] for r in included)
    assert all(r.status == "active" for r in included), "do not include inactive national entries"
    assert {r.category for r in athens.all_resources()} == CATEGORIES
    assert len({r.category for r in athens.resources.resources}) >= 5


def test_athens_profile_cites_its_population(athens) -> None:
    profile = athens.profile.city
    assert profile.population == 23849
    assert profile.population_source is not None and profile.population_source.url


# --- the national catalog -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog():
    entries, problems = load_catalog()
    assert problems == ()
    return entries


def test_catalog_is_substantial(catalog) -> None:
    assert len(catalog) >= 20


def test_every_catalog_entry_has_a_source_and_a_check_date(catalog) -> None:
    for resource in catalog.values():
        assert resource.source is not None, resource.id
        assert resource.source.title and resource.source.url, resource.id
        assert resource.last_verified is not None, resource.id
        assert resource.last_verified <= dt.date.today(), resource.id
        assert resource.url or resource.phones, f"{resource.id}: residents need a way to reach it"


def test_catalog_covers_every_category(catalog) -> None:
    assert {r.category for r in catalog.values()} == CATEGORIES
    active = {r.category for r in catalog.values() if r.status == "active" and r.geographic_scope == "national"}
    assert active == CATEGORIES, "each category needs an active national entry"


def test_catalog_explains_every_entry_that_is_not_plainly_active(catalog) -> None:
    for resource in catalog.values():
        if resource.status != "active":
            assert resource.status_note, resource.id
    assert catalog["dhs-cp3"].status == "inactive"
    assert "July 17, 2025" in (catalog["lifeline-988"].status_note or "")
    assert not catalog["life-after-hate"].phones, "Life After Hate's phone number is unverified"


def test_catalog_scopes_are_consistent(catalog) -> None:
    for resource in catalog.values():
        assert resource.geographic_scope in ("national", "state"), resource.id
        if resource.geographic_scope == "state":
            assert resource.states, resource.id
        else:
            assert not resource.states, resource.id
    states = {s for r in catalog.values() for s in r.states}
    assert {"CT", "KS", "NM", "OH", "TN"} <= states


def test_catalog_crisis_lines_are_marked(catalog) -> None:
    for resource in catalog.values():
        if resource.category == "crisis-line":
            assert resource.is_crisis_line, resource.id
