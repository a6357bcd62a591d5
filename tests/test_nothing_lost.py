"""Nothing is lost: a killed build, two builds at once, ``new`` and ``check`` never leave a file half-written.

* A build killed with SIGKILL at a random moment leaves every output either the old complete file or the new
  complete file (compared by sha256 with both known versions), 20 runs out of 20, plus 10 runs killed near the
  end of the build, and 10 runs killed the moment a temporary file appears, in the middle of the writing.
* Two builds of the same city at once do not corrupt each other, and a reader polling the files meanwhile only
  ever sees complete old or new files.
* ``cityframe new`` never overwrites anything.
* ``check`` and ``build`` never write into ``cities/``.

SLOW: about 50 builds (each test prints what it did); none is skipped.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from cityframe.data.project import Project
from cityframe.scaffold import new_city
from conftest import CITYFRAME

TEST_CITY = Path(__file__).parent / "bad_inputs" / "_valid-city"
TEMPORARY = re.compile(r"^\..+\.tmp-\d+-[0-9a-f]+$")
SEED = 20251125


def cityframe(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*CITYFRAME, *args], capture_output=True, text=True, timeout=600, **kwargs)


def hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path (temporaries included, so they can be told apart)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def is_temporary(name: str) -> bool:
    return TEMPORARY.match(name.rsplit("/", 1)[-1]) is not None


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: kind, size, mtime and content hash; any write shows up as a difference."""
    found: dict[str, tuple] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
        found[path.relative_to(folder).as_posix()] = (info.st_mode, info.st_size, info.st_mtime_ns, digest)
    return found


