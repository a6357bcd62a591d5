"""Validation and completeness as city staff meet them: each kind of error, located, in plain words."""

from __future__ import annotations

import datetime as dt

from cityframe.checks.report import assess

STAKEHOLDERS = """\
stakeholders:
  - id: city-manager-office
    name: Office of the City Manager
    kind: local-government
    seat: chair
    contributes: [Chairs the group]
  - id: police-department
    name: Police Department
    kind: law-enforcement
    seat: member
    contributes: [Threat assessment]
  - id: interfaith-council
    name: Interfaith Council
    kind: faith
    seat: member
    contributes: [Community reach]
"""

RISK = """\
threats:
  - id: antisemitic-vandalism
    name: Antisemitic vandalism
    category: antisemitism
    likelihood: 3
    impact: 4
    evidence:
      - source: {title: Police incident data, url: "https://example.org/data"}
        year: 2024
  - id: online-hate
    name: Online hate speech
    category: hate-speech
    likelihood: 4
    impact: 2
"""

INTERVENTIONS = """\
interventions:
  - id: bystander-training
    title: Bystander training
    tier: primary
    addresses: [antisemitic-vandalism]
    lead: city-manager-office
  - id: threat-assessment
    title: Threat assessment team
    tier: secondary
    addresses: [antisemitic-vandalism]
    lead: police-dept
"""


def messages(report):
    return [str(f) for f in report.errors + report.warnings]


def section(report, section_id):
    return next(s for d in report.documents for s in d.sections if s.section.id == section_id)


def test_unknown_reference_is_located_at_the_value_with_a_suggestion(new_city):
    project = new_city(stakeholders=STAKEHOLDERS, risk_landscape=RISK, interventions=INTERVENTIONS)
    report = assess(project, "testville")
    assert messages(report)[0] == (
        "cities/testville/interventions.yaml:11:11: interventions[1].lead: 'police-dept' is not a stakeholder id; "
        "did you mean 'police-department'?")


def test_reference_to_an_id_of_the_wrong_kind_says_what_it_is(new_city):
    wrong = INTERVENTIONS.replace("lead: police-dept", "lead: online-hate")
    report = assess(new_city(stakeholders=STAKEHOLDERS, risk_landscape=RISK, interventions=wrong), "testville")
    assert any("'online-hate' is not a stakeholder id; it is a threat id" in m for m in messages(report))


def test_yaml_syntax_error_is_located_in_plain_words(new_city):
    report = assess(new_city(stakeholders="stakeholders:\n  - id: a\n    name: Mayor's office: staff\n"),
                    "testville")
    (message,) = messages(report)
    assert message.startswith("cities/testville/stakeholders.yaml:3:25: a colon where YAML does not expect one")
    assert "Traceback" not in message


def test_unknown_key_suggests_the_right_one_and_points_at_the_key(new_city):
    report = assess(new_city(stakeholders=STAKEHOLDERS.replace("    seat: member\n    contributes: [Threat",
                                                               "    seat: member\n    contribute: [Threat")),
                    "testville")
    (message,) = messages(report)
    assert message.startswith("cities/testville/stakeholders.yaml:11:5: stakeholders[1].contribute: unknown field "
                              "'contribute'; did you mean 'contributes'?")


def test_enum_error_lists_the_allowed_values(new_city):
    report = assess(new_city(interventions=INTERVENTIONS.replace("tier: secondary", "tier: second")), "testville")
    (message,) = messages(report)
    assert "interventions.yaml:9:11: interventions[1].tier: 'second' is not one of the allowed values: " \
           "primary, secondary, tertiary; did you mean 'secondary'?" in message


def test_type_errors_in_plain_words(new_city):
    risk = RISK.replace("likelihood: 3", "likelihood: often").replace("impact: 2", "impact: 9")
    report = assess(new_city(risk_landscape=risk), "testville")
    found = messages(report)
    assert "cities/testville/risk-landscape.yaml:5:17: threats[0].likelihood: 'often' is not a whole number" in found
    assert ("cities/testville/risk-landscape.yaml:14:13: threats[1].impact: '9' is not an allowed rating: the "
            "allowed range is 1-5 (1 lowest, 5 highest)") \
        in found


def test_missing_required_field_points_at_the_block(new_city):
    report = assess(new_city(stakeholders="stakeholders:\n  - id: mayor\n    kind: local-government\n"), "testville")
    (message,) = messages(report)
    assert message.startswith("cities/testville/stakeholders.yaml:2:5: stakeholders[0].name: the required field "
                              "'name' is missing")


def test_every_file_is_checked_in_one_run(new_city):
    project = new_city(stakeholders="stakeholders: {}\n", interventions="interventions:\n  - id: Bad Id\n")
    report = assess(project, "testville")
    files = {f.file for f in report.errors}
    assert files == {"cities/testville/stakeholders.yaml", "cities/testville/interventions.yaml"}
    assert any("'Bad Id' is not a valid id" in m and "bad-id" in m for m in messages(report))


def test_duplicate_ids_are_errors(new_city):
    twice = STAKEHOLDERS + "  - id: police-department\n    name: Again\n    kind: other\n"
    report = assess(new_city(stakeholders=twice), "testville")
    assert any("stakeholders.yaml:17:9: stakeholders[3].id: the id 'police-department' is used twice (first at "
               "cities/testville/stakeholders.yaml:7)" in m for m in messages(report))


