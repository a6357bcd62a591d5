"""What a city types is what its documents say: text kept as written, contacts checked and written one way."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cityframe.data.load import load_city
from cityframe.data.project import Project
from cityframe.errors import DataError
from conftest import CITYFRAME

VALID = Path(__file__).parent / "bad_inputs" / "_valid-city"


def valid_city(tmp_path: Path, **edits: list[tuple[str, str]]) -> Project:
    """A copy of the valid test city as ``fuzzville``, with (old, new) text replacements per file."""
    root = tmp_path / "project"
    shutil.copytree(VALID, root / "cities" / "fuzzville")
    for name, pairs in edits.items():
        path = root / "cities" / "fuzzville" / f"{name.replace('_', '-')}.yaml"
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, (name, old)
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")
    return Project(root)


def build_html(project: Project, edition: str = "public") -> dict[str, str]:
    out = project.root / "out"
    done = subprocess.run([*CITYFRAME, "build", "fuzzville", "--project", str(project.root), "--out", str(out),
                           "--format", "html", "--edition", edition], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return {p.name: p.read_text(encoding="utf-8") for p in (out / "fuzzville").glob("*.html")}


def findings(project: Project) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_city(project, "fuzzville")
    return [str(f) for f in caught.value.findings]


# --- issue 11 item 1: text kept as written -------------------------------------------------------------------


def test_text_fields_keep_the_characters_written(tmp_path: Path) -> None:
    project = valid_city(
        tmp_path,
        city=[('version: "1.0"', "version: 1.10"), ('baseline: "31% (2024 survey)"', "baseline: 1:30")],
        governance=[("reference: Resolution 2025-12", "reference: 0417")],
        resources=[('phones: [{number: "785-555-0100", type: voice}]',
                    'phones: [{number: "785-555-0100", type: voice}]\n    location_type: physical\n'
                    "    address: {address_1: 1 Main St, city: Fuzzville, state_province: KS, postal_code: 02142}\n"
                    "    cost: 1e3\n    hours: +1")])
    city = load_city(project, "fuzzville")
    assert city.profile.plan.version == "1.10"
    assert city.governance.steering_group.authority.reference == "0417"
    assert city.profile.plan.goals[0].objectives[0].baseline == "1:30"
    local = city.resources.resources[0]
    assert local.address is not None and local.address.postal_code == "02142"
    assert (local.cost, local.hours) == ("1e3", "+1")
    pages = "\n".join(build_html(project).values())
    for written in ("1.10", "0417", "1:30", "02142", "1e3"):
        assert written in pages, written
    for changed in (">271", ">90<", "1122", "1000.0"):
        assert changed not in pages, changed


def test_number_fields_refuse_numbers_yaml_reads_differently(tmp_path: Path) -> None:
    project = valid_city(tmp_path, city=[("population: 23849", "population: 0x1F")],
                         governance=[("per_year: 4", "per_year: on")])
    found = findings(project)
    assert any("city.population: '0x1F' is read by YAML as the hexadecimal number 31 (write it in ordinary "
               "digits: 31)" in f for f in found), found
    assert any("per_year: 'on' is read by YAML as true/false, not as a number" in f for f in found), found


def test_the_national_catalog_keeps_text_as_written() -> None:
    from cityframe.data.load import load_catalog

    catalog, problems = load_catalog()
    assert not problems
    assert catalog["crisis-text-line"].phones[0].number == "741741"


# --- issue 11 item 2: phones checked, written one way, dialable ---------------------------------------------------


def test_phones_are_written_one_way_and_dial_with_their_extension(tmp_path: Path) -> None:
    project = valid_city(
        tmp_path,
        resources=[('phones: [{number: "785-555-0100", type: voice}]',
                    'phones:\n'
                    '      - {number: "740.555.0123 ext 9", type: voice}\n'
                    '      - {number: "785 555 0100", extension: "12", type: fax}\n'
                    '      - {number: "1-844-924-BIAS", type: voice}\n'
                    '      - {number: "+44 20 7946 0958", type: voice}\n'
                    '      - {number: "741741", type: text, keyword: HOME}\n'
                    '      - {number: "211", type: voice}\n'
                    '      - {number: "(740) 555-0199", type: textphone}')])
    page = build_html(project)["resource-directory.html"]
    assert 'Call <a href="tel:+17405550123;ext=9">(740) 555-0123, ext. 9</a>' in page
    assert 'Fax <a href="tel:+17855550100;ext=12">(785) 555-0100, ext. 12</a>' in page
    assert 'Call <a href="tel:+18449242427">1-844-924-BIAS</a>' in page
    assert 'Call <a href="tel:+442079460958">+44 20 7946 0958</a>' in page
    assert 'Text <strong>HOME</strong> to <a href="sms:741741?body=HOME">741741</a>' in page
    assert 'Call <a href="tel:211">211</a>' in page
    assert 'TTY <a href="tel:+17405550199">(740) 555-0199</a>' in page


def test_every_phone_link_of_the_pilot_cities_parses(repo_project: Project) -> None:
    import re

    import phonenumbers

    from cityframe.data.contacts import parse_phone

    for slug in repo_project.city_slugs():
        city = load_city(repo_project, slug)
        for resource in city.all_resources():
            for phone in resource.phones:
                dial = parse_phone(phone.number, phone.extension)
                if not dial.short:
                    parsed = phonenumbers.parse(dial.href.removeprefix("tel:").replace(";ext=", " ext. "))
                    assert phonenumbers.is_valid_number(parsed), (slug, phone.number)
                assert re.fullmatch(r"tel:(\+\d{8,15}(;ext=\d+)?|\d{3,6})", dial.href), dial.href


@pytest.mark.parametrize(("number", "words"), [
    ("see website", "'see website' is not a phone number"),
    ("call the front desk", "'call the front desk' is not a phone number"),
    ("555-0100", "'555-0100' has too few digits for a US phone number"),
    ("(123) 555-0100", "'(123) 555-0100' is not a US phone number that can be dialed"),
])
def test_a_phone_that_cannot_be_dialed_is_a_located_error_with_an_example(tmp_path: Path, number: str,
                                                                          words: str) -> None:
    project = valid_city(tmp_path, resources=[('number: "785-555-0100"', f'number: "{number}"')])
    (found,) = findings(project)
    assert found.startswith("cities/fuzzville/resources.yaml:9:23: resources[0].phones[0].number: " + words), found
    assert '"(740) 555-0123"' in found


# --- issue 11 item 3, issue 13 item 5: web and email addresses, state codes ---------------------------------------


def test_a_web_address_without_https_offers_it(tmp_path: Path) -> None:
    project = valid_city(tmp_path, resources=[("url: https://fuzzville.example/report", "url: www.example.org")])
    (found,) = findings(project)
    assert found == ("cities/fuzzville/resources.yaml:10:10: resources[0].url: the web address 'www.example.org' has "
                     "no https:// at the start (write https://www.example.org)")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example.org/x", "data:text/html,hi",
                                 "mailto:info@example.org"])
def test_only_web_links_are_taken_as_web_addresses(tmp_path: Path, url: str) -> None:
    project = valid_city(tmp_path, resources=[("url: https://fuzzville.example/report", f'url: "{url}"')])
    (found,) = findings(project)
    assert "resources[0].url:" in found


@pytest.mark.parametrize("email", ["help@example.org?subject=hi", "a@example.org&cc=b@example.org",
                                   "mailto:help@example.org", "help@example", "two@example.org, three@example.org"])
def test_an_email_field_holds_one_address_only(tmp_path: Path, email: str) -> None:
    project = valid_city(tmp_path, resources=[("url: https://fuzzville.example/report",
                                               f'url: https://fuzzville.example/report\n    email: "{email}"')])
    (found,) = findings(project)
    assert "resources[0].email:" in found


def test_deceptive_web_addresses_are_warnings(tmp_path: Path) -> None:
    from cityframe.checks.rules import check_city

    project = valid_city(tmp_path, resources=[
        ("url: https://fuzzville.example/youth", "url: https://fuzzville.example@evil.example/youth"),
        ("url: https://fuzzville.example/grants", "url: https://fuzzvіlle.example/grants")])  # Cyrillic i
    warnings = [str(f) for f in check_city(load_city(project, "fuzzville")) if f.severity == "warning"]
    assert any("warning: resources[1].url: the web address 'https://fuzzville.example@evil.example/youth' has a "
               "user name before '@': the site it opens is 'evil.example'" in w for w in warnings), warnings
    assert any("not plain ASCII in its site name" in w for w in warnings), warnings


@pytest.mark.parametrize("state", ["XX", "oh", "Ohio"])
def test_a_state_code_must_be_a_usps_code(tmp_path: Path, state: str) -> None:
    project = valid_city(tmp_path, city=[("state: KS", f"state: {state}")])
    (found,) = findings(project)
    assert "city.state:" in found and f"'{state}'" in found


def test_new_refuses_a_state_that_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "cities").mkdir()
    done = subprocess.run([*CITYFRAME, "new", "springfield", "--name", "Springfield", "--state", "XX", "--project",
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "'XX' is not a US state code" in done.stdout + done.stderr
    assert not (tmp_path / "cities" / "springfield").exists()
    for state in ("DC", "PR", "GU"):
        done = subprocess.run([*CITYFRAME, "new", f"town-{state.lower()}", "--name", "Town", "--state", state,
                               "--project", str(tmp_path)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


# --- issue 11 item 5: verification dates mean what they say ----------------------------------------------------


def test_a_last_verified_date_in_the_future_is_an_error(tmp_path: Path) -> None:
    import datetime as dt

    from cityframe.checks.rules import check_city

    project = valid_city(tmp_path, resources=[("last_verified: 2026-11-01", "last_verified: 2031-01-01")])
    found = [str(f) for f in check_city(load_city(project, "fuzzville"), today=dt.date(2026, 11, 30))
             if f.severity == "error"]
    assert found == ["cities/fuzzville/resources.yaml:11:20: resources[0].last_verified: 'local-hotline' says it "
                     "was verified on 2031-01-01, which is in the future (today is 2026-11-30) (write the day the "
                     "details were actually checked, today or earlier)"]


def test_the_directory_says_how_each_entry_was_verified(tmp_path: Path) -> None:
    import datetime as dt

    from cityframe.checks.rules import check_city

    project = valid_city(tmp_path, resources=[
        ("verification: checked-against-source", "verification: confirmed-with-provider"),
        ("verification: checked-against-source", "source: {title: Youth center, url: "
         "'https://www.fuzzville.example/youth/about'}\n    verification: checked-against-source"),
        ("grants\n    last_verified: 2026-11-01\n    verification: checked-against-source\n",
         "grants\n    last_verified: 2026-11-01\n")])
    warnings = [str(f) for f in check_city(load_city(project, "fuzzville"), today=dt.date(2026, 11, 30))]
    assert any("'community-grants' does not say how it was verified on 2026-11-01" in w for w in warnings), warnings
    page = build_html(project)["resource-directory.html"]
    assert "Confirmed with the provider on November 1, 2026" in page
    assert "Details checked against the provider&#39;s website on November 1, 2026" in page
    # No published source and no word of how it was checked: residents are told it is unverified.
    assert "Unverified: no published source is cited for these details." in page
    assert "Details checked against the published source on" in page  # the included national entries
    assert "Last verified" not in page


# --- issue 11 item 6: suggestions that help, not mislead ---------------------------------------------------------


def _errors(project: Project) -> list[str]:
    import datetime as dt

    from cityframe.checks.rules import check_city

    return [str(f) for f in check_city(load_city(project, "fuzzville"), today=dt.date(2026, 11, 30))
            if f.severity == "error"]


def test_a_missing_id_is_not_matched_to_a_different_real_service(tmp_path: Path) -> None:
    project = valid_city(tmp_path, interventions=[("resources: [local-hotline]", "resources: [state-bias-hotline]")])
    assert _errors(project) == [
        "cities/fuzzville/interventions.yaml:11:17: interventions[0].resources[0]: 'state-bias-hotline' is not a "
        "resource id (add a resource with id: state-bias-hotline to resources.yaml, or run 'cityframe catalog' to "
        "find a national one and list its id under include:)"]


def test_a_typo_in_a_reference_is_suggested(tmp_path: Path) -> None:
    project = valid_city(tmp_path, interventions=[("partners: [interfaith-council]", "partners: [interfaith-councl]")])
    assert _errors(project) == [
        "cities/fuzzville/interventions.yaml:10:16: interventions[0].partners[0]: 'interfaith-councl' is not a "
        "stakeholder id; did you mean 'interfaith-council'?"]


def test_a_renamed_id_is_one_finding_at_its_definition(tmp_path: Path) -> None:
    project = valid_city(tmp_path, stakeholders=[("- id: community-safety", "- id: comunity-safety")])
    assert _errors(project) == [
        "cities/fuzzville/stakeholders.yaml:13:9: stakeholders[1].id: 'comunity-safety' (line 13) is used nowhere, "
        "while 5 references name 'community-safety' (if they mean the same stakeholder, correct the id here to "
        "'community-safety')"]


def test_percent_encoded_format_characters_are_never_decoded_into_link_text() -> None:
    from cityframe.render.markup import readable_url

    assert readable_url("https://example.org/%E2%80%AEfdp.exe") == "example.org/%E2%80%AEfdp.exe"
    assert readable_url("https://example.org/%00x") == "example.org/%00x"
    assert readable_url("https://www.example.org/caf%C3%A9/") == "example.org/café"


def test_every_phone_link_in_the_golden_pages_dials() -> None:
    import re

    import phonenumbers

    golden = Path(__file__).parent / "golden" / "athens"
    links = [href for page in golden.glob("*.html")
             for href in re.findall(r'href="((?:tel|sms):[^"]*)"', page.read_text(encoding="utf-8"))]
    assert len(links) > 20
    for href in links:
        target = re.sub(r"^(tel|sms):", "", href).split("?")[0]
        number, _, extension = target.partition(";ext=")
        assert extension == "" or extension.isdigit(), href
        if number.startswith("+"):
            assert phonenumbers.is_valid_number(phonenumbers.parse(number)), href
        else:
            assert phonenumbers.is_valid_short_number_for_region(phonenumbers.parse(number, "US"), "US"), href
