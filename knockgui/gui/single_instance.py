"""One running knockgui per user and config folder; later starts hand their request to it.

The first instance holds an OS lock on a file in the config folder (flock/msvcrt: the OS drops it
when the process dies, so a crash leaves no stale lock) and listens on a local socket whose name is
derived from the user and the config folder (``QLocalServer``, owner-only on Unix). On Unix the socket
lives in a folder only this user can reach (``knockgui.core.rundir``: ``$XDG_RUNTIME_DIR/knockgui`` or
a checked 0700 folder in /tmp), so another local user cannot take the name first; a client also checks
that the server's process is its own user (``SO_PEERCRED``) before it sends anything, and the server
checks its clients the same way. Because only the lock holder listens, a socket file left behind by a
crash is stale by definition and is removed first.

A later start connects and sends ONE request, a JSON object on one line::

    {"v": 1, "action": "show"}                      bring the window to the front
    {"v": 1, "action": "knock", "name": "NAME"}     knock only
    {"v": 1, "action": "connect", "name": "NAME"}   knock, then launch the client
    {"v": 1, "action": "link", "link": "LINK"}      knockgui://... or winbox://...

and gets one reply line: ``{"v": 1, "ok": true|false, "message": "one sentence"}``. The running instance
replies once it has accepted the request (the knock itself runs on in that instance), or refuses it
with a sentence (an unknown router, a bad link). The handing-over process prints a refusal on stderr and
exits non-zero. No secret ever crosses the socket: only router names and links. A reply's message is
shown only after control characters are replaced and its length is capped (it is printed to a terminal).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from knockgui.core.errors import KnockguiError
from knockgui.core.model import Router

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalSocket

# QtNetwork is imported where a socket is made: the first start of the day only takes the lock
# before its window appears and listens after it (see quick.attach), so QtNetwork stays off that path.

PROTOCOL = 1
ACTIONS = ("show", "knock", "connect", "link")
MAX_LINE = 4096
MAX_MESSAGE = 400
LOCK_NAME = ".knockgui-instance.lock"


@dataclass(frozen=True)
class Request:
    action: str
    name: str = ""
    link: str = ""

    def to_line(self) -> bytes:
        data: dict[str, object] = {"v": PROTOCOL, "action": self.action}
        if self.name:
            data["name"] = self.name
        if self.link:
            data["link"] = self.link
        return json.dumps(data, ensure_ascii=True).encode() + b"\n"

    @staticmethod
    def from_line(line: bytes) -> Request:
        """Decode a request; ValueError with a sentence when it is not one."""
        try:
            data = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ValueError("The request to the running knockgui was not valid JSON.") from None
        if not isinstance(data, dict) or data.get("v") != PROTOCOL:
            raise ValueError("The request came from a different knockgui version; start the same version.")
        action, name, link = data.get("action"), data.get("name", ""), data.get("link", "")
        if action not in ACTIONS or not isinstance(name, str) or not isinstance(link, str):
            raise ValueError("The running knockgui did not understand the request.")
        if action in ("knock", "connect") and not name:
            raise ValueError("The request names no router; give one, as in --knock NAME.")
        if action == "link" and not link:
            raise ValueError("The request holds no link.")
        return Request(action, name, link)


@dataclass(frozen=True)
class Reply:
    ok: bool
    message: str

    def to_line(self) -> bytes:
        return json.dumps({"v": PROTOCOL, "ok": self.ok, "message": self.message}).encode() + b"\n"

    @staticmethod
    def from_line(line: bytes) -> Reply:
        try:
            data = json.loads(line.decode("utf-8"))
            if isinstance(data, dict) and isinstance(data.get("ok"), bool) and isinstance(data.get("message"), str):
                return Reply(data["ok"], _printable(data["message"]))
        except (UnicodeDecodeError, ValueError, RecursionError):
            pass
        return Reply(False, "The running knockgui sent an answer that could not be read; restart it.")


def _printable(message: str) -> str:
    """``message`` safe to print on a terminal: control and other unprintable characters become '?', capped."""
    text = "".join(ch if ch.isprintable() else "?" for ch in message[: MAX_MESSAGE + 1])
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _peer_refusal(socket: QLocalSocket) -> str:
    """Why the process at the other end of ``socket`` must not be talked to ("" when it is this user's)."""
    if sys.platform == "win32":
        return ""
    from knockgui.core.rundir import peer_uid

    uid = peer_uid(int(socket.socketDescriptor()))
    if uid is None or uid == os.getuid():
        return ""
    return f"user id {uid}"


def socket_name(config_dir: Path, user: str | None = None) -> str:
    """What ``QLocalServer`` listens on: a path in this user's private folder on Unix, a pipe name on Windows.

    PermissionProblem (a sentence) when no private folder can be made safely.
    """
    name = server_name(config_dir, user)
    if sys.platform == "win32":
        return name
    from knockgui.core.rundir import private_dir

    return str(private_dir() / name)


def server_name(config_dir: Path, user: str | None = None) -> str:
    """The local socket name for this user and config folder (short: Unix socket paths are limited)."""
    import hashlib

    if user is None:
        import getpass

        try:
            user = getpass.getuser()
        except Exception:
            user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    key = f"{user}\0{Path(config_dir).expanduser().resolve()}"
    return "knockgui-" + hashlib.sha256(key.encode()).hexdigest()[:20]


def send_request(name: str, request: Request, timeout: float = 5.0) -> Reply | None:
    """Send ``request`` to the instance listening on ``name``; None when none listens there."""
    from PySide6.QtNetwork import QLocalSocket

    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(int(min(timeout, 2.0) * 1000)):
        return None
    stranger = _peer_refusal(socket)
    if stranger:
        socket.abort()
        return Reply(
            False,
            f"The knockgui socket {name} is held by another user's program ({stranger}), so nothing was sent; "
            "close that program or ask an administrator.",
        )
    socket.write(request.to_line())
    socket.waitForBytesWritten(int(timeout * 1000))
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data and len(data) <= MAX_LINE:
        left = deadline - time.monotonic()
        if left <= 0:
            socket.abort()
            return Reply(False, "The running knockgui did not answer in time; try again or restart it.")
        # Short waits: PySide keeps the GIL in waitForReadyRead, which would stall a server in this process.
        if socket.bytesAvailable() <= 0 and not socket.waitForReadyRead(int(min(left, 0.02) * 1000) + 1):
            if socket.state() != QLocalSocket.LocalSocketState.ConnectedState and socket.bytesAvailable() <= 0:
                break
            continue
        data += bytes(socket.readAll().data())
    socket.disconnectFromServer()
    if b"\n" not in data:
        return Reply(False, "The running knockgui closed the connection without an answer; restart it.")
    return Reply.from_line(data.split(b"\n", 1)[0])


Handler = Callable[[Request], Reply]


class InstanceServer(QObject):
    """Listens for later starts; ``handler`` decides on each request and its reply (in the GUI thread)."""

    def __init__(self, name: str, handler: Handler, parent: QObject | None = None) -> None:
        from PySide6.QtNetwork import QLocalServer

        super().__init__(parent)
        self.name = name
        self.handler = handler
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)

    def listen(self) -> bool:
        from PySide6.QtNetwork import QLocalServer

        QLocalServer.removeServer(self.name)  # we hold the lock: any socket file left is stale
        return self.server.listen(self.name)

    def close(self) -> None:
        self.server.close()

    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            if socket is None:
                return
            if _peer_refusal(socket):  # another user's process: no word to it
                socket.abort()
                socket.deleteLater()
                continue
            _Conversation(socket, self.handler, self)


