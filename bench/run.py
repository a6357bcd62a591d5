"""cityframe's speed, as ratios against what a user would otherwise run, measured side by side in one run.

    python bench/run.py [--quick] [--out bench/results.md]

Each figure is the median of interleaved runs (A B A B ...) of two whole commands in fresh processes; CPU is the
user + system time of the process and every process it waited for (the PDF workers included), wall is elapsed
time, memory the largest resident set of any one of them. Ratios are taken pair by pair and the median quoted,
so they hold while the machine's speed drifts (by up to 1.6x on the shared 2-core machines). Synthetic cities
are generated into a temporary folder and never committed. Needs ``check-jsonschema`` (``pip install -e
".[bench]"``).

An editable install run with ``PYTHONDONTWRITEBYTECODE`` set has no ``.pyc`` files for cityframe (about 27%
slower start-up): this script compiles them first and runs every command without that variable.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PILOTS = ("albuquerque", "athens", "chattanooga", "overland-park", "stamford")
NARRATIVES = {"city.yaml": (("plan", "vision"), ("plan", "statement_of_need"), ("plan", "foreword")),
              "governance.yaml": (("steering_group", "purpose"),)}
CITYFRAME = [sys.executable, "-m", "cityframe"]


@dataclass
class Run:
    """One finished process: CPU seconds (with its children), wall seconds, peak resident memory in MB."""

    cpu: float
    wall: float
    peak_mb: float
    code: int


def run(command: list[str], cwd: Path) -> Run:
    """Run a command to completion, output discarded, and measure it with the kernel's own accounting."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, process.returncode)


@dataclass
class Pair:
    """A target: A against B, measured in turn."""

    label: str
    a: list[str]
    b: list[str]
    target: str
    cwd: Path
    a_name: str
    b_name: str
    setup_a: list[str] | None = None  # run before each A (not timed), e.g. to make a no-op build's output
    cpu: bool = True  # compare CPU (True) or wall time (False)


def measure(pair: Pair, runs: int, warmup: int = 1) -> dict[str, object]:
    """Interleaved runs after ``warmup`` pairs; the medians and the median of the pairwise ratios."""
    results: dict[str, list[Run]] = {"a": [], "b": []}
    for i in range(runs + warmup):
        if pair.setup_a:
            subprocess.run(pair.setup_a, cwd=pair.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=False)
        a = run(pair.a, pair.cwd)
        b = run(pair.b, pair.cwd)
        if i >= warmup:  # a first pair warms the disk cache and the compiled-template cache
            results["a"].append(a)
            results["b"].append(b)
    a_runs, b_runs = results["a"], results["b"]
    key = "cpu" if pair.cpu else "wall"
    ratios = [getattr(a, key) / max(getattr(b, key), 1e-9) for a, b in zip(a_runs, b_runs, strict=True)]
    return {
        "label": pair.label, "target": pair.target, "a_name": pair.a_name, "b_name": pair.b_name, "key": key,
        "a_cpu": statistics.median(r.cpu for r in a_runs), "b_cpu": statistics.median(r.cpu for r in b_runs),
        "a_wall": statistics.median(r.wall for r in a_runs), "b_wall": statistics.median(r.wall for r in b_runs),
        "a_peak": max(r.peak_mb for r in a_runs), "b_peak": max(r.peak_mb for r in b_runs),
        "ratio": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
        "codes": sorted({r.code for r in a_runs + b_runs}), "runs": runs,
    }


def synthetic_project(folder: Path, count: int, keep: str | None = "athens") -> Path:
    """A project of ``count`` cities made from the pilots, each narrative's words shuffled so none is a copy.

    ``keep`` is copied unchanged, so that its check is the same work as in the real project.
    """
    cities = folder / "cities"
    cities.mkdir(parents=True)
    rng = random.Random(20261130)
    if keep:
        shutil.copytree(ROOT / "cities" / keep, cities / keep)
    for n in range(count - (1 if keep else 0)):
        pilot = PILOTS[n % len(PILOTS)]
        slug = f"{pilot}-{n:03d}"
        shutil.copytree(ROOT / "cities" / pilot, cities / slug, ignore=shutil.ignore_patterns("templates", "*.png",
                                                                                            "*.svg"))
        for file, paths in NARRATIVES.items():
            path = cities / slug / file
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for keys in paths:
                holder = data
                for key in keys[:-1]:
                    holder = holder.get(key, {}) if isinstance(holder, dict) else {}
                if isinstance(holder, dict) and isinstance(holder.get(keys[-1]), str):
                    words = holder[keys[-1]].split()
                    rng.shuffle(words)
                    holder[keys[-1]] = " ".join(words)
            if file == "city.yaml" and isinstance(data.get("city"), dict):
                data["city"].pop("logo", None)
            path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


