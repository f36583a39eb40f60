"""Build the knockgui executables with PyInstaller, then run their self-test.

    python build_scripts/build.py              dist/knockgui (GUI, windowed) and dist/knockgui-cli, one file each
    python build_scripts/build.py --onedir     dist/onedir/knockgui/ and dist/onedir/knockgui-cli/ (faster start)
    python build_scripts/build.py --windows    dist/windows/knockgui.exe and knockgui-cli.exe, built under Wine
    python build_scripts/build.py --windows --installer
                                               dist/windows/knockgui/ (both exes in one folder), its portable zip
                                               dist/windows/knockgui-VERSION-portable.zip and the NSIS installer
                                               dist/windows/knockgui-setup-VERSION.exe (on Windows: --installer alone)
    options: --targets gui,cli   --no-self-test   --dist DIR   --work DIR (defaults dist/ and build/)

On Windows and macOS the same command builds the native executables (``.exe`` on Windows). The build
ends by running ``knockgui-cli self-test`` and ``knockgui --self-test`` (offscreen) on what it built;
a failing self-test fails the build. On Linux, when no D-Bus session is there, the self-test runs
against a private gnome-keyring (Debian packages dbus, gnome-keyring) so the keyring check is real.
Under Wine the GUI exe cannot print (it is windowed): both self-tests write report files under
``build/`` and the build prints them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import versioninfo  # noqa: E402

SPEC = HERE / "knockgui.spec"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""


def log(message: str) -> None:
    print(f"build: {message}", flush=True)


def outputs(dist: Path, mode: str, targets: list[str], suffix: str = EXE_SUFFIX) -> dict[str, Path]:
    """Where each target's executable lands."""
    names = {"gui": "knockgui", "cli": "knockgui-cli"}
    if mode == "folder":
        return {t: dist / "knockgui" / f"{names[t]}{suffix}" for t in targets}
    if mode == "onedir":
        return {t: dist / names[t] / f"{names[t]}{suffix}" for t in targets}
    return {t: dist / f"{names[t]}{suffix}" for t in targets}


def spec_env(mode: str, targets: list[str], version_dir: str) -> dict[str, str]:
    return {
        "KNOCKGUI_BUILD_MODE": mode,
        "KNOCKGUI_BUILD_TARGETS": ",".join(targets),
        "KNOCKGUI_VERSION_DIR": version_dir,
    }


@contextlib.contextmanager
def keyring_session() -> Iterator[dict[str, str]]:
    """Environment for the self-test: the user's own session, or a private Secret Service on a bare Linux box."""
    if not sys.platform.startswith("linux") or os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        yield {}
        return
    try:
        sys.path.insert(0, str(ROOT))
        from tests.testbed.secret_service import SecretService, have_secret_service
    except ImportError:
        yield {}
        return
    if have_secret_service():
        yield {}
        return
    with SecretService(unlocked=True) as service:
        yield {**service.env(), "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}


def self_test(built: dict[str, Path], work_root: Path) -> bool:
    ok = True
    with keyring_session() as extra:
        env = {**os.environ, **extra, "QT_QPA_PLATFORM": "offscreen"}
        for target, exe in built.items():
            report = work_root / f"self-test-{target}.txt"
            argv = [str(exe), "self-test"] if target == "cli" else [str(exe), "--self-test", "-platform", "offscreen"]
            argv += ["--report", str(report)]
            log(f"self-test of {exe}")
            proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, timeout=120)
            ok = ok and proc.returncode == 0
    return ok


def dist_folder(dist_root: Path, mode: str, windows: bool) -> Path:
    """Where PyInstaller writes: dist/[windows/][onedir/] (the folder build goes to dist/windows/knockgui/)."""
    base = dist_root / "windows" if windows or mode == "folder" else dist_root
    return base / "onedir" if mode == "onedir" else base


def build_native(mode: str, targets: list[str], dist_root: Path, work_root: Path) -> dict[str, Path]:
    dist = dist_folder(dist_root, mode, windows=False)
    work = work_root / f"pyinstaller-{mode}"
    version_dir = versioninfo.write_version_files(work_root / "version-info", versioninfo.package_version())
    env = {**os.environ, **spec_env(mode, targets, str(version_dir))}
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
            "--distpath", str(dist), "--workpath", str(work), str(SPEC),
        ],
        env=env,
        check=True,
    )  # fmt: skip
    built = outputs(dist, mode, targets)
    require(built)
    for exe in built.values():
        log(f"built {exe}: {size_mb(exe):.1f} MB")
    log(f"PyInstaller took {time.monotonic() - started:.0f} s")
    if sys.platform == "win32":
        proc = subprocess.run(
            [sys.executable, str(HERE / "peversion.py"), *map(str, built.values())], capture_output=True, text=True
        )
        check_versions(json.loads(proc.stdout))
    return built


