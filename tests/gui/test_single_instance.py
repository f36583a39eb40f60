"""One running instance: the lock, the socket name, the JSON protocol, forwarding, stale sockets and locks."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from pytestqt.qtbot import QtBot

from knockgui.gui.single_instance import Reply, Request, SingleInstance, send_request, server_name


def test_requests_and_replies_round_trip() -> None:
    for request in (Request("show"), Request("knock", name="Büro"), Request("link", link="winbox://10.0.0.1")):
        assert Request.from_line(request.to_line()) == request
    reply = Reply(False, "No router named 'x' is in the inventory.")
    assert Reply.from_line(reply.to_line()) == reply


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        (b"not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'{"v": 99, "action": "show"}', "different knockgui version"),
        (b'{"v": 1, "action": "reboot"}', "did not understand"),
        (b'{"v": 1, "action": "knock", "name": 5}', "did not understand"),
        (b'{"v": 1, "action": "knock"}', "names no router"),
        (b'{"v": 1, "action": "link"}', "holds no link"),
        (b"[1, 2]", "different knockgui version"),
    ],
)
def test_bad_requests_are_refused_with_a_sentence(line: bytes, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        Request.from_line(line)


def test_unreadable_reply_becomes_a_sentence() -> None:
    assert Reply.from_line(b'{"ok": "yes"}') == Reply(
        False, "The running knockgui sent an answer that could not be read; restart it."
    )


def test_server_name_depends_on_user_and_folder(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert server_name(a, "alice") == server_name(a, "alice")
    assert len({server_name(a, "alice"), server_name(b, "alice"), server_name(a, "bob")}) == 3
    assert len(server_name(a)) < 40  # Unix socket paths are short


def _socket_path(instance: SingleInstance) -> Path:
    """Where the instance's local socket file is (a bare name is in Qt's temporary folder)."""
    return Path(instance.name) if instance.name.startswith("/") else Path(QDir.tempPath()) / instance.name


def _forward(qtbot: QtBot, instance: SingleInstance, request: Request) -> Reply | None:
    result: list[Reply | None] = []
    thread = threading.Thread(target=lambda: result.append(instance.claim(request)), daemon=True)
    thread.start()
    qtbot.waitUntil(lambda: bool(result), timeout=10000)  # the GUI thread's loop serves meanwhile
    thread.join()
    return result[0]


def test_second_instance_forwards_and_gets_the_handlers_reply(qtbot: QtBot, tmp_path: Path) -> None:
    first, second = SingleInstance(tmp_path), SingleInstance(tmp_path)
    assert first.claim(Request("show")) is None  # the first start becomes the running instance
    seen: list[Request] = []

    def handler(request: Request) -> Reply:
        seen.append(request)
        if request.name == "Nowhere":
            return Reply(False, "No router named 'Nowhere' is in the inventory; add it or check the name.")
        return Reply(True, f"Knocking on {request.name}.")

    first.serve(handler)
    try:
        assert not second.acquire()
        assert _forward(qtbot, second, Request("connect", name="Office")) == Reply(True, "Knocking on Office.")
        refused = _forward(qtbot, second, Request("knock", name="Nowhere"))
        assert refused is not None and not refused.ok and "Nowhere" in refused.message
        assert seen == [Request("connect", name="Office"), Request("knock", name="Nowhere")]
    finally:
        first.release()
    # Once the first instance is gone, the next start takes over.
    assert second.claim(Request("show")) is None
    second.release()


def test_garbage_and_oversized_requests_get_a_refusal(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.acquire()
    first.serve(lambda request: Reply(True, "accepted"))
    try:
        for payload in (b"garbage\n", b"x" * 10000):
            result: list[bytes] = []

            def talk(data: bytes = payload, result: list[bytes] = result) -> None:
                path = _socket_path(first)
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(str(path))
                    s.sendall(data)
                    result.append(s.makefile("rb").readline())

            thread = threading.Thread(target=talk, daemon=True)
            thread.start()
            qtbot.waitUntil(lambda r=result: bool(r), timeout=10000)
            reply = Reply.from_line(result[0])
            assert not reply.ok and reply.message.endswith(".")
    finally:
        first.release()


def test_a_stale_socket_file_is_replaced(qtbot: QtBot, tmp_path: Path) -> None:
    instance = SingleInstance(tmp_path)
    stale = _socket_path(instance)
    leftover = socket.socket(socket.AF_UNIX)
    leftover.bind(str(stale))  # a socket file nobody listens on, as a crash leaves it
    leftover.close()
    assert stale.exists()
    assert send_request(instance.name, Request("show"), timeout=1) is None
    assert instance.claim(Request("show")) is None
    instance.serve(lambda request: Reply(True, "here"))
    try:
        assert _forward(qtbot, SingleInstance(tmp_path), Request("show")) == Reply(True, "here")
    finally:
        instance.release()


def test_the_lock_of_a_killed_instance_is_free(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from knockgui.gui.single_instance import SingleInstance; "
            "s = SingleInstance(Path(sys.argv[1])); print(s.acquire(), flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "True"
        assert not SingleInstance(tmp_path).acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        again = SingleInstance(tmp_path)
        assert again.acquire()
        again.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout:
            holder.stdout.close()


def test_a_handler_crash_still_gets_a_sentence(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.acquire()

    def broken(request: Request) -> Reply:
        raise RuntimeError("boom")

    first.serve(broken)
    try:
        reply = _forward(qtbot, SingleInstance(tmp_path), Request("show"))
        assert reply == Reply(False, "The running knockgui failed on this request (RuntimeError); please report it.")
    finally:
        first.release()
