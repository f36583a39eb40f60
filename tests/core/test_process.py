"""knockgui.core.process: resolving programs, detaching them, and the sentences for failures."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from knockgui.core import process
from knockgui.core.errors import LaunchError
from tests.testbed import recorder
from tests.testbed.netns import wait_for


def proc_state(pid: int) -> str | None:
    """The state letter of a process (``S``, ``R``, ``Z``...), ``None`` once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary bin folder first on PATH, and a folder for the recorder's records."""
    folder = tmp_path / "bin"
    folder.mkdir()
    records = tmp_path / "records"
    records.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("KG_RECORD_DIR", str(records))
    return folder


# --- the platform flags, as data -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "console", "flags", "redirected"),
    [
        ("win32", False, process.DETACHED_PROCESS | process.CREATE_NEW_PROCESS_GROUP, True),
        ("win32", True, process.CREATE_NEW_CONSOLE | process.CREATE_NEW_PROCESS_GROUP, False),
        ("linux", False, None, True),
        ("linux", True, None, True),
        ("darwin", False, None, True),
    ],
)
def test_popen_options_per_platform(platform: str, console: bool, flags: int | None, redirected: bool) -> None:
    options = process.popen_options(platform, console=console)
    assert options.get("creationflags") == flags
    assert options["close_fds"] is True
    assert ("stdin" in options) is redirected
    if redirected:
        assert options["stdin"] == options["stdout"] == options["stderr"] == subprocess.DEVNULL
    assert options.get("start_new_session", False) is (platform != "win32")
    assert "shell" not in options


def test_windows_locator_uses_semicolon_path_and_exe_suffix() -> None:
    files = {r"C:\Tools\ssh.exe", r"C:\Program Files\WinBox\winbox64.exe"}
    locator = process.Locator("win32", {"PATH": r"C:\Windows;C:\Tools"}, files.__contains__)
    assert locator.find(["ssh"]) == r"C:\Tools\ssh.exe"
    assert locator.find(["winbox64.exe"]) is None
    assert locator.find(["winbox64.exe"], [r"C:\Program Files\WinBox"]) == r"C:\Program Files\WinBox\winbox64.exe"
    assert locator.find([r"C:\Program Files\WinBox\winbox64.exe"]) == r"C:\Program Files\WinBox\winbox64.exe"
    assert locator.find([r"D:\nowhere\winbox.exe", "ssh.exe"]) == r"C:\Tools\ssh.exe"


def test_posix_locator_expands_home_and_prefers_path_order() -> None:
    files = {"/usr/bin/xterm", "/opt/bin/xterm", "/home/u/Downloads/WinBox"}
    locator = process.Locator("linux", {"PATH": "/opt/bin:/usr/bin", "HOME": "/home/u"}, files.__contains__)
    assert locator.find(["xterm"]) == "/opt/bin/xterm"
    assert locator.find(["~/Downloads/WinBox"]) == "/home/u/Downloads/WinBox"
    assert locator.find(["konsole", "xterm"]) == "/opt/bin/xterm"
    assert locator.find(["konsole"]) is None


# --- resolving on this computer ---------------------------------------------------------------------


def test_resolve_program_on_path_and_in_extra_dirs(bin_dir: Path, tmp_path: Path) -> None:
    recorder.install(bin_dir, "winbox")
    assert process.resolve_program("winbox") == bin_dir / "winbox"
    extra = tmp_path / "extra"
    recorder.install(extra, "other-tool")
    assert process.resolve_program("other-tool", [extra]) == extra / "other-tool"


def test_missing_program_names_the_setting(bin_dir: Path) -> None:
    with pytest.raises(LaunchError) as info:
        process.resolve_program("winbox64.exe", label="Winbox", setting="winbox_path")
    assert str(info.value) == (
        "Winbox was not found: set its path in Settings (winbox_path) or put winbox64.exe on PATH."
    )
    with pytest.raises(
        LaunchError, match=r"^Winbox was not found at /nowhere/WinBox: fix its path in Settings \(winbox_path\)\.$"
    ):
        process.resolve_program("/nowhere/WinBox", label="Winbox", setting="winbox_path")


