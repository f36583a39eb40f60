"""The one pinned set of Windows build dependencies, and the checks that every Windows build uses it.

``windows-requirements.txt`` pins the Windows CPython version (its ``# python: X.Y.Z`` line) and every
package by version and sha256. Two builds install it, the same way (``--no-deps --require-hashes``):
the Wine build here (build_scripts/windows.py) and the release workflow's Windows job
(.github/workflows/release.yml). Two checks keep them together:

- ``python build_scripts/pins.py --check`` (run by both builds, after installing): the interpreter is
  the pinned Python and the installed distributions are exactly the pinned ones, at the pinned versions;
- :func:`release_drift` (run by the tests): the release workflow's Windows job installs nothing but that
  file, with that command, on that Python version.

Standard library only: it runs in the Wine CPython and on a bare release runner.
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REQUIREMENTS = HERE / "windows-requirements.txt"
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
REQUIREMENTS_REL = "build_scripts/windows-requirements.txt"
# The release's install command; the Wine build installs the same file with the same two flags.
INSTALL_COMMAND = f"python -m pip install --no-deps --require-hashes --only-binary=:all: -r {REQUIREMENTS_REL}"
_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s+--hash=sha256:([0-9a-f]{64})$")


def normalise(name: str) -> str:
    """A distribution name as pip compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path = REQUIREMENTS) -> dict[str, str]:
    """``{normalised name: version}`` of every pinned package; a line that is not ``name==version --hash=...`` fails."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise SystemExit(f"pins: {path.name} line {number} is not 'name==version --hash=sha256:...': {line}")
        pins[normalise(match.group(1))] = match.group(2)
    return pins


def pinned_python(path: Path = REQUIREMENTS) -> str:
    """The Windows CPython version the pins are for (the ``# python: X.Y.Z`` line)."""
    match = re.search(r"^# python: (\d+\.\d+\.\d+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    if not match:
        raise SystemExit(f"pins: {path.name} has no '# python: X.Y.Z' line.")
    return match.group(1)


def installed() -> dict[str, str]:
    """``{normalised name: version}`` of the distributions this interpreter has (knockgui itself left out)."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and normalise(name) != "knockgui":
            found[normalise(name)] = dist.version
    return found


def installed_drift(pins: dict[str, str], have: dict[str, str], python: str, want_python: str) -> list[str]:
    """What differs between the pinned set and an installed one (empty when they are the same)."""
    problems = [] if python == want_python else [f"Python is {python}, the pins are for {want_python}"]
    for name, version in sorted(pins.items()):
        if name not in have:
            problems.append(f"{name} {version} is pinned but not installed")
        elif have[name] != version:
            problems.append(f"{name} is {have[name]}, pinned {version}")
    problems += [f"{name} {have[name]} is installed but not pinned" for name in sorted(set(have) - set(pins))]
    return problems


def workflow_job(text: str, job: str) -> str:
    """The text of one job of a workflow (from ``  JOB:`` to the next job at the same indentation)."""
    match = re.search(rf"^  {re.escape(job)}:\n(.*?)(?=^  \S|\Z)", text, re.MULTILINE | re.DOTALL)
    return match.group(1) if match else ""


def release_drift(text: str, want_python: str, job: str = "windows") -> list[str]:
    """Why the release workflow's Windows job would not install the pinned set (empty when it would)."""
    body = workflow_job(text, job)
    if not body:
        return [f"the workflow has no '{job}' job"]
    problems: list[str] = []
    pythons = re.findall(r"^\s*python-version:\s*[\"']?([^\"'\s]+)", body, re.MULTILINE)
    if pythons != [want_python]:
        problems.append(f"the {job} job sets up Python {pythons or 'nothing'}, the pins are for {want_python}")
    installs = [
        re.sub(r"^(-\s*)?(run:\s*)?", "", line.strip())
        for line in body.splitlines()
        if re.search(r"\bpip(3)?\b.*\binstall\b", line)
    ]
    if INSTALL_COMMAND not in installs:
        problems.append(f"the {job} job does not run '{INSTALL_COMMAND}'")
    problems += [f"the {job} job also runs '{line}'" for line in installs if line != INSTALL_COMMAND]
    if not re.search(r"build_scripts/pins\.py --check", body):
        problems.append(f"the {job} job does not check what it installed (build_scripts/pins.py --check)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check that this Python has exactly the pinned Windows build set.")
    parser.add_argument("--check", action="store_true", help="compare the installed distributions with the pins")
    parser.add_argument("--workflow", action="store_true", help="check the release workflow's Windows job instead")
    args = parser.parse_args(argv)
    want = pinned_python()
    if args.workflow:
        problems = release_drift(WORKFLOW.read_text(encoding="utf-8"), want)
    elif args.check:
        problems = installed_drift(read_pins(), installed(), platform.python_version(), want)
    else:
        parser.error("give --check or --workflow")
    if problems:
        print("pins: the Windows build set differs from build_scripts/windows-requirements.txt: " + "; ".join(problems))
        print("pins: install it with: " + INSTALL_COMMAND)
        return 1
    print(f"pins: Python {want} and the {len(read_pins())} pinned packages, nothing else")
    return 0


if __name__ == "__main__":
    sys.exit(main())
