"""Every script a city writes prints, or check says where it won't (issue 12, item 1)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cityframe.checks import fonts
from cityframe.checks.report import assess
from conftest import CITYFRAME, REPO, require_executable, require_tool

CHINESE = "Chinese Students and Scholars Association (中国学生学者联合会)"
ARABIC = "الجمعية العربية الأمريكية"
VIETNAMESE = "Nguyễn Thị Minh Khai"
TIBETAN = "བོད་ཡིག"
STAKEHOLDERS = """\
stakeholders:
  - id: city-manager-office
    name: Office of the City Manager
    kind: local-government
    seat: chair
    contributes: [Chairs the group]
  - id: students
    name: "{name}"
    kind: civil-society
    seat: member
    contributes: [Community reach]
"""


def _stakeholder(new_city, name: str):
    return new_city(stakeholders=STAKEHOLDERS.format(name=name))


@pytest.mark.parametrize("text", [CHINESE, ARABIC, VIETNAMESE, "Привет", "Ελληνικά", "한국어 日本語", "Emoji 🤝 ❤️ 📞"])
def test_the_pilot_cities_scripts_and_emoji_are_covered(text: str) -> None:
    assert fonts.uncovered(text) == []


def test_characters_without_a_font_are_named_by_file_line_and_field(new_city) -> None:
    report = assess(_stakeholder(new_city, f"Tibetan Association ({TIBETAN})"), "testville")
    found = [str(f) for f in report.warnings if fonts.is_font_finding(f)]
    assert found == [
        "cities/testville/stakeholders.yaml:8:11: warning: stakeholders[1].name: 7 characters (Tibetan) have no "
        "font: they would print as boxes (བ U+0F56, ོ U+0F7C, ད U+0F51, ་ U+0F0B, ཡ U+0F61, ...) (the documents' "
        "fonts cover Latin (with Vietnamese), Greek, Cyrillic, Arabic, Chinese, Japanese, Korean and emoji up to "
        "Unicode 9; docs/fonts.md says how to add one)"]


def test_one_character_reads_in_the_singular(new_city) -> None:
    report = assess(_stakeholder(new_city, "Kagyu Center ཀ"), "testville")
    [found] = [str(f) for f in report.warnings if fonts.is_font_finding(f)]
    assert "stakeholders[1].name: 1 character (Tibetan) has no font: it would print as a box (ཀ U+0F40)" in found


def test_covered_scripts_give_no_warning(new_city) -> None:
    report = assess(_stakeholder(new_city, f"{CHINESE} {ARABIC} {VIETNAMESE}"), "testville")
    assert not [f for f in report.warnings if fonts.is_font_finding(f)]


def test_emoji_newer_than_the_emoji_font_are_named() -> None:
    assert fonts.script("\U0001fae8") == "emoji"  # shaking face, Unicode 15: newer than the emoji font
    assert fonts.uncovered("Hello \U0001fae8") == ["\U0001fae8"]


def test_build_strict_refuses_text_no_font_covers(new_city, tmp_path: Path) -> None:
    project = _stakeholder(new_city, f"Tibetan Association ({TIBETAN})")
    done = subprocess.run([*CITYFRAME, "build", "testville", "--project", str(project.root), "--strict",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "stakeholders.yaml:8:11: warning: stakeholders[1].name: 7 characters (Tibetan) have no font" in done.stdout
    assert "1 text(s) have characters no font covers (they would print as boxes) (nothing written)" in done.stdout
    assert not (tmp_path / "out").exists()


def test_check_reads_the_table_without_fonttools_or_weasyprint() -> None:
    code = ("import sys; from cityframe.checks.fonts import uncovered; assert uncovered('中') == []; "
            "bad = {'weasyprint', 'fontTools'} & {m.split('.')[0] for m in sys.modules}; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_font_stack_ends_with_the_families_the_table_covers() -> None:
    """The table is a union over families: it tells the truth only if every stack lists them all, in order."""
    from cityframe.render.charts import FONT

    table = json.loads(fonts.COVERAGE_FILE.read_text(encoding="utf-8"))
    fallbacks = table["fallbacks"]
    css = (REPO / "templates" / "cityframe.css").read_text(encoding="utf-8")
    stacks = [m[1] for m in re.finditer(r"(?<![-\w])font-family:\s*([^;}]+)", css)
              if not m[1].strip().startswith('"') or "," in m[1]]
    stacks.append(FONT)
    assert len(stacks) >= 5
    for stack in stacks:
        names = [name.strip().strip('"') for name in stack.split(",")]
        assert [n for n in names if n in fallbacks] == fallbacks, stack


def test_the_coverage_table_matches_the_fonts() -> None:
    pytest.importorskip("fontTools")
    cjk = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    symbola = Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf")
    require_tool(cjk.is_file() and symbola.is_file(), "Debian's fonts-noto-cjk and fonts-symbola")
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "gen-font-coverage"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_arabic_face_ships_with_its_licence() -> None:
    folder = REPO / "templates" / "fonts"
    assert (folder / "NotoSansArabic-Regular.ttf").is_file() and (folder / "NotoSansArabic-Bold.ttf").is_file()
    assert "NotoSansArabic-*.ttf" in (folder / "OFL.txt").read_text(encoding="utf-8")


def test_the_collector_gathers_notdef_warnings_into_one_line() -> None:
    import logging

    from cityframe.render.pdf import PRINTED_AS_BOXES, _Collector

    collector = _Collector()
    for char in "中国中":
        collector.emit(logging.LogRecord("weasyprint", logging.WARNING, __file__, 1,
                                         '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (%s)',
                                         (char, f"U+{ord(char):04X}"), None))
    [line] = collector.report()
    assert line.startswith(f"2 character(s) {PRINTED_AS_BOXES}, no font has them (中 U+4E2D, 国 U+56FD)")


def test_slow_chinese_arabic_and_vietnamese_names_print(scratch_project, tmp_path: Path) -> None:
    """The acceptance test: the characters are in the PDF's text and fonts, with no box, byte for byte the same."""
    pdftotext = require_executable("pdftotext")
    pdffonts = require_executable("pdffonts")
    require_tool(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").is_file(), "fonts-noto-cjk")
    project = scratch_project("athens")
    path = project.cities_dir / "athens" / "stakeholders.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("name: Athens City Council", f'name: "{CHINESE}"', 1)
    text = text.replace("name: Athens Community Relations Commission", f'name: "{VIETNAMESE} Center, {ARABIC} 🤝"', 1)
    path.write_text(text, encoding="utf-8")
    outputs = []
    for run in ("a", "b"):
        # --strict refuses a PDF with boxes; the internal edition, since Athens' open notes for editors would stop
        # a strict public build before any PDF is made.
        done = subprocess.run([*CITYFRAME, "build", "athens", "--project", str(project.root), "--format", "pdf",
                               "--strict", "--edition", "internal", "--out", str(tmp_path / run)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "boxes" not in done.stdout + done.stderr and "notdef" not in done.stdout + done.stderr
        outputs.append(tmp_path / run / "athens" / "governance-charter-internal.pdf")
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    words = subprocess.run([pdftotext, str(outputs[0]), "-"], capture_output=True, text=True, check=True).stdout
    assert "中国学生学者联合会" in words.replace("\n", "") and VIETNAMESE in words
    assert "العربية" in words or "ﺔﻴﺑﺮﻌﻟا" in words or "العربية"[::-1] in words
    listed = subprocess.run([pdffonts, str(outputs[0])], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-SC" in listed and "Noto-Sans-Arabic" in listed and "Symbola" in listed
    # Subset, not whole: the CJK font alone is 19 MB.
    assert outputs[0].stat().st_size < 400_000
    shutil.rmtree(tmp_path / "b")