def test_a_file_that_is_not_executable_is_not_found(bin_dir: Path) -> None:
    (bin_dir / "notexec").write_text("#!/bin/sh\n")
    with pytest.raises(LaunchError, match="notexec was not found"):
        process.resolve_program("notexec")


# --- starting for real -------------------------------------------------------------------------------


def test_start_detached_runs_without_shell_in_its_own_session(bin_dir: Path, tmp_path: Path) -> None:
    recorder.install(bin_dir, "winbox")
    hostile = ["10.0.0.1", "$(touch pwned)", "a;b", "'quoted' \"x\"", "*"]
    pid = process.start_detached(["winbox", *hostile], env={"KG_EXTRA": "1"})
    records = tmp_path / "records"
    assert wait_for(lambda: recorder.records(records), timeout=10)
    rec = recorder.records(records)[0]
    assert rec["pid"] == pid
    assert rec["argv"] == hostile
    assert rec["env"]["KG_EXTRA"] == "1"
    assert rec["env"]["PATH"] == os.environ["PATH"]
    assert rec["sid"] == pid and rec["sid"] != os.getsid(0)
    assert rec["stdin"] == rec["stdout"] == rec["stderr"] == "/dev/null"
    assert not (Path.cwd() / "pwned").exists()
    # The reaper collects it: no zombie stays behind while we run.
    assert wait_for(lambda: proc_state(pid) is None, timeout=10), proc_state(pid)


def test_detached_process_reports_exit(bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder.install(bin_dir, "WinBox")
    monkeypatch.setenv("KG_RECORDER_HOLD", "1")
    handle = process.start(["WinBox"], label="Winbox")
    assert handle.running()
    assert wait_for(lambda: recorder.records(tmp_path / "records"), timeout=10)
    assert proc_state(handle.pid) in ("S", "R")
    (tmp_path / "records" / "stop").touch()
    assert handle.wait(10)
    assert handle.returncode == 0 and not handle.running()
    assert proc_state(handle.pid) is None


def test_started_program_outlives_its_parent(bin_dir: Path, tmp_path: Path) -> None:
    recorder.install(bin_dir, "WinBox")
    records = tmp_path / "records"
    parent = textwrap.dedent(
        """
        import os
        from knockgui.core.process import start_detached
        print(os.getpid(), start_detached(["WinBox", "10.1.2.3"], env={"KG_RECORDER_HOLD": "1"}), flush=True)
        """
    )
    out = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, timeout=30, check=True)
    parent_pid, child = (int(x) for x in out.stdout.split())
    try:
        assert wait_for(lambda: recorder.records(records), timeout=10)
        # The parent has exited; the program still runs (not a zombie) and has been adopted.
        assert proc_state(child) in ("S", "R")
        (records / "stop").touch()
        assert wait_for(lambda: recorder.records(records, "end"), timeout=10)
        start, end = recorder.records(records)[0], recorder.records(records, "end")[0]
        assert start["argv"] == ["10.1.2.3"]
        assert end["pid"] == child and end["ppid"] != parent_pid and proc_state(parent_pid) is None
    finally:
        (records / "stop").touch()
        wait_for(lambda: proc_state(child) in (None, "Z"), timeout=10)


def test_start_failures_are_sentences(bin_dir: Path) -> None:
    with pytest.raises(LaunchError, match=r"^Winbox was not found: set its path in Settings \(winbox_path\)"):
        process.start(["no-such-winbox"], label="Winbox", setting="winbox_path")
    script = bin_dir / "noperm"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o644)
    with pytest.raises(LaunchError, match="permission denied"):
        process.start([str(script)], label="PuTTY", setting="putty_path")
    garbage = bin_dir / "garbage.exe"
    garbage.write_bytes(b"MZ\x90\x00not an ELF program")
    garbage.chmod(0o755)
    with pytest.raises(LaunchError, match=r"is not a program for this system; check Settings \(winbox_path\)\.$"):
        process.start([str(garbage)], label="Winbox", setting="winbox_path")
    with pytest.raises(LaunchError, match="command is empty"):
        process.start([])