def test_the_chair_must_be_one_and_local_government(new_city):
    two_chairs = STAKEHOLDERS.replace("kind: faith\n    seat: member", "kind: faith\n    seat: chair")
    report = assess(new_city(stakeholders=two_chairs), "testville")
    found = "\n".join(messages(report))
    assert "the chair must be local government, but 'interfaith-council' is faith" in found
    assert "there can be only one chair; 'city-manager-office' already holds it" in found
    assert section(report, "C5").status == "missing"


def test_a_threat_no_intervention_addresses_is_a_warning(new_city):
    project = new_city(stakeholders=STAKEHOLDERS, risk_landscape=RISK,
                       interventions=INTERVENTIONS.replace("police-dept", "police-department"))
    report = assess(project, "testville")
    assert report.valid
    (warning,) = report.warnings
    assert warning.severity == "warning"
    assert "no intervention addresses the threat 'online-hate'" in warning.message
    assert (warning.file, warning.line) == ("cities/testville/risk-landscape.yaml", 10)


def test_dates_must_be_in_order(new_city):
    interventions = INTERVENTIONS.replace("police-dept", "police-department") + (
        "    start: 2026-01-01\n    end: 2025-01-01\n")
    report = assess(new_city(stakeholders=STAKEHOLDERS, interventions=interventions), "testville")
    assert any("interventions[1].end: the intervention ends (2025-01-01) comes before 2026-01-01" in m
               for m in messages(report))


def test_todo_and_tbd_count_as_not_filled(new_city):
    project = new_city()
    city_yaml = project.cities_dir / "testville" / "city.yaml"
    text = city_yaml.read_text().replace("  vision: TODO", "  vision: TBD - ask the council")
    city_yaml.write_text(text.replace("  statement_of_need: TODO", "  statement_of_need: Hate incidents rose."))
    report = assess(project, "testville")
    assert "a vision" in section(report, "P4").missing
    assert "a statement of need" not in section(report, "P3").missing


def test_all_three_tiers_or_a_written_justification(new_city):
    project = new_city(stakeholders=STAKEHOLDERS, risk_landscape=RISK,
                       interventions=INTERVENTIONS.replace("police-dept", "police-department"))
    label = ("interventions in all three tiers (primary, secondary, tertiary), or a written justification in "
             "plan.tier_justification")
    assert label in section(assess(project, "testville"), "P8").missing
    city_yaml = project.cities_dir / "testville" / "city.yaml"
    city_yaml.write_text(city_yaml.read_text().replace(
        "  # tier_justification: Say why a prevention tier is not covered, if one is not.",
        "  tier_justification: The county runs the only exit program; we refer to it."))
    assert label not in section(assess(project, "testville"), "P8").missing


def test_meetings_at_least_quarterly(new_city):
    project = new_city()
    governance = project.cities_dir / "testville" / "governance.yaml"
    text = governance.read_text()
    for per_year, filled in ((2, False), (4, True)):
        governance.write_text(text.replace("    per_year:            # at least 4", f"    per_year: {per_year}"))
        missing = section(assess(project, "testville"), "C6").missing
        assert ("meetings at least four times a year (meetings.per_year)" not in missing) is filled


def test_review_date_after_adoption(new_city):
    project = new_city()
    city_yaml = project.cities_dir / "testville" / "city.yaml"
    text = city_yaml.read_text()
    text = text.replace("    date:                # YYYY-MM-DD, planned or actual", "    date: 2025-06-01")
    city_yaml.write_text(text
                         .replace("  next_review:           # YYYY-MM-DD, after the adoption date",
                                  "  next_review: 2025-01-01"))
    report = assess(project, "testville")
    assert "a next review date later than the adoption date" in section(report, "P1").missing
    assert any("plan.next_review: the next review (2025-01-01) comes before 2025-06-01" in m
               for m in messages(report))


RESOURCES = """\
include: [not-in-catalog]
resources:
  - id: youth-center
    name: Youth Center
    description: After-school programs.
    category: community-program
    last_verified: 2023-01-15
  - id: helpline
    name: Helpline
    description: A helpline.
    category: crisis-line
    url: https://example.org
    last_verified: 2025-06-01
"""


def test_resource_rules(new_city):
    report = assess(new_city(resources=RESOURCES), "testville", today=dt.date(2025, 12, 1))
    found = "\n".join(messages(report))
    assert "resources.yaml:1:11: include[0]: 'not-in-catalog' is not in the national catalog" in found
    assert "resources[0].id: 'youth-center' has neither a phone nor a web address" in found
    assert "warning: resources[0].last_verified: 'youth-center' was last verified on 2023-01-15, more than 12 " \
           "months ago" in found
    assert "'helpline' was last verified" not in found


def test_logo_must_be_a_picture_inside_the_city_folder(new_city):
    project = new_city()
    city_yaml = project.cities_dir / "testville" / "city.yaml"
    text = city_yaml.read_text()
    (project.cities_dir / "testville" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    for logo, problem in (("../../secret.svg", "is outside the city's folder"),
                          ("/etc/passwd", "is outside the city's folder"),
                          ("city.yaml", "is not an SVG, PNG or JPEG file"),
                          ("missing.png", "does not exist"),
                          ("logo.svg", None)):
        city_yaml.write_text(text.replace("  # logo: logo.svg       # a file inside this folder", f"  logo: {logo}"))
        found = [m for m in messages(assess(project, "testville")) if "city.logo" in m]
        assert found == ([] if problem is None else [found[0]]), logo
        if problem:
            assert problem in found[0]