def version_problems(found: dict[str, dict[str, str]], version: str) -> list[str]:
    """How each exe's version resource (as build_scripts/peversion.py read it) differs from its own expected one."""
    problems = []
    for path, strings in found.items():
        name = Path(path.replace("\\", "/")).stem
        want = {
            **versioninfo.expected_strings(name, version),
            "fixed": ".".join(map(str, versioninfo.version_tuple(version))),
        }
        problems += [
            f"{name}.exe {key} is {strings.get(key)!r}, expected {value!r}"
            for key, value in want.items()
            if strings.get(key) != value
        ]
    return problems


def check_versions(found: dict[str, dict[str, str]]) -> None:
    problems = version_problems(found, versioninfo.package_version())
    if problems:
        raise SystemExit("build: the version resources are wrong: " + "; ".join(problems) + ".")
    log(
        "version resources: "
        + ", ".join(f"{Path(p.replace(chr(92), '/')).name} ({s['FileDescription']})" for p, s in found.items())
    )


def require(built: dict[str, Path]) -> None:
    """Fail with a sentence (not a traceback) when PyInstaller ended without writing an executable."""
    missing = [str(exe) for exe in built.values() if not exe.is_file()]
    if missing:
        raise SystemExit(f"build: PyInstaller finished but did not write {', '.join(missing)}; rerun the build.")


def size_mb(exe: Path) -> float:
    if exe.parent.name == exe.stem and exe.parent.is_dir() and (exe.parent / "_internal").is_dir():
        return sum(p.stat().st_size for p in exe.parent.rglob("*") if p.is_file()) / 1e6
    return exe.stat().st_size / 1e6


def build_windows(
    mode: str, targets: list[str], run_self_test: bool, dist_root: Path, work_root: Path, installer: bool = False
) -> bool:
    import windows

    started = time.monotonic()
    windows.setup()
    dist = dist_folder(dist_root, mode, windows=True)
    work = work_root / f"pyinstaller-windows-{mode}"
    version_dir = versioninfo.write_version_files(work_root / "version-info", versioninfo.package_version())
    env = {**spec_env(mode, targets, windows.windows_path(version_dir)), "PYTHONPATH": windows.windows_path(ROOT)}
    pyi_started = time.monotonic()
    windows.pyinstaller(SPEC, dist, work, env)
    built = outputs(dist, mode, targets, ".exe")
    require(built)
    for exe in built.values():
        log(f"built {exe}: {size_mb(exe):.1f} MB")
    log(
        f"PyInstaller under Wine took {time.monotonic() - pyi_started:.0f} s ({time.monotonic() - started:.0f} s in all)"
    )
    check_versions(windows.version_strings(list(built.values())))
    if installer:
        import package

        package.package(dist / "knockgui", dist, versioninfo.package_version(), work_root)
    if not run_self_test:
        return True
    ok = True
    for target, exe in built.items():
        report = work_root / f"self-test-windows-{target}.txt"
        report.unlink(missing_ok=True)
        args = ["self-test"] if target == "cli" else ["--self-test", "-platform", "offscreen"]
        proc = windows.wine([str(exe), *args, "--report", windows.windows_path(report)], check=False, timeout=300)
        log(f"self-test of {exe} under Wine: exit code {proc.returncode}")
        text = report.read_text(encoding="utf-8", errors="replace") if report.exists() else "(no report was written)\n"
        sys.stdout.write(text)
        ok = ok and proc.returncode == 0
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the knockgui executables and self-test them.")
    parser.add_argument("--onedir", action="store_true", help="one folder per program instead of one file")
    parser.add_argument("--windows", action="store_true", help="build the Windows .exe files under Wine (Linux only)")
    parser.add_argument(
        "--installer",
        action="store_true",
        help="Windows: both exes in one folder, then its portable zip and the NSIS installer (with --windows on Linux)",
    )
    parser.add_argument("--targets", default="gui,cli", help="comma list of gui,cli (default: both)")
    parser.add_argument("--no-self-test", action="store_true", help="skip the self-test of what was built")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the executables go (default dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work folder (default build/)")
    args = parser.parse_args(argv)
    mode = "onedir" if args.onedir else "onefile"
    targets = [t for t in args.targets.split(",") if t]
    if not targets or set(targets) - {"gui", "cli"}:
        parser.error("--targets takes gui, cli or gui,cli")
    if args.installer:
        if args.onedir or targets != ["gui", "cli"]:
            parser.error("--installer builds both programs into one folder: leave out --onedir and --targets")
        if sys.platform != "win32" and not args.windows:
            parser.error("--installer builds the Windows installer: on this system add --windows (built under Wine)")
        mode = "folder"
    if args.windows:
        ok = build_windows(
            mode, targets, not args.no_self_test, args.dist.resolve(), args.work.resolve(), installer=args.installer
        )
    else:
        if shutil.which("strip") is None and sys.platform.startswith("linux"):
            log("no 'strip' program (Debian package binutils): the binaries stay unstripped and larger")
        built = build_native(mode, targets, args.dist.resolve(), args.work.resolve())
        if args.installer:
            import package

            dist = dist_folder(args.dist.resolve(), mode, windows=False)
            package.package(dist / "knockgui", dist, versioninfo.package_version(), args.work.resolve())
        ok = args.no_self_test or self_test(built, args.work.resolve())
    log("done" if ok else "the self-test FAILED on what was built")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