def pure_render_script(html_folder: Path) -> list[str]:
    """WeasyPrint rendering the three built HTML files in one process, the way cityframe calls it."""
    code = (
        "import sys; from pathlib import Path\n"
        "from cityframe.data.project import builtin_templates_dir\n"
        "from cityframe.render.pdf import render_pdf\n"
        "t = builtin_templates_dir()\n"
        "for p in sorted(Path(sys.argv[1]).glob('*.html')):\n"
        "    if p.name != 'index.html':\n"
        "        render_pdf(p.read_text(encoding='utf-8'), base_url=t, allowed_roots=[t])\n"
    )
    return [sys.executable, "-c", code, str(html_folder)]


def machine() -> str:
    """The machine the figures were measured on."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({model}), Python "
            f"{platform.python_version()}, cityframe {version('cityframe')}, pydantic {version('pydantic')}, "
            f"WeasyPrint {version('weasyprint')}, check-jsonschema {version('check-jsonschema')}")


def table(rows: list[dict[str, object]]) -> str:
    """The results as a Markdown table."""
    lines = ["| figure | A | B | A CPU s | B CPU s | A wall s | B wall s | A peak MB | B peak MB "
             "| ratio A/B (median, min-max) | target |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['a_name']} | {r['b_name']} | {r['a_cpu']:.3f} | {r['b_cpu']:.3f} "
            f"| {r['a_wall']:.3f} | {r['b_wall']:.3f} | {r['a_peak']:.0f} | {r['b_peak']:.0f} "
            f"| **{r['ratio']:.2f}** {r['key']} ({r['ratio_min']:.2f}-{r['ratio_max']:.2f}) | {r['target']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test of every figure)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args()
    if shutil.which("check-jsonschema") is None:
        sys.exit("check-jsonschema is missing: pip install -e '.[bench]'")
    compileall.compile_dir(ROOT / "src", quiet=1)
    runs, slow_runs = (2, 1) if args.quick else (7, 3)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cityframe-bench-") as scratch_name:
        scratch = Path(scratch_name)
        schemas = scratch / "schemas"
        subprocess.run([*CITYFRAME, "schema", "--out", str(schemas)], cwd=ROOT, check=True, capture_output=True)
        files = sorted((ROOT / "cities" / "athens").glob("*.yaml"), key=lambda p: p.stat().st_size)
        largest = files[-1]
        schema = schemas / f"{largest.stem}.schema.json"
        if not schema.exists():
            sys.exit(f"cityframe schema wrote no {schema.name}: {sorted(p.name for p in schemas.iterdir())}")
        many = synthetic_project(scratch / "many", 220)
        alone = ROOT
        pilots_only = scratch / "pilots"
        (pilots_only / "cities").mkdir(parents=True)
        for slug in PILOTS:
            shutil.copytree(ROOT / "cities" / slug, pilots_only / "cities" / slug)
        out = scratch / "out"
        subprocess.run([*CITYFRAME, "build", "athens", "--out", str(out), "--format", "html"], cwd=ROOT, check=True,
                       capture_output=True)
        pairs = [
            Pair("check athens vs a generic validator on one of its files", [*CITYFRAME, "check", "athens"],
                 ["check-jsonschema", "--schemafile", str(schema), str(largest)], "<= 0.8", ROOT,
                 "cityframe check athens (6 files)", f"check-jsonschema {largest.name}"),
            Pair("check athens vs the floor (interpreter and imports)", [*CITYFRAME, "check", "athens"],
                 [sys.executable, "-c", "import pydantic, yaml"], "report", ROOT, "cityframe check athens",
                 'python -c "import pydantic, yaml"'),
            Pair("check athens in a 220-city project vs alone", [*CITYFRAME, "check", "athens", "--project",
                                                                 str(many)],
                 [*CITYFRAME, "check", "athens", "--project", str(alone)], "<= 1.1", ROOT,
                 "check athens (220 cities)", "check athens (5 pilot cities)"),
            Pair("check --all: 220 cities vs the 5 pilots", [*CITYFRAME, "check", "--all", "--project", str(many)],
                 [*CITYFRAME, "check", "--all", "--project", str(pilots_only)], "<= 8 (peak < 200 MB)", ROOT,
                 "check --all (220)", "check --all (5)"),
            Pair("no-op build athens vs check athens", [*CITYFRAME, "build", "athens", "--out", str(scratch / "noop")],
                 [*CITYFRAME, "check", "athens"], "<= 1.5", ROOT, "build athens (nothing changed)",
                 "check athens",
                 setup_a=[*CITYFRAME, "build", "athens", "--out", str(scratch / "noop")]),
        ]
        slow = [
            Pair("build athens vs WeasyPrint's own renders of its HTML",
                 [*CITYFRAME, "build", "athens", "--force", "--out", str(scratch / "full")],
                 pure_render_script(out / "athens"), "<= 1.05", ROOT, "cityframe build athens --force",
                 "render_pdf x3 in one process"),
            Pair("build --all -j 2 vs -j 1 (5 pilots, wall time)",
                 [*CITYFRAME, "build", "--all", "-j", "1", "--force", "--out", str(scratch / "j1")],
                 [*CITYFRAME, "build", "--all", "-j", "2", "--force", "--out", str(scratch / "j2")],
                 ">= 1.7", ROOT, "build --all -j 1", "build --all -j 2", cpu=False),
        ]
        rows = []
        for pair in pairs:
            rows.append(measure(pair, runs))
            print(table([rows[-1]]).splitlines()[-1], flush=True)
        for pair in slow:  # --quick: one pair, no warm-up (the check figures above warmed the caches)
            rows.append(measure(pair, slow_runs, warmup=0 if args.quick else 1))
            print(table([rows[-1]]).splitlines()[-1], flush=True)
        same = subprocess.run(["diff", "-r", str(scratch / "j1"), str(scratch / "j2")], capture_output=True,
                              text=True).returncode == 0
    from serve_speed import measure_serve  # bench/ is on sys.path when this script runs

    served, rebuilt = measure_serve(runs)
    took = time.perf_counter() - began
    self_usage = resource.getrusage(resource.RUSAGE_SELF)
    report = "\n".join([
        "# cityframe benchmark results",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC{' (--quick)' if args.quick else ''} on: {machine()}.",
        f"{runs} interleaved pairs per figure ({slow_runs} for the two PDF figures) after one warm-up pair"
        f"{' (none for the PDF figures)' if args.quick else ''}; "
        f"the whole run took {took:.0f} s (the harness itself {self_usage.ru_utime:.1f} s CPU).",
        "",
        table(rows),
        "",
        f"- `build --all -j 2` output byte-identical to `-j 1`: {'yes' if same else 'NO'}.",
        f"- The time from a saved file to a rebuilt page in a preview (`cityframe serve athens`, a changed title in"
        f" interventions.yaml, the page polled over loopback; `bench/serve_speed.py`): median"
        f" {statistics.median(served):.2f} s, at most {max(served):.2f} s over {len(served)} changes (goal < 1 s);"
        f" the rebuild itself {statistics.median(rebuilt):.2f} s.",
        "- Commands run from a normal install or with bytecode compiled first (`compileall`), without"
        " `PYTHONDONTWRITEBYTECODE`: an editable install with that variable set has no .pyc files and starts about"
        " 27% slower.",
        "- CPU includes every process a command waited for (the PDF workers); peak memory is the largest single"
        " process.",
        "",
    ])
    args.out.write_text(report, encoding="utf-8")
    print(f"\nwrote {args.out} ({took:.0f} s)")


if __name__ == "__main__":
    main()
