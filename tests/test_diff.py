"""`cityframe diff`: a semantic diff of a city between two git revisions, in real repositories made in tmp_path."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import CITYFRAME
from git_helpers import commit, edit, git, init_repo

NEW_STAKEHOLDER = """stakeholders:
  - id: athens-neighborhood-council
    name: Athens Neighborhood Council
    kind: civil-society
    sector: Neighborhood associations
    seat: member
    contributes: [Brings neighborhood concerns to the Leadership Group]
    description: An illustrative neighborhood body for this test.
    illustrative: true

"""


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CITYFRAME, *args], cwd=root, capture_output=True, text=True, timeout=120)


@pytest.fixture
def athens_two_commits(tmp_path: Path) -> Path:
    """Athens, then a second commit: a stakeholder added, an intervention's status changed, an objective's target
    changed and a section (P2, the foreword) emptied."""
    root = init_repo(tmp_path / "repo", "athens")
    city = root / "cities" / "athens"
    edit(city / "stakeholders.yaml", "stakeholders:\n", NEW_STAKEHOLDER)
    edit(city / "interventions.yaml", "    status: planned\n", "    status: active\n")  # report-hate-athens
    edit(city / "city.yaml", "target: 60% of respondents, and at least 50% in every age group surveyed",
         "target: 70% of respondents")
    text = (city / "city.yaml").read_text(encoding="utf-8")
    start = text.index("  foreword: |\n")
    end = text.index("  key_commitments:")
    (city / "city.yaml").write_text(text[:start] + "  foreword: TODO\n" + text[end:], encoding="utf-8")
    commit(root, "second", date="2027-03-01")
    return root


def test_diff_names_each_change_between_two_commits(athens_two_commits: Path) -> None:
    done = run(athens_two_commits, "diff", "HEAD~1", "HEAD", "athens")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "stakeholder 'athens-neighborhood-council' (Athens Neighborhood Council) added" in out
    assert ("intervention 'report-hate-athens' (Report Hate Athens - one front door for bias incidents): "
            "status planned -> active") in out
    assert ("objective 'reporting-awareness' (Raise awareness of how to report a bias incident.): target 60% of "
            "respondents, and at least 50% in every age group surveyed -> 70% of respondents") in out
    assert "section 'P2' (Foreword and executive summary): Prevention Plan complete -> incomplete" in out
    assert "does not validate" not in out
    # Nothing else changed: four changes, one line each.
    assert len([line for line in out.splitlines() if line.startswith("  ")]) == 4


def test_diff_markdown_is_a_table_fit_for_a_pull_request(athens_two_commits: Path) -> None:
    done = run(athens_two_commits, "diff", "HEAD~1", "HEAD", "athens", "--format", "markdown")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("### Athens: changes from HEAD~1 (")
    header = lines.index("| Area | Id | Change | Before | After |")
    assert lines[header + 1] == "|---|---|---|---|---|"
    rows = [line for line in lines[header + 2:] if line.startswith("|")]
    assert len(rows) == 4 and all(row.count(" | ") == 4 for row in rows)
    assert "| Stakeholders | `athens-neighborhood-council` Athens Neighborhood Council | added |  |  |" in rows
    assert any(row.startswith("| Interventions | `report-hate-athens`") and "| status | planned | active |" in row
               for row in rows)
    assert any(row.startswith("| Required sections | `P2`") and "| complete | incomplete |" in row for row in rows)


def test_diff_json_parses_and_holds_the_changes(athens_two_commits: Path) -> None:
    done = run(athens_two_commits, "diff", "HEAD~1", "HEAD", "--format", "json")
    payload = json.loads(done.stdout)
    assert payload["format_version"] == 1
    [city] = payload["cities"]
    assert city["slug"] == "athens" and city["to"]["revision"] == "HEAD" and city["from"]["valid"] is True
    kinds = {(c["kind"], c["id"], c["action"], c["field"]) for c in city["changes"]}
    assert kinds == {("stakeholder", "athens-neighborhood-council", "added", None),
                     ("intervention", "report-hate-athens", "changed", "status"),
                     ("objective", "reporting-awareness", "changed", "target"),
                     ("section", "P2", "changed", "Prevention Plan")}


def test_diff_defaults_last_tag_else_adoption_else_first_commit_against_the_working_tree(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", "athens")
    city = root / "cities" / "athens"
    edit(city / "city.yaml", 'version: "0.9"', 'version: "1.0"')
    commit(root, "version 1.0")
    edit(city / "city.yaml", "  status: draft\n", "  status: adopted\n")
    adopted = commit(root, "adopted")
    edit(city / "city.yaml", 'version: "1.0"', 'version: "1.1"')
    commit(root, "version 1.1")
    edit(city / "city.yaml", 'version: "1.1"', 'version: "1.2"')  # uncommitted: the working tree

    # No tag: from the commit where the plan became adopted to the working tree.
    out = run(root, "diff", "athens").stdout
    assert out.splitlines()[0] == (f"Athens (athens): {git(root, 'rev-parse', '--short', adopted)} (the commit where "
                                   "plan.status became adopted) -> working tree")
    assert "plan 'plan': version 1.0 -> 1.2" in out

    # A tag wins.
    git(root, "tag", "v1.1")
    out = run(root, "diff").stdout
    assert out.splitlines()[0].startswith("Athens (athens): v1.1 (")
    assert "the last tag, v1.1) -> working tree" in out.splitlines()[0]
    assert "plan 'plan': version 1.1 -> 1.2" in out

    # One revision: from it to the working tree.
    out = run(root, "diff", "HEAD~2", "athens").stdout
    assert "plan 'plan': version 1.0 -> 1.2" in out and "status draft -> adopted" in out


def test_diff_without_tag_or_adoption_starts_at_the_first_commit(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", "athens")
    first = git(root, "rev-parse", "--short", "HEAD")
    edit(root / "cities" / "athens" / "city.yaml", 'version: "0.9"', 'version: "1.0"')
    commit(root, "bump")
    out = run(root, "diff").stdout
    assert out.splitlines()[0] == (f"Athens (athens): {first} (the first commit of cities/athens) -> working tree")
    assert "plan 'plan': version 0.9 -> 1.0" in out


def test_diff_outside_git_or_with_an_unknown_revision_is_a_usage_error(tmp_path: Path) -> None:
    plain = init_repo(tmp_path / "repo", "athens")
    done = run(plain, "diff", "no-such-tag", "athens")
    assert done.returncode == 2
    assert "error: 'no-such-tag' is not a revision of" in done.stderr
    assert "Traceback" not in done.stderr
    done = run(plain, "diff", "HEAD~1", "HEAD~2", "HEAD", "athens")
    assert done.returncode == 2 and "at most two revisions" in done.stderr

    outside = tmp_path / "outside"
    (outside / "cities").mkdir(parents=True)
    (plain / "cities" / "athens").rename(outside / "cities" / "athens")
    done = run(outside, "diff", "athens")
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {outside} is not in a git repository")


def test_diff_of_an_invalid_revision_goes_as_far_as_it_loads_and_lists_its_errors(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", "athens")
    city = root / "cities" / "athens"
    edit(city / "interventions.yaml", "    status: planned\n", "    status: ongoing\n")  # not an allowed status
    edit(city / "stakeholders.yaml", "stakeholders:\n", NEW_STAKEHOLDER)
    commit(root, "broken")
    done = run(root, "diff", "HEAD~1", "HEAD", "athens")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "HEAD (" in out and "does not validate (1 error(s)); it is compared as far as its files read:" in out
    assert "    cities/athens/interventions.yaml:" in out and "interventions[0].status: 'ongoing'" in out
    assert "stakeholder 'athens-neighborhood-council' (Athens Neighborhood Council) added" in out
    assert "status planned -> ongoing" in out
    # Sections are only compared when both sides load.
    assert "section '" not in out


def test_a_renamed_id_is_one_removal_and_one_addition_said_once(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", "athens")
    city = root / "cities" / "athens"
    for file in ("stakeholders.yaml", "interventions.yaml", "governance.yaml", "city.yaml", "resources.yaml"):
        text = (city / file).read_text(encoding="utf-8")
        (city / file).write_text(text.replace("athens-mayors-office", "athens-mayor"), encoding="utf-8")
    assert "lead: athens-mayor\n" in (city / "interventions.yaml").read_text(encoding="utf-8")
    commit(root, "rename")
    done = run(root, "diff", "HEAD~1", "HEAD", "athens")
    assert "does not validate" not in done.stdout
    changes = [line.strip() for line in done.stdout.splitlines() if line.startswith("  ")]
    assert changes == ["stakeholder 'athens-mayor' (Office of the Mayor, City of Athens) added",
                       "stakeholder 'athens-mayors-office' (Office of the Mayor, City of Athens) removed"]


def test_diff_follows_seats_threats_milestones_budgets_and_resources(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", "athens")
    city = root / "cities" / "athens"
    edit(city / "stakeholders.yaml", "    seat: advisor\n", "    seat: member\n")  # prism-youth-program
    edit(city / "risk-landscape.yaml", "    likelihood: 4\n    impact: 3\n", "    likelihood: 5\n    impact: 3\n")
    edit(city / "interventions.yaml", "{date: 2027-06-30, description: Form and intake procedure approved",
         "{date: 2027-08-15, description: Form and intake procedure approved")
    edit(city / "interventions.yaml", "budget: {amount: 12000,", "budget: {amount: 15000,")
    text = (city / "resources.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: ahv-317-board")
    (city / "resources.yaml").write_text(text[:start].rstrip() + "\n", encoding="utf-8")
    commit(root, "review")
    out = run(root, "diff", "HEAD~1", "HEAD", "athens").stdout
    assert "stakeholder 'prism-youth-program' (PRISM LGBTQ+ Youth Art Program (City of Athens)): seat advisor -> " \
           "member" in out
    assert "threat 'white-supremacist-propaganda' (White-supremacist propaganda and recruitment): likelihood 4 -> 5" \
           in out
    assert ("milestone 'report-hate-athens': milestone 'Form and intake procedure approved by the City's legal "
            "counsel' moved 2027-06-30 -> 2027-08-15") in out
    assert "intervention 'report-hate-athens': budget amount: 12000" in out and "-> amount: 15000" in out
    assert "resource 'ahv-317-board'" in out and "removed" in out