def wait_until_gone(process_group: int, timeout: float = 10.0) -> bool:
    """Wait for every process of the group (the build and its PDF workers) to end; False if some outlive it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(process_group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


class Scenario:
    """A scratch project with a city, its outputs built from the old data and from the new data."""

    def __init__(self, root: Path, slug: str = "testville") -> None:
        self.root, self.slug = root, slug
        project = Project(root)
        project.cities_dir.mkdir(parents=True)
        new_city(project, slug, "Testville", "KS")
        self.city = project.cities_dir / slug / "city.yaml"
        self.old_data = self.city.read_text(encoding="utf-8")
        self.new_data = self.old_data.replace("name: Testville", "name: Testville Heights").replace(
            "vision: TODO", "vision: A city where everyone belongs.")
        assert self.new_data != self.old_data
        self.out = root / "out"
        self.folder = self.out / slug
        self.city.write_text(self.old_data, encoding="utf-8")
        self.build_ok()
        self.old = hashes(self.folder)
        self.saved = root / "saved-old"
        shutil.copytree(self.folder, self.saved)
        self.city.write_text(self.new_data, encoding="utf-8")
        started = time.perf_counter()
        self.build_ok()
        self.seconds = time.perf_counter() - started
        self.new = hashes(self.folder)
        assert self.old.keys() == self.new.keys()
        changed = [name for name in self.old if self.old[name] != self.new[name]]
        assert {"index.html", "prevention-plan.pdf", "prevention-plan.html"} <= set(changed), changed
        self.changed = changed

    def build_ok(self) -> None:
        done = cityframe("build", self.slug, "--project", str(self.root), "--out", str(self.out))
        assert done.returncode == 0, done.stdout + done.stderr

    def restore_old_outputs(self) -> None:
        shutil.rmtree(self.folder)
        shutil.copytree(self.saved, self.folder)

    def start_build(self) -> subprocess.Popen:
        return subprocess.Popen([*CITYFRAME, "build", self.slug, "--project", str(self.root), "--out",
                                 str(self.out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)

    def problems(self, seen: dict[str, str], *, first_build: bool = False) -> list[str]:
        """What is wrong with the outputs ``seen``: a file neither old nor new, or one that vanished."""
        wrong = []
        for name, digest in seen.items():
            if is_temporary(name):
                continue
            if name not in self.new:
                wrong.append(f"unexpected file {name}")
            elif digest not in ({self.new[name]} if first_build else {self.old[name], self.new[name]}):
                wrong.append(f"{name} is neither the old nor the new file (a partial write?)")
        if not first_build:
            wrong += [f"{name} vanished" for name in self.old if name not in seen]
        return wrong


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Scenario:
    return Scenario(tmp_path_factory.mktemp("nothing-lost") / "project")


def kill_at(scenario: Scenario, delay: float) -> tuple[list[str], int, bool]:
    """Start a build over the old outputs, SIGKILL it after ``delay`` s; (problems, temporaries left, finished)."""
    process = scenario.start_build()
    try:
        process.wait(timeout=delay)
        finished = True
    except subprocess.TimeoutExpired:
        finished = False
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    gone = wait_until_gone(process.pid)
    seen = hashes(scenario.folder)
    problems = scenario.problems(seen)
    if not gone:
        os.killpg(process.pid, signal.SIGKILL)
        problems.append("PDF workers outlived the killed build")
    return problems, sum(1 for name in seen if is_temporary(name)), finished


def test_slow_a_killed_build_leaves_old_or_new_files_20_of_20(scenario: Scenario) -> None:
    rng = random.Random(SEED)
    normal = scenario.seconds
    delays = [rng.uniform(0, normal) for _ in range(20)]
    # Four more near the end, where the files are written: a uniform delay rarely lands in that short window
    # (the next test kills builds exactly while they write).
    delays += [rng.uniform(0.8 * normal, 1.1 * normal) for _ in range(4)]
    failures, temporaries, finished = [], 0, 0
    for run, delay in enumerate(delays, start=1):
        scenario.restore_old_outputs()
        problems, left, done = kill_at(scenario, delay)
        temporaries += left
        finished += done
        failures += [f"run {run} (killed after {delay:.2f} s): {p}" for p in problems]
    print(f"normal build {normal:.1f} s; {len(delays)} runs; {finished} finished before the kill; "
          f"{temporaries} temporary file(s) left by killed builds")
    assert not failures, "\n".join(failures)
    # The next build completes the job and clears what the killed ones left.
    scenario.build_ok()
    after = hashes(scenario.folder)
    wrong = sorted(name for name in after.keys() | scenario.new.keys() if after.get(name) != scenario.new.get(name))
    assert not wrong, f"after a complete build every output must be the new one, with no temporaries: {wrong}"


WRITE_KILLS = 5


def test_slow_a_build_killed_while_writing_leaves_old_or_new_files(scenario: Scenario) -> None:
    """Killed the moment its first temporary file appears, i.e. in the middle of writing the outputs."""
    failures, caught = [], 0
    for run in range(WRITE_KILLS):
        scenario.restore_old_outputs()
        process = scenario.start_build()
        deadline = time.monotonic() + 10 * scenario.seconds + 30
        while process.poll() is None and time.monotonic() < deadline:
            if any(is_temporary(path.name) for path in scenario.folder.iterdir()):
                os.kill(process.pid, signal.SIGKILL)
                caught += 1
                break
        process.wait()
        wait_until_gone(process.pid)
        failures += [f"run {run + 1}: {p}" for p in scenario.problems(hashes(scenario.folder))]
    print(f"killed while writing: {caught} of {WRITE_KILLS} builds caught with a temporary file present")
    assert not failures, "\n".join(failures)
    assert caught >= 1, "no build was caught while writing; the poll is too slow to test this"
    scenario.build_ok()
    assert hashes(scenario.folder) == scenario.new


def test_slow_a_build_killed_before_it_ever_completed_leaves_only_complete_files(scenario: Scenario) -> None:
    rng = random.Random(SEED + 1)
    failures = []
    for run in range(5):
        shutil.rmtree(scenario.folder, ignore_errors=True)
        delay = rng.uniform(0.5 * scenario.seconds, 1.1 * scenario.seconds)
        process = scenario.start_build()
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        wait_until_gone(process.pid)
        seen = hashes(scenario.folder) if scenario.folder.exists() else {}
        failures += [f"run {run + 1}: {p}" for p in scenario.problems(seen, first_build=True)]
    assert not failures, "\n".join(failures)
    scenario.build_ok()


def test_slow_two_builds_at_once_do_not_corrupt_each_other(scenario: Scenario) -> None:
    scenario.restore_old_outputs()
    torn: list[str] = []
    reads = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal reads
        while not stop.is_set():
            for name in scenario.changed:
                try:
                    digest = hashlib.sha256((scenario.folder / name).read_bytes()).hexdigest()
                except FileNotFoundError:
                    torn.append(f"{name} was missing while being replaced")
                    continue
                reads += 1
                if digest not in (scenario.old[name], scenario.new[name]):
                    torn.append(f"{name} was read half-written")

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        first, second = scenario.start_build(), scenario.start_build()
        codes = (first.wait(timeout=600), second.wait(timeout=600))
    finally:
        stop.set()
        reader.join()
    print(f"two builds at once: exit codes {codes}; {reads} reads of the outputs meanwhile")
    assert codes == (0, 0)
    assert not torn, "\n".join(sorted(set(torn)))
    assert hashes(scenario.folder) == scenario.new


def test_new_never_overwrites(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "cities").mkdir(parents=True)
    assert cityframe("new", "testville", "--name", "Testville", "--state", "KS", "--project", str(root)).returncode == 0
    (root / "cities" / "testville" / "city.yaml").write_text("# my work\n", encoding="utf-8")
    (root / "schemas" / "city.schema.json").write_text("{}", encoding="utf-8")
    before = snapshot(root)

    again = cityframe("new", "testville", "--name", "Other", "--state", "OH", "--project", str(root))
    assert again.returncode == 1 and "already exists; nothing was changed" in again.stderr, again.stderr
    assert snapshot(root) == before

    # A link where the city would go (to a folder, or dangling) is not followed.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "cities" / "linked").symlink_to(elsewhere, target_is_directory=True)
    (root / "cities" / "dangling").symlink_to(tmp_path / "nowhere")
    before = snapshot(root)
    for slug in ("linked", "dangling"):
        refused = cityframe("new", slug, "--name", "X", "--state", "KS", "--project", str(root))
        assert refused.returncode == 1, refused.stderr
    assert snapshot(root) == before
    assert not any(elsewhere.iterdir()) and not (tmp_path / "nowhere").exists()

    # A second city adds its files and leaves every existing one alone (the edited schema included).
    assert cityframe("new", "second", "--name", "Second", "--state", "KS", "--project", str(root)).returncode == 0
    after = snapshot(root)
    files = {name for name, entry in before.items() if not stat.S_ISDIR(entry[0])}
    assert {name: after[name] for name in files} == {name: before[name] for name in files}


def test_new_twice_at_once_creates_one_city_and_no_half_files(tmp_path: Path) -> None:
    for run in range(5):
        root = tmp_path / f"project-{run}"
        (root / "cities").mkdir(parents=True)
        processes = [subprocess.Popen([*CITYFRAME, "new", "testville", "--name", name, "--state", "KS", "--project",
                                       str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for name in ("First", "Second")]
        outputs = [p.communicate(timeout=120) for p in processes]
        codes = sorted(p.returncode for p in processes)
        assert codes == [0, 1], f"exit codes {codes}: " + " | ".join(out + err for out, err in outputs)
        city = (root / "cities" / "testville" / "city.yaml").read_text(encoding="utf-8")
        assert ("name: First" in city) != ("name: Second" in city)
        report = cityframe("check", "testville", "--project", str(root), "--format", "json")
        assert '"errors": []' in report.stdout, report.stdout


def test_slow_check_and_build_never_write_into_cities(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(TEST_CITY, root / "cities" / "fuzzville")
    new_city(Project(root), "testville", "Testville", "KS")
    before = snapshot(root / "cities")
    time.sleep(0.01)
    for args in (["check", "--all"], ["check", "fuzzville", "--format", "json"], ["list"],
                 ["build", "--all", "--format", "html"], ["build", "fuzzville", "--edition", "internal"]):
        done = cityframe(*args, "--project", str(root))
        assert done.returncode in (0, 1), done.stdout + done.stderr
        assert snapshot(root / "cities") == before, f"'cityframe {' '.join(args)}' changed cities/"
    assert (root / "build" / "fuzzville" / "prevention-plan-internal.pdf").exists()
    for inside in ("cities", "cities/fuzzville", "cities/../cities/x"):
        refused = cityframe("build", "fuzzville", "--project", str(root), "--out", str(root / inside))
        assert refused.returncode == 2 and "cities/ folder" in refused.stderr, refused.stdout + refused.stderr
    assert snapshot(root / "cities") == before
