"""Property-based fuzzing of the reader and of ``cityframe check``: whatever city staff type, they get findings.

Three kinds of input: YAML documents generated from random data, YAML-looking text, and mutations of a valid,
complete city (lines deleted, duplicated, swapped or re-indented, values replaced by other types, random bytes
and Unicode inserted, the file cut short). For each: nothing but cityframe's own errors reaches the user, the
CLI never exits 3 (an internal error), and every finding names a file and a line >= 1 (a missing file has none).

The runs are derandomized and keep no example database, so CI sees the same examples on every run; the whole
module takes well under a minute.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cityframe.cli import app
from cityframe.data.load import validate_file
from cityframe.data.models import FILE_MODELS
from cityframe.data.sources import YamlError, read_yaml
from conftest import REPO

BASE_CITY = Path(__file__).parent / "bad_inputs" / "_valid-city"
FILES = tuple(FILE_MODELS)
SLUG = "fuzzville"

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=300,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
FUZZ_CLI = settings(FUZZ, max_examples=250)
FUZZ_PILOT = settings(FUZZ, max_examples=40)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project holding a copy of the valid city; each example rewrites one of its files, then restores it."""
    root = tmp_path_factory.mktemp("fuzz") / "project"
    shutil.copytree(BASE_CITY, root / "cities" / SLUG)
    return root


@pytest.fixture(scope="module")
def originals() -> dict[str, bytes]:
    return {file: (BASE_CITY / file).read_bytes() for file in FILES}


def test_the_base_city_is_valid_and_complete(project: Path) -> None:
    result = CliRunner().invoke(app, ["check", SLUG, "--project", str(project), "--strict"])
    assert result.exit_code == 0, result.output


def assert_findings_are_located(findings: list[dict], *, folder: str) -> None:
    for finding in findings:
        assert finding["file"], finding
        assert finding["file"].startswith((folder, "cityframe/catalog/")), finding
        if finding["message"].startswith("the file is missing"):
            continue
        assert finding["line"] >= 1 and finding["col"] >= 1, finding
        assert finding["message"].strip(), finding
        assert "Traceback" not in finding["message"]


def check_cli(project: Path, file: str, content: bytes) -> None:
    """Write ``content`` as the city's ``file``, run ``check`` in both formats and assert the properties."""
    target = project / "cities" / SLUG / file
    target.write_bytes(content)
    runner = CliRunner()
    result = runner.invoke(app, ["check", SLUG, "--project", str(project), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    report = json.loads(result.stdout)["cities"][0]
    assert_findings_are_located(report["errors"] + report["warnings"], folder=f"cities/{SLUG}/")
    text = runner.invoke(app, ["check", SLUG, "--project", str(project)])
    assert text.exit_code == result.exit_code, text.output
    assert "internal error" not in text.output and "Traceback" not in text.output, text.output


def check_mutated(project: Path, files: dict[str, bytes], mutations: list) -> None:
    """Apply the mutations to the city's files (those it has), check each changed file, then restore them all."""
    changed = dict(files)
    for kind, file, at, other, extra in mutations:
        if file in changed:
            changed[file] = mutate(changed[file], kind, at, other, extra)
    try:
        for file, content in changed.items():
            if content != files[file]:
                check_cli(project, file, content)
    finally:
        for file, content in files.items():
            (project / "cities" / SLUG / file).write_bytes(content)


def read_and_validate(path: Path, file: str, content: bytes) -> None:
    """The library path of ``check``: only a :class:`YamlError` may escape, and findings are located."""
    path.write_bytes(content)
    try:
        source = read_yaml(path, file)
    except YamlError as error:
        finding = error.finding
        assert finding.file == file and finding.line >= 1 and finding.col >= 1, finding
        return
    _, findings = validate_file(source, FILE_MODELS[file])
    for finding in findings:
        assert finding.file == file and finding.line >= 1 and finding.col >= 1, finding


# --- generated YAML documents ---------------------------------------------------------------------------------

FIELD_NAMES = sorted({name for model in FILE_MODELS.values() for name in model.model_fields}
                     | {"id", "name", "title", "kind", "tier", "lead", "date", "visibility", "contacts", "goals",
                        "objectives", "milestones", "budget", "amount", "include", "resources", "threats"})
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.dates(min_value=dt.date(1, 1, 1)),
    st.text(max_size=30), st.sampled_from(["TODO", "city-manager-office", "antisemitic-vandalism", "primary",
                                           "public", "internal", "2025-02-30", "yes", "no", "~", "KS"]),
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=12))
documents = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)), max_leaves=25)


def dump(document: object, flow: bool | None) -> bytes:
    return yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True, sort_keys=False).encode("utf-8")


@FUZZ
@given(file=st.sampled_from(FILES), top=st.dictionaries(keys, documents, min_size=1, max_size=6),
       flow=st.sampled_from([None, False, True]))
def test_generated_documents_never_escape_as_exceptions(tmp_path_factory, file, top, flow) -> None:
    folder = tmp_path_factory.getbasetemp() / "documents"
    folder.mkdir(exist_ok=True)
    read_and_validate(folder / file, file, dump(top, flow))


