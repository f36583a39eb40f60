"""The executables under test are built by the test run itself, once per session.

Choice (issue 7): the build is a session-scoped fixture, not a step of ``.ci/run``. Only a run that
selects these tests pays for it, ``KNOCKGUI_BUILD_TESTS=1 pytest tests/packaging`` builds what it tests, and
CI (which runs the whole suite) builds both: Linux one-file (about 35 s) and, under Wine, the Windows
exes (about 90 s with the cached prefix, 2.5 min from nothing). Outputs go to a temporary folder, so
parallel sessions never share a dist/. ``KNOCKGUI_TEST_DIST=DIR`` reuses a finished
``build_scripts/build.py --dist DIR`` instead (local iteration only: CI always builds). Outside CI the
build tests skip unless ``KNOCKGUI_BUILD_TESTS=1`` (or ``KNOCKGUI_TEST_DIST``) is set, so the other
developers' local runs on these 2-core machines do not each pay for two builds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI, need

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_scripts"))

import windows  # noqa: E402

from knockgui import __version__  # noqa: E402


def run_build(*args: str, dist: Path, work: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "build_scripts" / "build.py"),
            "--no-self-test",
            "--dist",
            str(dist),
            "--work",
            str(work),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=1500,
        cwd=ROOT,
        env={**os.environ, windows.ENV_CACHE: str(windows.CACHE)},  # the cache, not the test's temporary HOME
    )
    if proc.returncode != 0:
        pytest.fail(f"the build failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def opted_in() -> None:
    """Building takes minutes on two cores: CI always does it; elsewhere only when asked."""
    if IN_CI or os.environ.get("KNOCKGUI_BUILD_TESTS") or os.environ.get("KNOCKGUI_TEST_DIST"):
        return
    pytest.skip("builds the executables (2-4 min): runs in CI, or set KNOCKGUI_BUILD_TESTS=1")


def prebuilt() -> Path | None:
    value = os.environ.get("KNOCKGUI_TEST_DIST", "")
    return Path(value) if value and not IN_CI else None


@pytest.fixture(scope="session")
def linux_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the freshly built one-file ``knockgui`` and ``knockgui-cli``."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the Linux build tests run on Linux")
    opted_in()
    dist = prebuilt()
    if dist is None:
        dist = tmp_path_factory.mktemp("dist")
        run_build(dist=dist, work=tmp_path_factory.mktemp("work"))
    for name in ("knockgui", "knockgui-cli"):
        assert (dist / name).is_file(), f"{name} was not built"
    return dist


@pytest.fixture(scope="session")
def windows_dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``dist/windows`` of ``build.py --windows --installer``, built once per session under Wine (the Wine
    prefix: windows.CACHE): the folder ``knockgui/`` (knockgui.exe, knockgui-cli.exe, _internal/), the
    portable zip and the installer: what a release ships."""
    opted_in()
    need(windows.have_wine())
    need("" if shutil.which("makensis") else "needs NSIS's makensis (Debian package nsis)")
    base = prebuilt()
    if base is None:
        base = tmp_path_factory.mktemp("windist")
        run_build("--windows", "--installer", dist=base, work=tmp_path_factory.mktemp("winwork"))
    dist = base / "windows"
    for name in ("knockgui/knockgui.exe", "knockgui/knockgui-cli.exe", f"knockgui-setup-{__version__}.exe"):
        assert (dist / name).is_file(), f"{name} was not built"
    # The prefix is the shared build cache: no 'wineserver -k' here (it would end another session's build
    # running in it); its wineserver ends by itself a few seconds after the last program.
    yield dist
