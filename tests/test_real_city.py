"""A real city fits the format (issue 11 item 7): proposed parts of real records, threats not yet rated, levels,
the form of government, sources on stakeholders and factors, and an accessibility contact one can write or call."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from cityframe.checks.report import assess
from test_editor_notes import page_text
from test_render import SCRATCH, make_project, render


def scratch(tmp_path: Path, change) -> dict[str, str]:
    """The test city of test_render with one change, rendered (public edition): {page: text as read}."""
    data: dict[str, Any] = copy.deepcopy(SCRATCH)
    change(data)
    project = make_project(tmp_path / "project", data)
    return {name: page_text(page).replace(" ,", ",") for name, page in render(project).items()}


def errors_of(tmp_path: Path, change) -> list[str]:
    data: dict[str, Any] = copy.deepcopy(SCRATCH)
    change(data)
    project = make_project(tmp_path / "project", data)
    return [str(f) for f in assess(project, "millbrook").errors]


def stakeholder(data: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(s for s in data["stakeholders.yaml"]["stakeholders"] if s["id"] == ident)


# --- illustrative on the part that is proposed -------------------------------------------------------------


def test_a_proposed_seat_rating_and_budget_carry_the_badge_on_that_part_only(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        stakeholder(data, "police")["illustrative"] = ["seat"]
        stakeholder(data, "unity-council")["illustrative"] = False
        data["risk-landscape.yaml"]["threats"][0]["illustrative"] = ["rating"]
        data["risk-landscape.yaml"]["threats"][1]["illustrative"] = False
        data["interventions.yaml"]["interventions"][0]["illustrative"] = ["budget"]
        data["interventions.yaml"]["interventions"][1]["illustrative"] = False
        data["city.yaml"]["plan"]["goals"][0]["objectives"][0]["illustrative"] = True
        data["governance.yaml"]["steering_group"]["working_groups"][0]["illustrative"] = True
        data["governance.yaml"]["steering_group"]["illustrative"] = True

    pages = scratch(tmp_path, change)
    charter, plan = pages["governance-charter.html"], pages["prevention-plan.html"]
    directory = pages["resource-directory.html"]
    assert "Millbrook Police Department Advisor Illustrative" in charter      # the seat, not the name
    assert "Millbrook Police Department Illustrative" not in charter + plan + directory
    assert "12 (moderate) Illustrative" in plan or re.search(r"\b12 \(\w+\) Illustrative", plan)
    assert "T1 Antisemitic harassment Illustrative" not in plan               # the rating, not the threat
    assert "likelihood 3, impact 4 Illustrative" in plan
    assert "Budget Illustrative $5,000" in plan
    assert "A1 Bystander training Illustrative" not in plan
    assert "Raise awareness of reporting. Illustrative" in plan
    assert "Data group Illustrative" in charter
    assert '("MPSG") Illustrative is established' in charter


def test_illustrative_names_the_parts_it_accepts(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        stakeholder(data, "police")["illustrative"] = ["sea"]

    assert errors_of(tmp_path, change) == [
        "cities/millbrook/stakeholders.yaml:44:3: stakeholders[2].illustrative: 'sea' is not a part that can be "
        "proposed here: write true (the whole record is an example), false, or a list of the proposed parts "
        "(allowed: seat)"]


# --- threats not yet rated ---------------------------------------------------------------------------------


def test_a_threat_not_yet_rated_is_listed_beside_the_matrix_not_in_it(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        threat = data["risk-landscape.yaml"]["threats"][1]
        del threat["likelihood"], threat["impact"]

    pages = scratch(tmp_path, change)
    plan = pages["prevention-plan.html"]
    assert "Not yet rated These threats have no likelihood and impact rating yet, so they are not placed in the " \
        "risk matrix: T2 Polarization (polarization)" in plan
    assert "T2 Polarization: likelihood" not in plan            # the matrix's description lists T1 only
    assert "T1 Antisemitic harassment: likelihood 3, impact 4" in plan
    assert "Polarization · not yet rated · trend" in plan


def test_a_rating_out_of_range_says_the_allowed_range_and_half_a_rating_is_refused(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["risk-landscape.yaml"]["threats"][0]["likelihood"] = 7
        del data["risk-landscape.yaml"]["threats"][1]["impact"]

    errors = errors_of(tmp_path, change)
    assert any("threats[0].likelihood: '7' is not an allowed rating: the allowed range is 1-5 (1 lowest, 5 highest)"
               in e for e in errors), errors
    data: dict[str, Any] = copy.deepcopy(SCRATCH)
    del data["risk-landscape.yaml"]["threats"][1]["impact"]
    project = make_project(tmp_path / "half", data)
    assert [str(f) for f in assess(project, "millbrook").errors] == [
        "cities/millbrook/risk-landscape.yaml:36:15: threats[1].likelihood: the threat 'polarization' has a "
        "likelihood but no impact (add impact: (1-5), or leave out both while the threat is not yet rated)"]


# --- levels and state government ---------------------------------------------------------------------------


def test_the_stakeholder_map_keeps_a_state_office_apart_from_a_city_library(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        people = data["stakeholders.yaml"]["stakeholders"]
        people.append({"id": "state-ag", "name": "Office of the Attorney General", "kind": "state-government",
                       "level": "state", "seat": "advisor", "contributes": ["Civil rights enforcement"]})
        people.append({"id": "library", "name": "Millbrook Public Library", "kind": "local-government",
                       "level": "city", "seat": "member", "contributes": ["Rooms"]})
        stakeholder(data, "police")["level"] = "county"

    pages = scratch(tmp_path, change)
    plan = pages["prevention-plan.html"]
    assert "State government: 1 advisor." in plan                  # the map's description, one row each
    assert "Local government (city): 1 member." in plan
    assert "Law enforcement (county): 1 advisor." in plan
    assert "Office of the Attorney General State government · State" in pages["resource-directory.html"]


def test_a_resource_says_the_level_of_the_organization_that_runs_it(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        local = data["resources.yaml"]["resources"][0]
        local.update(geographic_scope="national", level="federal", provider="U.S. Department of Justice")

    directory = scratch(tmp_path, change)["resource-directory.html"]
    assert "Millbrook report-an-incident service National · Federal · U.S. Department of Justice" in directory


# --- form of government ------------------------------------------------------------------------------------


def test_who_adopts_follows_the_form_of_government_and_agrees_everywhere(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["city.yaml"]["city"]["government"] = "commission"
        del data["city.yaml"]["plan"]["adoption"]["body"]
        del data["governance.yaml"]["steering_group"]["adoption"]["body"]

    pages = scratch(tmp_path, change)
    charter = pages["governance-charter.html"]
    assert "Draft: not yet adopted by the City Commission." in charter
    assert "This charter is to be adopted by the City Commission on March 1, 2026." in charter
    assert "Form of government Commission: the City Commission adopts the city's policies" in \
        pages["prevention-plan.html"]


def test_the_charter_banner_names_the_body_that_adopts_the_charter(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["governance.yaml"]["steering_group"]["adoption"]["body"] = "Leadership Group"

    pages = scratch(tmp_path, change)
    charter = pages["governance-charter.html"]
    assert "Draft: not yet adopted by the Leadership Group." in charter
    assert "This charter is to be adopted by the Leadership Group" in charter
    assert "not yet adopted by the City Council" not in charter
    assert "Draft: not yet adopted by the City Council." in pages["prevention-plan.html"]


# --- sources on stakeholders and factors -------------------------------------------------------------------


def test_stakeholders_cite_a_source_and_factors_several(tmp_path: Path) -> None:
    second = {"title": "County health assessment", "url": "https://example.org/cha", "publisher": "County"}

    def change(data: dict[str, Any]) -> None:
        stakeholder(data, "police")["sources"] = [second]
        data["risk-landscape.yaml"]["risk_factors"][0]["source"] = SCRATCH["risk-landscape.yaml"]["threats"][0][
            "evidence"][0]["source"]
        data["risk-landscape.yaml"]["risk_factors"][0]["sources"] = [second]

    pages = scratch(tmp_path, change)
    assert "Source County health assessment, County" in pages["resource-directory.html"]
    assert "Isolation Sources: Millbrook survey report, Millbrook, June 1, 2024; County health assessment, County" \
        in pages["prevention-plan.html"]


# --- an accessibility contact one can write or call --------------------------------------------------------


def test_the_accessibility_contact_needs_a_phone_or_an_email(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["city.yaml"]["plan"]["language_access"]["contact"] = {
            "title": "Language access coordinator", "url": "https://example.org/access", "visibility": "public"}

    assert errors_of(tmp_path, change) == [
        "cities/millbrook/city.yaml:114:7: plan.language_access.contact: the accessibility contact has no phone or "
        "email: people asking for another language or an accessible format need a way to ask (add phone: or "
        "email: to the contact)"]
