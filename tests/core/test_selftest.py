"""The self-test logic (Qt-free): line format, what counts as a failure, backend naming, the report file."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.backends.SecretService
import keyring.backends.Windows
import pytest

from knockgui.core import resources, selftest
from knockgui.core.selftest import Check, Report


def test_a_failed_required_check_fails_the_report_but_an_informational_one_does_not() -> None:
    info = Check("icmp", False, "not permitted", required=False)
    assert info.line() == "info icmp: not permitted"
    assert Report((Check("a", True, "fine"), info)).was_successful()
    failed = Report((Check("a", True, "fine"), Check("keyring", False, "the 'fail' backend"), info))
    assert not failed.was_successful()
    assert failed.summary() == "self-test FAILED: keyring"
    assert Check("keyring", False, "x").line() == "FAIL keyring: x"


def test_an_unexpected_exception_becomes_a_failed_line() -> None:
    def boom() -> Check:
        raise RuntimeError("broken bundle")

    check = selftest.guarded("imports", boom)
    assert not check.ok and check.required
    assert check.detail == "unexpected RuntimeError: broken bundle"


@pytest.mark.parametrize(
    ("backend", "real", "name"),
    [
        (keyring.backends.fail.Keyring(), False, "the 'fail' backend"),
        (keyring.backends.null.Keyring(), False, "the 'null' backend"),
        (keyring.backends.SecretService.Keyring(), True, "SecretService (keyring.backends.SecretService.Keyring)"),
        (keyring.backends.Windows.WinVaultKeyring(), True, "Windows WinVaultKeyring"),
    ],
)
def test_backends_are_named_and_the_ones_that_keep_nothing_are_refused(backend: object, real: bool, name: str) -> None:
    ok, described = selftest.describe_backend(backend)
    assert ok is real
    assert described.startswith(name)


def test_a_chainer_with_nothing_in_it_is_not_a_store(monkeypatch: pytest.MonkeyPatch) -> None:
    chainer = keyring.backends.chainer.ChainerBackend()
    monkeypatch.setattr(type(chainer), "backends", property(lambda self: []))
    assert selftest.describe_backend(chainer) == (
        False,
        "a chainer with no backend in it (the backends were not found)",
    )
    monkeypatch.setattr(type(chainer), "backends", property(lambda self: [keyring.backends.fail.Keyring()]))
    assert selftest.describe_backend(chainer)[0] is False
    monkeypatch.setattr(type(chainer), "backends", property(lambda self: [keyring.backends.SecretService.Keyring()]))
    assert selftest.describe_backend(chainer) == (
        True,
        "chainer of SecretService (keyring.backends.SecretService.Keyring)",
    )


def test_the_fail_backend_fails_the_keyring_check_and_says_who_chose_it() -> None:
    # conftest's isolated_home sets PYTHON_KEYRING_BACKEND to the fail backend
    check = selftest.check_keyring()
    assert not check.ok
    assert "'fail' backend" in check.detail and "PYTHON_KEYRING_BACKEND" in check.detail


def test_icmp_and_raw_socket_checks_only_inform() -> None:
    for check in (selftest.check_icmp(), selftest.check_raw_sockets()):
        assert not check.required
        assert check.detail.startswith(("permitted", "not permitted"))


def test_the_windows_icmp_check_names_icmpsendecho_or_why_not() -> None:
    check = selftest.check_icmp("win32")
    # on Linux there is no iphlpapi.dll: the check says so in the engine's sentence, and only informs
    assert check.detail == "not permitted: The Windows ICMP service (iphlpapi.dll) is not available on this system."
    assert not check.required


def test_resources_are_present_as_package_data() -> None:
    check = selftest.check_resources()
    assert check.ok, check.detail
    assert resources.read_bytes(resources.ICON_PNG).startswith(b"\x89PNG")
    assert resources.icon_png_path(16).is_file()


def test_the_reporter_writes_every_line_to_the_report_file_and_names_it(tmp_path: Path) -> None:
    out = io.StringIO()
    report_path = tmp_path / "sub" / "report.txt"
    with selftest.Reporter(report_path, out) as reporter:
        report = selftest.run([lambda: [Check("a", True, "fine"), Check("b", False, "bad")]], reporter)
    assert not report.was_successful()
    lines = report_path.read_text().splitlines()
    assert lines == out.getvalue().splitlines()
    assert lines[1:] == ["ok   a: fine", "FAIL b: bad", "self-test FAILED: b", f"report written to {report_path}"]
    assert lines[0].startswith("knockgui 0.1.0 self-test (from source) on ")


@pytest.mark.parametrize("planted", ["symlink", "other-users-file"])
def test_the_report_never_goes_into_what_another_user_planted_at_its_name(tmp_path: Path, planted: str) -> None:
    """The default report is in the shared /tmp: a symlink or a file planted there must not get it."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    report_path = shared / "knockgui-self-test.txt"
    victim = tmp_path / "precious.txt"
    victim.write_text("precious\n")
    if planted == "symlink":
        report_path.symlink_to(victim)
        watched = victim
    else:
        report_path.write_text("planted\n")
        report_path.chmod(0o666)
        if os.geteuid() == 0:
            os.chown(report_path, 65534, 65534)
        watched = tmp_path / "attackers-view.txt"
        os.link(report_path, watched)  # the other user keeps a name for their file
    with selftest.Reporter(report_path, io.StringIO()) as reporter:
        selftest.run([lambda: [Check("a", True, "fine")]], reporter)
        written = reporter.report_path
    assert watched.read_text() in ("precious\n", "planted\n"), "the report went into the planted file"
    assert written is not None and not written.is_symlink()
    assert os.stat(written).st_uid == os.geteuid() and stat.S_IMODE(os.stat(written).st_mode) == 0o600
    assert written.read_text().splitlines()[-1] == f"report written to {written}"


def test_cli_self_test_exits_1_with_the_fail_backend_and_writes_its_report(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    proc = subprocess.run(
        [sys.executable, "-m", "knockgui.cli", "self-test", "--report", str(report)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "FAIL keyring: the 'fail' backend" in proc.stdout
    assert "ok   qt-free: the CLI loaded no Qt module" in proc.stdout
    assert report.read_text() == proc.stdout


@pytest.mark.keyring
def test_a_real_secret_service_passes_with_a_round_trip(secret_service: object) -> None:
    import keyring.core

    keyring.core.set_keyring(keyring.core.load_env() or keyring.core.load_config() or keyring.backends.fail.Keyring())
    try:
        check = selftest.check_keyring()
    finally:
        keyring.core.set_keyring(keyring.backends.fail.Keyring())
    assert check.ok, check.detail
    assert check.detail.startswith("SecretService (keyring.backends.SecretService.Keyring)")
    assert "stored, read back and deleted" in check.detail
