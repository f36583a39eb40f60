"""The Windows deliverables made from the folder build (``dist/windows/knockgui/``, both exes, one ``_internal``):

- ``knockgui-VERSION-portable.zip``: the folder as ``knockgui-VERSION/`` inside a zip, for technicians who
  cannot install (unzip anywhere, start ``knockgui.exe``; settings and routers still go to %APPDATA%\\knockgui);
- ``knockgui-setup-VERSION.exe``: the NSIS installer (``installer.nsi``), built by ``makensis`` (Debian
  package ``nsis`` on Linux; NSIS on Windows).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NSI = HERE / "installer.nsi"
ICON = ROOT / "resources" / "knockgui.ico"


def log(message: str) -> None:
    print(f"build[package]: {message}", flush=True)


def zip_name(version: str) -> str:
    return f"knockgui-{version}-portable.zip"


def setup_name(version: str) -> str:
    return f"knockgui-setup-{version}.exe"


def makensis() -> str:
    """The makensis program, or SystemExit with what to install."""
    found = shutil.which("makensis")
    if not found and sys.platform == "win32":
        for base in (os.environ.get("PROGRAMFILES(X86)", ""), os.environ.get("PROGRAMFILES", "")):
            candidate = Path(base) / "NSIS" / "makensis.exe"
            if base and candidate.is_file():
                found = str(candidate)
                break
    if not found:
        raise SystemExit("build: the installer needs NSIS's makensis (Debian package nsis; on Windows install NSIS).")
    return found


def portable_zip(folder: Path, out: Path, version: str) -> Path:
    top = f"knockgui-{version}"
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    os.replace(tmp, out)
    return out


def version4(version: str) -> str:
    sys.path.insert(0, str(HERE))
    import versioninfo

    return ".".join(map(str, versioninfo.version_tuple(version)))


def installer(folder: Path, out: Path, version: str) -> Path:
    argv = [
        makensis(),
        "-V2",
        "-NOCD",
        f"-DVERSION={version}",
        f"-DVERSION4={version4(version)}",
        f"-DSOURCE={folder}",
        f"-DOUTFILE={out}",
        f"-DICON={ICON}",
        str(NSI),
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0 or not out.is_file():
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"build: makensis failed (exit code {proc.returncode}); its output is above.")
    return out


def package(folder: Path, dist: Path, version: str, work: Path) -> tuple[Path, Path]:
    """Write the portable zip and the installer of ``folder`` into ``dist``."""
    if not (folder / "knockgui.exe").is_file() or not (folder / "knockgui-cli.exe").is_file():
        raise SystemExit(f"build: {folder} does not hold knockgui.exe and knockgui-cli.exe; rerun the build.")
    started = time.monotonic()
    archive = portable_zip(folder, dist / zip_name(version), version)
    log(f"portable zip {archive}: {archive.stat().st_size / 1e6:.1f} MB in {time.monotonic() - started:.0f} s")
    started = time.monotonic()
    setup = installer(folder, dist / setup_name(version), version)
    log(f"installer {setup}: {setup.stat().st_size / 1e6:.1f} MB in {time.monotonic() - started:.0f} s")
    return archive, setup
