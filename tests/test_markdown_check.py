"""check warns, at the line, about Markdown that renders otherwise than written or links a reader cannot use."""

from __future__ import annotations

from cityframe.checks.report import assess

FOREWORD = """\
  foreword: |
    Our steps:

    1. Listen to residents.
    2. Train bystanders:
      - at the university
      - downtown
    3. Report back. Read the plan [here](https://example.org/plan) or
    [write to us](mailto:team@example.org?subject=Plan&cc=boss@example.org&body=hi).

"""


def _markdown_warnings(project):
    """The Markdown warnings of athens (its open notes for editors are warnings too, and not these tests')."""
    report = assess(project, "athens")
    assert not report.errors, report.errors
    return [str(f) for f in report.warnings if "note for editors" not in f.message]


def test_the_pilot_cities_have_no_markdown_warnings(repo_project) -> None:
    from cityframe.checks.markdown import markdown_findings

    for slug in ("athens", "stamford"):
        report = assess(repo_project, slug)
        assert report.city is not None and not report.errors
        assert list(markdown_findings(report.city)) == []


def test_sub_list_indented_too_little_vague_link_text_and_mailto_fields(scratch_project) -> None:
    project = scratch_project("athens")
    path = project.cities_dir / "athens" / "city.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  foreword: |\n", FOREWORD, 1), encoding="utf-8")
    line = text.split("\n").index("  foreword: |") + 1
    assert _markdown_warnings(project) == [
        f"cities/athens/city.yaml:{line + 5}:7: warning: plan.foreword: the list item '- at the university' is "
        "indented 2 space(s), too few to belong to item '2.' above it: it ends that list, and the items after it "
        "start a new one; indent it by 3 spaces (indent the sub-list as far as the text of the item it belongs to)",
        f"cities/athens/city.yaml:{line + 7}:35: warning: plan.foreword: the link text 'here' does not say where "
        "the link goes (WCAG 2.4.4) (name what the reader finds there, e.g. [the 2024 hate crime report]"
        "(https://...))",
        f"cities/athens/city.yaml:{line + 8}:5: warning: plan.foreword: the mailto: link to team@example.org "
        "carries cc, body: only the address and a subject are kept (remove them from the link)",
    ]


def test_a_sub_list_indented_enough_and_plain_lists_are_fine(scratch_project) -> None:
    project = scratch_project("athens")
    path = project.cities_dir / "athens" / "city.yaml"
    text = path.read_text(encoding="utf-8")
    good = ("  foreword: |\n    1. Listen.\n    2. Train:\n       - at the university\n    3. Report back to the "
            "[steering group](https://example.org/group).\n\n    - one\n    - two\n\n")
    path.write_text(text.replace("  foreword: |\n", good, 1), encoding="utf-8")
    assert _markdown_warnings(project) == []
