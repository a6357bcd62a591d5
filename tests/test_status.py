"""`cityframe status`: where every city stands, from real git repositories; the HTML page passes axe-core."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import CITYFRAME
from git_helpers import commit, edit, init_repo
from test_accessibility import VIEWPORTS, axe, browser, describe, run_axe  # noqa: F401 - fixtures

TODAY = "2028-04-01"


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run([*CITYFRAME, *args], cwd=root, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture
def two_cities(tmp_path: Path) -> Path:
    """Athens and Stamford committed on 2027-01-15; Athens changed again on 2028-03-02."""
    root = init_repo(tmp_path / "repo", "athens", "stamford")
    athens = root / "cities" / "athens"
    edit(athens / "interventions.yaml", "    status: planned\n", "    status: active\n")  # report-hate-athens
    edit(athens / "interventions.yaml", "    status: planned\n", "    status: done\n")  # upstander-training
    commit(root, "athens: two interventions under way", date="2028-03-02")
    return root


def test_status_json_says_where_each_city_stands(two_cities: Path) -> None:
    done = run(two_cities, "status", "--all", "--format", "json", "--today", TODAY)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["format_version"] == 1 and payload["today"] == TODAY
    athens, stamford = payload["cities"]
    assert athens["slug"] == "athens" and athens["valid"] and athens["complete"] and athens["completeness"] == 100
    assert [d["completeness"] for d in athens["documents"]] == [100, 100, 100]
    assert athens["interventions"] == {"planned": 8, "active": 1, "done": 1}
    assert athens["last_changed"] == "2028-03-02" and athens["days_since_change"] == 30
    assert stamford["last_changed"] == "2027-01-15" and stamford["days_since_change"] == 442
    assert athens["next_review"] == "2028-03-15" and athens["review_passed"] is True
    assert stamford["next_review"] == "2028-06-05" and stamford["review_passed"] is False
    assert athens["plan"] == {"version": "0.9", "status": "draft"}
    # Overdue: past milestones of interventions not done; upstander-training is done, so its milestone is not.
    overdue = {(m["intervention"], m["date"]) for m in athens["overdue_milestones"]}
    assert ("report-hate-athens", "2027-06-30") in overdue
    assert not any(i == "upstander-training" for i, _ in overdue)
    assert all(m["date"] < TODAY for m in athens["overdue_milestones"])
    assert ("report-hate-athens", "2028-03-31") in overdue and ("report-hate-athens", "2030-03-31") not in overdue


def test_uncommitted_changes_and_a_folder_outside_git(two_cities: Path, tmp_path: Path) -> None:
    edit(two_cities / "cities" / "stamford" / "city.yaml", "  status: draft\n", "  status: draft # under review\n")
    payload = json.loads(run(two_cities, "status", "--format", "json", "--today", TODAY).stdout)
    stamford = payload["cities"][1]
    assert stamford["uncommitted_changes"] is True and stamford["days_since_change"] == 0

    outside = tmp_path / "plain"
    (outside / "cities").mkdir(parents=True)
    (two_cities / "cities" / "athens").rename(outside / "cities" / "athens")
    [athens] = json.loads(run(outside, "status", "--format", "json", "--today", TODAY).stdout)["cities"]
    assert athens["in_git"] is False and athens["last_changed"] is None and athens["days_since_change"] is None
    text = run(outside, "status", "--today", TODAY).stdout
    assert "not in git" in text


def test_status_text_is_a_table_and_today_is_checked(two_cities: Path) -> None:
    done = run(two_cities, "status", "--today", TODAY)
    assert done.returncode == 0
    assert "│ athens " in done.stdout and "30 days ago" in done.stdout
    assert "2028-03-15 (passed)" in done.stdout and "1 active" in done.stdout
    assert "athens: overdue since 2027-06-30: " in done.stdout
    bad = run(two_cities, "status", "--today", "April 1")
    assert bad.returncode == 2 and "--today April 1 is not a date" in bad.stderr


def test_status_of_an_invalid_city_says_so(two_cities: Path) -> None:
    (two_cities / "cities" / "athens" / "governance.yaml").write_text("steering_group: [\n", encoding="utf-8")
    [athens] = json.loads(run(two_cities, "status", "athens", "--format", "json").stdout)["cities"]
    assert athens["valid"] is False and athens["loaded"] is False and athens["errors"] == 1
    assert athens["documents"] == [] and athens["plan"] is None


def test_status_html_is_written_whole_and_is_the_same_for_the_same_day(two_cities: Path) -> None:
    out = two_cities / "build" / "status.html"
    done = run(two_cities, "status", "--all", "--format", "html", "--out", "build/status.html", "--today", TODAY)
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">") and "<script" not in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2 and html.count('role="img"') == 2
    assert "<desc id=\"chart-1-desc\">Prevention Plan: 100% of required sections filled in;" in html
    assert not list(out.parent.glob(".status.html.*"))  # no temporary file left behind
    again = run(two_cities, "status", "--all", "--format", "html", "--today", TODAY).stdout
    assert again == html


def test_slow_status_html_passes_axe(two_cities: Path, browser: Any, axe: Path) -> None:  # noqa: F811
    (two_cities / "cities" / "stamford" / "governance.yaml").write_text("steering_group: [\n", encoding="utf-8")
    done = run(two_cities, "status", "--all", "--format", "html", "--out", "build/status.html", "--today", TODAY)
    assert done.returncode == 0, done.stderr
    for viewport in sorted(VIEWPORTS):
        result, live = run_axe(browser, axe, two_cities / "build" / "status.html", VIEWPORTS[viewport])
        assert not result["violations"], describe(result["violations"])
        assert not live and result["passes"]
