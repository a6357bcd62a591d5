"""Benchmark: wall time and peak memory of `cityframe build CITY` as a user runs it (a fresh process each time).

Target (issue 3): under 4 s wall on the project's 2-core machine.
Run: python bench/build_speed.py [city] [runs] [--profile]

Peak memory is sampled every 10 ms over the whole process tree (the build and its PDF workers, summed), and the
largest single process is reported from the kernel's own accounting. ``--profile`` adds an in-process breakdown
(check, HTML, each PDF on its own) so that a regression has a suspect. Prints each PDF's pages and size.
``--work`` counts the Python function calls each PDF takes: unlike seconds, the count is the same on every run
(for the same data and library versions), so it shows whether a change to a template made rendering cheaper on a
machine whose speed drifts (this one's varied by 1.6x within minutes). ``machine speed`` is printed for the same
reason: the seconds of a fixed loop, to compare runs made at different times.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 4.0


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        try:
            for task in os.listdir(f"/proc/{pids[index]}/task"):
                with open(f"/proc/{pids[index]}/task/{task}/children", encoding="ascii") as children:
                    pids.extend(int(child) for child in children.read().split())
        except OSError:
            pass
        index += 1
    return pids


def run_once(command: list[str]) -> tuple[float, int, int, float]:
    """Wall seconds, peak summed RSS of the process tree (KB), exit code and CPU seconds of one build."""
    peak = 0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_rss_kb(pid) for pid in _tree(process.pid)))
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode:
        sys.stderr.write(errors.decode(errors="replace"))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, peak, process.returncode, cpu


def profile(city: str) -> None:
    """Where the time goes, step by step, in one process (no parallelism)."""
    from cityframe.build import _render_html
    from cityframe.checks.report import assess
    from cityframe.data.project import builtin_templates_dir, open_project
    from cityframe.render.pdf import render_pdf

    project = open_project(ROOT)
    def step(label: str, started: tuple[float, float], extra: str = "") -> None:
        wall, cpu = time.perf_counter() - started[0], time.process_time() - started[1]
        print(f"  {label:<26}{wall:6.2f} s wall {cpu:6.2f} s CPU{extra}")

    start = (time.perf_counter(), time.process_time())
    report = assess(project, city)
    step("check", start)
    start = (time.perf_counter(), time.process_time())
    pages = _render_html(report, "public")
    step("HTML", start, f" ({len(pages)} pages)")
    start = (time.perf_counter(), time.process_time())
    import weasyprint  # noqa: F401

    step("import weasyprint", start)
    roots = [builtin_templates_dir(), project.templates_dir, project.city_dir(city)]
    for name, html in pages.items():
        if name == "index.html":
            continue
        start = (time.perf_counter(), time.process_time())
        pdf = render_pdf(html, base_url=builtin_templates_dir(), allowed_roots=roots)
        step(name[:-5] + ".pdf", start, f", {len(pdf) / 1024:.0f} KB, HTML {len(html) / 1024:.0f} KB")


def machine_speed() -> float:
    """Seconds for a fixed pure-Python loop, best of three: the yardstick to compare runs made at other times."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        sum(i * i for i in range(2_000_000))
        best = min(best, time.process_time() - start)
    return best


def work(city: str) -> None:
    """Function calls per PDF, after one warm-up render (the first render in a process pays one-off costs)."""
    import cProfile
    import pstats

    from cityframe.build import _render_html
    from cityframe.checks.report import assess
    from cityframe.data.project import builtin_templates_dir, open_project
    from cityframe.render.pdf import render_pdf

    project = open_project(ROOT)
    pages = {name: html for name, html in _render_html(assess(project, city), "public").items()
             if name != "index.html"}
    roots = [builtin_templates_dir(), project.templates_dir, project.city_dir(city)]
    render_pdf(next(iter(pages.values())), base_url=builtin_templates_dir(), allowed_roots=roots)
    total = 0
    for name, html in pages.items():
        profiler = cProfile.Profile()
        profiler.enable()
        render_pdf(html, base_url=builtin_templates_dir(), allowed_roots=roots)
        profiler.disable()
        calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
        total += calls
        print(f"  {name[:-5] + '.pdf':<28}{calls / 1e6:6.2f} million calls")
    print(f"  {'all three':<28}{total / 1e6:6.2f} million calls")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    city = args[0] if args else "athens"
    runs = int(args[1]) if len(args) > 1 else 5
    real = Path(sys.executable).parent / "cityframe"  # the script itself, not a pyenv shim
    with tempfile.TemporaryDirectory(prefix="cityframe-bench-") as out:
        command = [str(real if real.exists() else "cityframe"), "build", city, "--out", out]
        results = [run_once(command) for _ in range(runs)]
        if any(code for _, _, code, _ in results):
            sys.exit("the build failed")
        times = [elapsed for elapsed, _, _, _ in results]
        peaks = [peak for _, peak, _, _ in results]
        cpus = [cpu for _, _, _, cpu in results]
        largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        median = statistics.median(times)
        print(f"cityframe build {city}: best {min(times):.2f} s, median {median:.2f} s, worst {max(times):.2f} s "
              f"over {runs} runs (target < {TARGET:.1f} s: {'met' if median < TARGET else 'MISSED'})")
        print(f"CPU time of the build and its workers: median {statistics.median(cpus):.2f} s "
              f"(on {os.cpu_count()} CPUs the wall time cannot drop below about half of it)")
        print(f"peak memory: {max(peaks) / 1024:.0f} MB for the build and its workers together "
              f"(sampled every 10 ms); largest single process {largest / 1024:.0f} MB")
        from pypdf import PdfReader

        for pdf in sorted((Path(out) / city).glob("*.pdf")):
            print(f"  {pdf.name:<28}{len(PdfReader(pdf).pages):>4} pages {pdf.stat().st_size / 1024:>7.0f} KB")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, "
          f"machine speed {machine_speed():.2f} s (a fixed loop; lower is faster)")
    if "--profile" in sys.argv:
        print("in-process breakdown (one process, one PDF after another):")
        profile(city)
    if "--work" in sys.argv:
        print("work per PDF (deterministic; compare these, not seconds):")
        work(city)


if __name__ == "__main__":
    main()
