"""The time from a saved change to the rebuilt page in ``cityframe serve``, for a copy of Athens.

    python bench/serve_speed.py [RUNS]

Starts ``cityframe serve athens --port 0`` on a scratch copy, then RUNS times: saves a changed title in
``interventions.yaml`` and polls the served page (loopback only, every 10 ms) until it shows the new title. The
figure is what a workshop sees minus the browser's own reload: watcher latency + check + render + write. It also
times the preview's own report of each rebuild ("rebuilt in N ms"). Goal: under 1 s on a 2-core machine.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITYFRAME = [sys.executable, "-m", "cityframe"]
TITLE = "title: Report Hate Athens"


def measure_serve(runs: int = 7) -> tuple[list[float], list[float]]:
    """Seconds from each saved change to the page that shows it, and the rebuild times serve reported."""
    with tempfile.TemporaryDirectory(prefix="cityframe-serve-bench-") as scratch_name:
        project = Path(scratch_name)
        shutil.copytree(ROOT / "cities" / "athens", project / "cities" / "athens")
        process = subprocess.Popen([*CITYFRAME, "serve", "athens", "--port", "0", "--project", str(project)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        assert process.stdout is not None
        lines: list[str] = []
        try:
            for line in process.stdout:
                lines.append(line)
                if match := re.search(r"Serving athens at (http://127\.0\.0\.1:\d+/)", line):
                    break
            else:
                raise SystemExit("serve did not start:\n" + "".join(lines))
            reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
            reader.start()
            page = match[1] + "prevention-plan.html"
            path = project / "cities" / "athens" / "interventions.yaml"
            original = path.read_text(encoding="utf-8")
            seconds = []
            for run in range(runs + 1):  # the first change warms the process up and is not counted
                marker = f"Report Hate Athens edition {run}"
                time.sleep(0.5)
                began = time.perf_counter()
                path.write_text(original.replace(TITLE, f"title: {marker}", 1), encoding="utf-8")
                while marker not in urllib.request.urlopen(page, timeout=10).read().decode("utf-8"):
                    time.sleep(0.01)
                if run:
                    seconds.append(time.perf_counter() - began)
        finally:
            process.terminate()
            process.wait(timeout=20)
    rebuilt = [int(m[1]) / 1000 for m in re.finditer(r"rebuilt in (\d+) ms", "".join(lines))][2:]
    return seconds, rebuilt


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    seconds, rebuilt = measure_serve(runs)
    print(f"saved change -> served page: median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s "
          f"over {len(seconds)} changes; rebuild alone: median {statistics.median(rebuilt):.2f} s")


if __name__ == "__main__":
    main()