class _Conversation(QObject):
    """One client: read one line, answer once, close. Gives up after a few seconds of silence."""

    def __init__(self, socket: QLocalSocket, handler: Handler, parent: QObject) -> None:
        super().__init__(parent)
        self.socket = socket
        self.handler = handler
        self.buffer = b""
        self.done = False
        socket.setParent(self)
        socket.readyRead.connect(self._on_ready)
        socket.disconnected.connect(self._finish)
        QTimer.singleShot(5000, self, self._finish)
        self._on_ready()

    def _on_ready(self) -> None:
        if self.done:
            return
        self.buffer += bytes(self.socket.readAll().data())
        if b"\n" not in self.buffer and len(self.buffer) <= MAX_LINE:
            return
        line = self.buffer.split(b"\n", 1)[0]
        if len(line) > MAX_LINE:
            reply = Reply(False, "The request to the running knockgui was too long.")
        else:
            try:
                reply = self.handler(Request.from_line(line))
            except ValueError as exc:
                reply = Reply(False, str(exc))
            except Exception as exc:  # the asking process still gets a sentence, never silence
                reply = Reply(
                    False, f"The running knockgui failed on this request ({type(exc).__name__}); please report it."
                )
        self.done = True
        self.socket.write(reply.to_line())
        self.socket.flush()
        self.socket.disconnectFromServer()

    def _finish(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        if self.socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            self.socket.abort()
        self.done = True
        self.deleteLater()


class _FileLock:
    """An OS lock on a file (flock on Unix, msvcrt on Windows): released by the OS when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def try_lock(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        if sys.platform != "win32":  # Windows refuses writes into a region another handle locked
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return True

    def unlock(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock
            self.fd = None


class SingleInstance:
    """The lock and the socket name of one config folder: ``claim()`` first, then ``serve()``.

    ``claim(request)`` returns None when this process is now the running instance (it holds the lock),
    or the running instance's reply to ``request``.
    """

    def __init__(self, config_dir: Path, user: str | None = None) -> None:
        self.config_dir = Path(config_dir)
        self._user = user
        self._name: str | None = None
        self.lock: _FileLock | None = None
        self.server: InstanceServer | None = None

    @property
    def name(self) -> str:
        """The local socket name (computed when first needed: the first start only locks before its window)."""
        if self._name is None:
            self._name = socket_name(self.config_dir, self._user)
        return self._name

    def acquire(self) -> bool:
        """True when this process is now the running instance (or cannot lock at all and runs on its own)."""
        if self.lock is not None:
            return True
        try:
            self.config_dir.mkdir(parents=True, exist_ok=True)
            lock = _FileLock(self.config_dir / LOCK_NAME)
            if not lock.try_lock():
                return False
        except OSError:
            return True  # no lock possible (read-only folder): run on our own rather than not at all
        self.lock = lock
        return True

    def claim(self, request: Request, wait: float = 5.0) -> Reply | None:
        """Become the running instance (None), or hand ``request`` to it and return its reply.

        The running instance may still be starting (locked, not yet listening) or quitting (listening
        no more, lock about to go): both are waited for, up to ``wait`` seconds.
        """
        deadline = time.monotonic() + wait
        while True:
            if self.acquire():
                return None
            try:
                name = self.name
            except KnockguiError as exc:
                return Reply(False, exc.message)
            reply = send_request(name, request)
            if reply is not None:
                return reply
            if time.monotonic() > deadline:
                return Reply(False, "Another knockgui holds this config folder but does not answer; close it or wait.")
            time.sleep(0.05)

    def serve(self, handler: Handler, parent: QObject | None = None) -> InstanceServer:
        """Listen for later starts (call once ``claim()`` returned None)."""
        problem = ""
        try:
            name = self.name
        except KnockguiError as exc:
            name, problem = "", exc.message
        server = InstanceServer(name, handler, parent)
        if name and not server.listen():
            problem = f"Later starts cannot reach this window ({server.server.errorString()})."
        if problem and sys.stderr is not None:  # None in a windowed Windows build
            print(f"knockgui: {problem}", file=sys.stderr)
        self.server = server
        return server

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None


def _shown_name(name: str) -> str:
    return name if name.isprintable() and len(name) <= 64 else "(a name with unprintable characters)"


def make_handler(
    routers: Callable[[], list[Router]],
    start: Callable[[Router, bool, str], object],
    show: Callable[[], None],
) -> Handler:
    """The running instance's answer to each request: find the router, start its knock, reply at once.

    ``routers()`` gives the current inventory, ``start(router, launch)`` starts a knock the way the
    window does (the knock runs on; its result goes to the window and the tray), ``show()`` raises
    the window.
    """

    def handle(request: Request) -> Reply:
        if request.action == "show":
            show()
            return Reply(True, "The running knockgui window was brought to the front.")
        try:
            if request.action == "link":
                from knockgui.core.links import parse_link, resolve_link

                target = resolve_link(parse_link(request.link), routers())
                router, launch, service = target.router, target.launch, target.service
            else:
                wanted = request.name.casefold()
                found = next((r for r in routers() if r.name.casefold() == wanted), None)
                if found is None:
                    return Reply(
                        False,
                        f"No router named '{_shown_name(request.name)}' is in the inventory; "
                        "check the name with knockgui-cli list.",
                    )
                router, launch, service = found, request.action == "connect", ""
        except KnockguiError as exc:
            return Reply(False, exc.message)
        start(router, launch, service)
        what = "Knocking on" if not launch else "Knocking on and connecting to"
        return Reply(True, f"{what} {router.name} in the running knockgui.")

    return handle
