"""Self-test of an installed or frozen knockgui, without Qt: one line per check, for field support.

``knockgui-cli self-test`` runs these checks; ``knockgui --self-test`` runs them plus the Qt checks of
``knockgui.gui.selftest``. A required check that fails makes the self-test fail; informational checks
(ICMP, raw sockets) only say what this computer permits, because knockgui works without them.

Checks: the core modules import (proves the frozen bundle is complete), the resources are present,
the keyring backend is a real OS store (SecretService, Windows WinVaultKeyring, macOS Keychain, ...)
and a throw-away entry can be stored, read and deleted (proves the backends were found, which a
frozen app loses when keyring's entry points are not bundled), ICMP sockets and raw sockets.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import platform
import secrets
import socket
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TextIO

from knockgui import APP_NAME, __version__, interruptible
from knockgui.core import resources

REPORT_NAME = "knockgui-self-test.txt"
KEYRING_TEST_SERVICE = "knockgui-self-test"

# Backends that keep nothing: a self-test that lands on one of these has failed.
_NOT_A_STORE = {
    "keyring.backends.fail.Keyring": "the 'fail' backend (no OS keyring was found)",
    "keyring.backends.null.Keyring": "the 'null' backend (keyring switched off)",
}
_FRIENDLY = {
    "keyring.backends.SecretService.Keyring": "SecretService",
    "keyring.backends.libsecret.Keyring": "libsecret (Secret Service)",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.Windows.WinVaultKeyring": "Windows WinVaultKeyring (Credential Manager)",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
}


@dataclass(frozen=True)
class Check:
    """One self-test line: ``ok``/``FAIL`` for a required check, ``info`` for a fact that is not a failure."""

    name: str
    ok: bool
    detail: str
    required: bool = True

    @property
    def status(self) -> str:
        if not self.required:
            return "info"
        return "ok" if self.ok else "FAIL"

    def line(self) -> str:
        return f"{self.status:<4} {self.name}: {self.detail}"

    def was_successful(self) -> bool:
        return self.ok or not self.required


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]

    def was_successful(self) -> bool:
        return all(check.was_successful() for check in self.checks)

    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.was_successful())

    def summary(self) -> str:
        failed = self.failed()
        if not failed:
            return f"self-test passed ({len(self.checks)} checks)"
        names = ", ".join(check.name for check in failed)
        return f"self-test FAILED: {names}"


def header() -> str:
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    return (
        f"{APP_NAME} {__version__} self-test ({frozen}) on {sys.platform}, "
        f"Python {platform.python_version()}, {platform.machine() or 'unknown machine'}"
    )


def guarded(name: str, func: Callable[[], Check]) -> Check:
    """Run one check; an unexpected exception becomes a failed line, never a traceback."""
    try:
        return func()
    except Exception as exc:
        return Check(name, False, f"unexpected {type(exc).__name__}: {exc}")


def import_modules(*packages: ModuleType) -> tuple[list[str], list[str]]:
    """Import every module of ``packages`` (but ``__main__``): the names imported, and the failures as
    ``"name (Error: message)"``. Shared by the core and the GUI import checks."""
    names: list[str] = []
    failures: list[str] = []
    for package in packages:
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            if info.name.endswith("__main__"):
                continue
            try:
                importlib.import_module(info.name)
                names.append(info.name)
            except Exception as exc:
                failures.append(f"{info.name} ({type(exc).__name__}: {exc})")
    return names, failures


def check_imports(packages: Iterable[ModuleType]) -> Check:
    """Every module of ``packages`` imports (in a frozen app: all were bundled). The face that runs the
    self-test passes its own package with knockgui.core; the core imports neither face."""
    packages = list(packages)
    names, failures = import_modules(*packages)
    if failures:
        return Check("imports", False, "could not import " + "; ".join(failures))
    if not names:
        return Check("imports", False, "no knockgui.core module was found (the bundle is incomplete)")
    labels = " and ".join(p.__name__ for p in packages)
    return Check("imports", True, f"{len(names)} modules of {labels} import")


def check_no_qt() -> Check:
    """The CLI must never load Qt (it starts fast and runs where no Qt can)."""
    loaded = sorted(name for name in sys.modules if name == "PySide6" or name.startswith("PySide6."))
    if loaded:
        return Check("qt-free", False, f"Qt was imported by the CLI ({', '.join(loaded[:3])})")
    return Check("qt-free", True, "the CLI loaded no Qt module")


def check_resources() -> Check:
    missing = [name for name in resources.REQUIRED if not resources.exists(name)]
    if missing:
        return Check("resources", False, f"missing {', '.join(missing)} (the package data was not bundled)")
    png = resources.read_bytes(resources.ICON_PNG)
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        return Check("resources", False, f"{resources.ICON_PNG} is not a PNG image")
    return Check("resources", True, f"{len(resources.REQUIRED)} files present ({resources.ICON_PNG} {len(png)} bytes)")


def describe_backend(backend: object) -> tuple[bool, str]:
    """(is a real store, its name) for a keyring backend object."""
    cls = type(backend)
    dotted = f"{cls.__module__}.{cls.__qualname__}"
    if dotted in _NOT_A_STORE:
        return False, _NOT_A_STORE[dotted]
    if dotted == "keyring.backends.chainer.ChainerBackend":
        inner = list(getattr(backend, "backends", []))
        if not inner:
            return False, "a chainer with no backend in it (the backends were not found)"
        parts = [describe_backend(b) for b in inner]
        real = [name for ok, name in parts if ok]
        if not real:
            return False, "a chainer of backends that keep nothing"
        return True, "chainer of " + ", ".join(real)
    return True, f"{_FRIENDLY.get(dotted, cls.__qualname__)} ({dotted})"


def check_keyring(round_trip: bool = True) -> Check:
    import keyring
    import keyring.errors

    backend = keyring.get_keyring()
    real, name = describe_backend(backend)
    if not real:
        source = "PYTHON_KEYRING_BACKEND" if os.environ.get("PYTHON_KEYRING_BACKEND") else "autodetection"
        return Check(
            "keyring",
            False,
            f"{name}, chosen by {source}; start or unlock the OS keyring (Secret Service, Credential Manager, Keychain)",
        )
    if not round_trip:
        return Check("keyring", True, name)
    user = "probe-" + secrets.token_hex(4)
    value = secrets.token_urlsafe(12)
    try:
        with interruptible():  # a Ctrl-C (also in the GUI's self-test, which otherwise ends at once) deletes the entry
            keyring.set_password(KEYRING_TEST_SERVICE, user, value)
            try:
                read = keyring.get_password(KEYRING_TEST_SERVICE, user)
            finally:
                with contextlib.suppress(keyring.errors.KeyringError):
                    keyring.delete_password(KEYRING_TEST_SERVICE, user)
    except keyring.errors.KeyringError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Check("keyring", False, f"{name} refused a test entry ({reason}); unlock the OS keyring and retry")
    if read != value:
        return Check("keyring", False, f"{name} did not give back the test entry it stored")
    return Check("keyring", True, f"{name}; a test entry was stored, read back and deleted")


def _try_socket(kind: int, proto: int) -> str:
    """'' when the socket opens, else the OS's reason."""
    try:
        sock = socket.socket(socket.AF_INET, kind, proto)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    sock.close()
    return ""


