"""The wheel's package data (pyproject.toml) and the PyInstaller spec's data cover every shipped resource,
subfolders included (fast: reads the config, builds nothing)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from knockgui.core import resources

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "knockgui"


def shipped_resources() -> set[Path]:
    return {p for p in (PACKAGE / "resources").rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_package_data_globs_reach_every_resource_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["knockgui"]
    # setuptools matches each pattern with glob relative to the package folder and keeps files only.
    covered = {p for pattern in patterns for p in PACKAGE.glob(pattern) if p.is_file()}
    missing = sorted(str(p.relative_to(PACKAGE)) for p in shipped_resources() - covered)
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
    required = {PACKAGE / "resources" / name for name in resources.REQUIRED}
    assert required <= covered
    assert any(p.parent.name == resources.ACTIONS_DIR for p in required)  # the subfolder is among them


def test_the_pyinstaller_spec_bundles_the_whole_resources_folder() -> None:
    # A folder given as data is copied with its subfolders, so actions/ travels with the rest.
    spec = (ROOT / "build_scripts" / "knockgui.spec").read_text(encoding="utf-8")
    assert '(str(ROOT / "knockgui" / "resources"), "knockgui/resources")' in spec