YAML_ALPHABET = st.sampled_from(list(":-?[]{},#&*!|>'\"%@`\\ \t\n\r") + list("abcyesnoKS0129.") +
                                ["\u00e9", "\u2028", "\ufeff", "\x85", "\x00", "\x1b", "\U0001f600", "\ud7ff"])


@FUZZ
@given(file=st.sampled_from(FILES), text=st.text(alphabet=YAML_ALPHABET, max_size=120))
def test_yaml_like_text_never_escapes_as_an_exception(tmp_path_factory, file, text) -> None:
    folder = tmp_path_factory.getbasetemp() / "text"
    folder.mkdir(exist_ok=True)
    read_and_validate(folder / file, file, text.encode("utf-8", errors="surrogatepass"))


# --- mutations of a valid city ----------------------------------------------------------------------------------

REPLACEMENTS = ["[]", "{}", "1", "-1", "0", "1.5", "true", "null", "~", "", "2025-02-30", "2025-13-01", "'text'",
                "[a, b]", "{a: 1}", "1e400", ".nan", ".inf", "*x", "&a x", "!!str x", "!!int x", "!custom x", "|",
                ">-", '"unclosed', "'unclosed", "[unclosed", "{unclosed", "a: b: c", "- item", "internal",
                "City Manager Office", "antisemitic-vandalism", "community-safety", "reporting-awareness",
                "9" * 5000, "x" * 30_000, "<script>alert(1)</script>", "\u202eevil", "\\0"]


@st.composite
def mutation(draw) -> tuple[str, str, int, int, str | bytes]:
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "replace", "bytes", "unicode",
                                 "truncate", "tab"]))
    extra: str | bytes = ""
    if kind == "replace":
        extra = draw(st.sampled_from(REPLACEMENTS))
    elif kind == "bytes":
        extra = draw(st.binary(min_size=1, max_size=6))
    elif kind == "unicode":
        extra = draw(st.text(min_size=1, max_size=6))
    return kind, draw(st.sampled_from(FILES)), draw(st.integers(0, 10**6)), draw(st.integers(0, 10**6)), extra


def mutate(content: bytes, kind: str, at: int, other: int, extra: str | bytes) -> bytes:
    lines = content.split(b"\n")
    n, m = at % len(lines), other % len(lines)
    if kind == "delete":
        del lines[n]
    elif kind == "duplicate":
        lines.insert(n, lines[n])
    elif kind == "swap":
        lines[n], lines[m] = lines[m], lines[n]
    elif kind == "indent":
        lines[n] = b"  " * (1 + m % 3) + lines[n]
    elif kind == "dedent":
        lines[n] = lines[n][2:] if lines[n].startswith(b"  ") else lines[n]
    elif kind == "tab":
        lines[n] = b"\t" + lines[n].lstrip(b" ")
    elif kind == "replace":
        key, colon, _ = lines[n].partition(b": ")
        value = extra.encode("utf-8", errors="surrogatepass") if isinstance(extra, str) else extra
        lines[n] = key + b": " + value if colon else lines[n] + b" " + value
    elif kind in ("bytes", "unicode"):
        blob = content
        insert = extra if isinstance(extra, bytes) else extra.encode("utf-8", errors="surrogatepass")
        position = at % (len(blob) + 1)
        return blob[:position] + insert + blob[position:]
    elif kind == "truncate":
        return content[: at % (len(content) + 1)]
    return b"\n".join(lines)


@FUZZ_CLI
@given(mutations=st.lists(mutation(), min_size=1, max_size=3))
def test_mutated_city_never_makes_check_fail_internally(project, originals, mutations) -> None:
    check_mutated(project, originals, mutations)


@FUZZ_CLI
@given(file=st.sampled_from(FILES), top=st.dictionaries(keys, documents, min_size=1, max_size=6),
       flow=st.sampled_from([None, False, True]))
def test_generated_documents_through_the_cli(project, originals, file, top, flow) -> None:
    try:
        check_cli(project, file, dump(top, flow))
    finally:
        (project / "cities" / SLUG / file).write_bytes(originals[file])


PILOT_CITIES = sorted(p.name for p in (REPO / "cities").glob("*")
                      if (p / "city.yaml").is_file())


@pytest.mark.parametrize("slug", PILOT_CITIES)
def test_mutated_pilot_city_never_makes_check_fail_internally(slug: str, tmp_path: Path) -> None:
    """The same mutations on the real pilot data (whatever state it is in), a few dozen per city."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "cities" / slug, root / "cities" / SLUG)
    pilot = {file: (root / "cities" / SLUG / file).read_bytes() for file in FILES
             if (root / "cities" / SLUG / file).exists()}

    @FUZZ_PILOT
    @given(mutations=st.lists(mutation(), min_size=1, max_size=3))
    def run(mutations) -> None:
        check_mutated(root, pilot, mutations)

    run()