def _ping_group_range() -> str | None:
    try:
        return Path("/proc/sys/net/ipv4/ping_group_range").read_text().split("\n")[0].replace("\t", " ")
    except OSError:
        return None


def check_icmp(platform_name: str = sys.platform) -> Check:
    """Unprivileged ICMP (echo without admin rights): Windows IcmpSendEcho, else a SOCK_DGRAM ICMP socket."""
    if platform_name == "win32":
        from knockgui.core import icmp_win
        from knockgui.core.errors import KnockguiError

        try:
            icmp_win.check_available(False)  # opens (and closes) an ICMP handle, as a knock does
        except KnockguiError as exc:
            return Check("icmp", False, f"not permitted: {exc.message}", False)
        return Check(
            "icmp", True, "permitted: IcmpSendEcho (iphlpapi) opened an ICMP handle, no admin rights needed", False
        )
    reason = _try_socket(socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
    if not reason:
        return Check("icmp", True, "permitted: unprivileged ICMP sockets work", False)
    detail = f"not permitted: unprivileged ICMP sockets refused ({reason})"
    group_range = _ping_group_range()
    if group_range is not None:
        detail += f"; net.ipv4.ping_group_range is '{group_range}', widen it (e.g. '0 2147483647') to allow them"
    return Check("icmp", False, detail, False)


def check_raw_sockets() -> Check:
    reason = _try_socket(socket.SOCK_RAW, socket.IPPROTO_ICMP)
    if not reason:
        return Check("raw-sockets", True, "permitted: raw ICMP sockets open (administrator or CAP_NET_RAW)", False)
    return Check("raw-sockets", False, f"not permitted ({reason}); only needed when ICMP sockets are refused", False)


def core_checks(
    *, packages: Iterable[ModuleType] = (), qt_free: bool = False, keyring_round_trip: bool = True
) -> list[Check]:
    """The Qt-free checks: ``packages`` are imported along with knockgui.core (the caller's own face,
    e.g. knockgui.cli); ``qt_free`` also checks that nothing imported Qt (the CLI's promise)."""
    import knockgui.core

    wanted = [knockgui.core, *(p for p in packages if p is not knockgui.core)]
    checks = [
        guarded("imports", lambda: check_imports(wanted)),
        guarded("resources", check_resources),
        guarded("keyring", lambda: check_keyring(keyring_round_trip)),
        guarded("icmp", check_icmp),
        guarded("raw-sockets", check_raw_sockets),
    ]
    if qt_free:
        checks.append(guarded("qt-free", check_no_qt))
    return checks


def _open_report(path: Path) -> tuple[TextIO, Path]:
    """A new file of this user's (O_EXCL, mode 0600) that then takes ``path``'s name, and where it is.

    The name is taken by rename, so a symlink or another user's file already at ``path`` (the default is
    in the shared /tmp) is replaced, never followed or written into; where the name cannot be taken
    (another user's file in a sticky folder), the report keeps its own unique name, which the last line
    names. On Windows %TEMP% is the user's own and an open file cannot be renamed: a plain open there.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.name == "nt":
        return path.open("w", encoding="utf-8"), path
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    final = Path(tmp)
    try:
        os.replace(tmp, path)
        final = path
    except OSError:
        pass
    return os.fdopen(fd, "w", encoding="utf-8"), final


def default_report_path() -> Path:
    return Path(tempfile.gettempdir()) / REPORT_NAME


class Reporter:
    """Writes each line at once to stdout (when there is one) and to the report file (when asked).

    Lines are flushed as they come, so a crash in a later check (a Qt plugin that aborts the
    process) still leaves the earlier lines in the report.
    """

    def __init__(self, report_path: Path | None, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.report_path = report_path
        self._file: TextIO | None = None
        if report_path is not None:
            self._file, self.report_path = _open_report(report_path)

    def line(self, text: str) -> None:
        if self.stream is not None:
            try:
                print(text, file=self.stream, flush=True)
            except (OSError, ValueError):
                pass  # a windowed app may have no usable console
        if self._file is not None:
            self._file.write(text + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run(checks: Iterable[Callable[[], Iterator[Check] | list[Check]]], reporter: Reporter) -> Report:
    """Run groups of checks in order, reporting each line as it completes; the last line is the summary."""
    reporter.line(header())
    done: list[Check] = []
    for group in checks:
        for check in group():
            done.append(check)
            reporter.line(check.line())
    report = Report(tuple(done))
    reporter.line(report.summary())
    if reporter.report_path is not None:
        reporter.line(f"report written to {reporter.report_path}")
    return report
