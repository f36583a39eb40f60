"""Another local user against the single-instance socket: it cannot take the name, and is not talked to.

The other user is real: a child process that drops to uid/gid 65534 (nobody) with setgid/setuid, so the
kernel, not the test, decides what it may bind and what SO_PEERCRED reports. Needs root (to setuid).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from pytestqt.qtbot import QtBot

from knockgui.core.errors import PermissionProblem
from knockgui.core.rundir import private_dir
from knockgui.gui.single_instance import Reply, Request, SingleInstance
from tests.conftest import need

OTHER_UID = 65534

# The "other user": binds PATH (dropping to OTHER_UID before or after bind), listens, answers the first
# client "ok" with terminal escape codes, and reports on stdout what it could do and what it was sent.
ATTACKER = r"""
import json, os, socket, sys
path, uid, drop_first = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
def drop():
    os.setgroups([]); os.setgid(uid); os.setuid(uid)
if drop_first:
    drop()
s = socket.socket(socket.AF_UNIX)
try:
    s.bind(path)
except OSError as exc:
    print(json.dumps({"bound": False, "errno": exc.errno}), flush=True)
    sys.exit(0)
if not drop_first:
    drop()
s.listen(1)
print(json.dumps({"bound": True}), flush=True)
s.settimeout(20)
try:
    c, _ = s.accept()
except OSError:
    print(json.dumps({"got": None}), flush=True)
    sys.exit(0)
c.settimeout(5)
try:
    got = c.recv(4096)
except OSError:
    got = b""
try:
    c.sendall(b'{"v": 1, "ok": true, "message": "\\u001b[2J\\u001b]0;pwned\\u0007Knocking on Office."}\n')
except OSError:
    pass
c.close()
print(json.dumps({"got": got.decode("latin-1")}), flush=True)
"""


def _need_root() -> None:
    need("" if os.geteuid() == 0 else "needs root to run a process as another user (setuid)")


def _socket_path(instance: SingleInstance) -> Path:
    return Path(instance.name) if instance.name.startswith("/") else Path(QDir.tempPath()) / instance.name


def _attacker(path: Path, drop_first: bool) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", ATTACKER, str(path), str(OTHER_UID), "1" if drop_first else "0"],
        stdout=subprocess.PIPE,
        text=True,
    )


def _claim_in_thread(qtbot: QtBot, instance: SingleInstance, request: Request, wait: float) -> Reply | None:
    result: list[Reply | None] = []
    thread = threading.Thread(target=lambda: result.append(instance.claim(request, wait=wait)), daemon=True)
    thread.start()
    qtbot.waitUntil(lambda: bool(result), timeout=20000)
    thread.join()
    return result[0]


def _finish(child: subprocess.Popen[str]) -> list[dict[str, object]]:
    try:
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_another_user_cannot_bind_the_socket_name_first(qtbot: QtBot, tmp_path: Path) -> None:
    """The attack of issue 16: another user binds the name before a later start connects to it."""
    _need_root()
    running = SingleInstance(tmp_path / "config")
    assert running.acquire()  # the victim's first instance holds the lock, not yet listening
    try:
        attacker = _attacker(_socket_path(running), drop_first=True)
        assert attacker.stdout is not None
        first_line = json.loads(attacker.stdout.readline())
        reply = _claim_in_thread(qtbot, SingleInstance(tmp_path / "config"), Request("connect", name="Office"), 1.0)
        if first_line["bound"]:
            attacker.kill()
        report = _finish(attacker)
    finally:
        running.release()
    assert first_line == {"bound": False, "errno": 13}, "another user could bind the single-instance socket"
    assert report == []
    assert reply is not None and not reply.ok


def test_a_socket_held_by_another_user_gets_no_request(qtbot: QtBot, tmp_path: Path) -> None:
    """Even a socket in place that another user's process listens on is refused before anything is sent."""
    _need_root()
    running = SingleInstance(tmp_path / "config")
    assert running.acquire()
    try:
        attacker = _attacker(_socket_path(running), drop_first=False)  # bound as root, then listens as nobody
        assert attacker.stdout is not None
        assert json.loads(attacker.stdout.readline()) == {"bound": True}
        reply = _claim_in_thread(qtbot, SingleInstance(tmp_path / "config"), Request("connect", name="Office"), 1.0)
        report = _finish(attacker)
    finally:
        running.release()
    assert reply is not None and not reply.ok, f"the other user's answer was taken: {reply}"
    assert f"user id {OTHER_UID}" in reply.message and reply.message.endswith(".")
    assert report and report[0]["got"] in ("", None), f"the request reached the other user: {report}"


def test_a_reply_is_filtered_before_it_is_printed() -> None:
    line = b'{"v": 1, "ok": true, "message": "\\u001b[2Jdone\\u0007' + b"x" * 5000 + b'"}'
    reply = Reply.from_line(line)
    assert reply.ok and reply.message.startswith("?[2Jdone?")
    assert reply.message.isprintable() and len(reply.message) <= 400


def test_private_dir_is_made_owner_only_and_checked(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    folder = private_dir({"XDG_RUNTIME_DIR": str(runtime)})
    assert folder == runtime / "knockgui" and stat.S_IMODE(folder.stat().st_mode) == 0o700
    # A runtime folder others can reach is not used: the fallback in the temporary folder is.
    runtime.chmod(0o755)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    tmp.chmod(0o1777)
    assert private_dir({"XDG_RUNTIME_DIR": str(runtime)}, tmp=str(tmp)) == tmp / f"knockgui-{os.getuid()}"


@pytest.mark.parametrize("planted", ["symlink", "open-mode", "other-owner", "file"])
def test_a_planted_fallback_folder_is_refused_with_a_sentence(tmp_path: Path, planted: str) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    tmp.chmod(0o1777)
    target = tmp / f"knockgui-{os.getuid()}"
    if planted == "symlink":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        target.symlink_to(tmp_path / "elsewhere")
    elif planted == "open-mode":
        target.mkdir()
        target.chmod(0o777)
    elif planted == "other-owner":
        _need_root()
        target.mkdir(mode=0o700)
        os.chown(target, OTHER_UID, OTHER_UID)
    else:
        target.write_text("")
    with pytest.raises(PermissionProblem) as caught:
        private_dir({}, tmp=str(tmp))
    assert str(target) in caught.value.message and caught.value.message.endswith("start again.")
