"""Benchmark: wall time of `cityframe check CITY` as a user runs it (a fresh process each time).

A profiling aid: the targets are ratios, in bench/run.py. Run: python bench/check_speed.py [city] [runs]
Prints the best, median and worst wall times and the import-time leaders, so a regression has a suspect.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    city = sys.argv[1] if len(sys.argv) > 1 else "athens"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    exe = shutil.which("cityframe") or "cityframe"
    # Resolve a pyenv shim to the real script: the shim's own start-up is not cityframe's.
    real = Path(sys.executable).parent / "cityframe"
    command = [str(real if real.exists() else exe), "check", city]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    print(f"cityframe check {city}: best {min(times):.3f} s, median {statistics.median(times):.3f} s, "
          f"worst {max(times):.3f} s over {runs} runs")
    trace = subprocess.run([sys.executable, "-X", "importtime", "-m", "cityframe.cli", "check", city], cwd=ROOT,
                           capture_output=True, text=True, check=False).stderr
    rows = []
    for line in trace.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[0]), parts[2].strip()))
    print("largest imports (self time):", ", ".join(f"{n} {us / 1000:.0f} ms" for us, n in sorted(rows)[-6:]))
    from build_speed import machine_speed  # this folder's neighbour: python puts bench/ on the path

    print(f"machine speed {machine_speed():.2f} s (a fixed loop; lower is faster: compare runs made at other times)")


if __name__ == "__main__":
    main()
