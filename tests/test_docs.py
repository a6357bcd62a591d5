"""The data-format reference must keep up with the models: every field a city can write is documented."""

from __future__ import annotations

import re

from pydantic import BaseModel

from cityframe.data import models
from conftest import REPO


def all_fields() -> set[str]:
    names = set()
    for model in vars(models).values():
        if isinstance(model, type) and issubclass(model, BaseModel) and model is not BaseModel:
            names.update(model.model_fields)
    return names


def test_every_field_is_documented():
    text = (REPO / "docs" / "data-format.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"[a-z_0-9]+(?=:)", text))
    assert sorted(all_fields() - documented) == []


def quick_start() -> tuple[str, str]:
    """The README's two quick-start commands: (install and build Athens, run the tests)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)
    assert len(blocks) == 2, blocks
    return blocks[0], blocks[1]


def test_readme_quick_start_is_two_commands_that_work_where_pip_refuses_the_system_python():
    install, tests = quick_start()
    assert "\n" not in install and "\n" not in tests  # one command each, to paste
    steps = [step.strip() for step in install.split("&&")]
    assert steps[0] == "sudo apt-get update"  # a stock machine's package lists are empty or old
    assert steps[1].startswith("sudo apt-get install -y python3-venv ")
    assert "python3 -m venv .venv" in steps
    # Debian 12 and Ubuntu 24.04 mark the system Python externally managed: pip only ever runs inside the venv.
    assert not [s for s in steps if s.startswith(("pip ", "python3 -m pip", "cityframe "))]
    assert steps[-1] == ".venv/bin/cityframe build athens"
    assert tests == ".venv/bin/pytest"
    assert "docs/data-format.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_slow_readme_quick_start_builds_athens_with_the_system_python(tmp_path):
    """The install command, pasted into a shell whose python3 is Debian's own, builds Athens (CI runs it as root)."""
    import os
    import shutil
    import subprocess

    from conftest import require_tool

    require_tool(os.path.exists("/usr/bin/python3") and os.geteuid() == 0 and shutil.which("apt-get") is not None,
                 "root with Debian's /usr/bin/python3 and apt-get")
    install, _ = quick_start()
    if shutil.which("sudo") is None:
        install = install.replace("sudo ", "")  # as the README says for root in a container
    clone = tmp_path / "cityframe"
    shutil.copytree(REPO, clone, ignore=shutil.ignore_patterns(".git", ".venv", "build", "node_modules", "__pycache__",
                                                               ".pytest_cache", ".hypothesis", ".ruff_cache"))
    env = {"HOME": str(tmp_path), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["bash", "-c", install], cwd=clone, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert os.path.realpath(clone / ".venv" / "bin" / "python").startswith("/usr/bin/python3")
    assert sorted(p.name for p in (clone / "build" / "athens").glob("*.pdf")) == [
        "governance-charter.pdf", "prevention-plan.pdf", "progress-report.pdf", "resource-directory.pdf"]
