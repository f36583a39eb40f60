"""Resource paths: the files beside the package's modules, else through importlib.resources (same files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knockgui.core import resources


def test_the_icon_is_found_beside_the_modules() -> None:
    found = resources.icon_png_path(32)
    assert found.is_file()
    assert found == Path(resources.__file__).resolve().parent.parent / "resources" / "knockgui-32.png"
    assert found.read_bytes() == resources.read_bytes("knockgui-32.png")


def test_without_the_folder_beside_importlib_resources_finds_the_same_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    expected = resources.icon_png_path()
    monkeypatch.setattr(resources, "_BESIDE", tmp_path / "missing")
    found = resources.icon_png_path()
    assert found.resolve() == expected.resolve()
    assert found.is_file()
