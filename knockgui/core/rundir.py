"""A folder only this user can reach, for local sockets; and who is at the other end of one.

``private_dir()`` is ``$XDG_RUNTIME_DIR/knockgui`` when the runtime folder is ours and private, else
``<tmp>/knockgui-<uid>``, created mode 0700. Either way the folder (and the runtime folder above it)
is checked with ``lstat`` before use: a real folder, not a symlink, owned by this user, no access for
group or others. Another user cannot create, replace or bind a socket inside it, so a name derived from
the config folder is no longer a name anyone can take first.

``peer_uid(fd)`` gives the user id of the process at the other end of a connected Unix socket (Linux
``SO_PEERCRED``; None where the OS has no such call): a client checks that the server is its own user
before it sends anything.
"""

from __future__ import annotations

import os
import socket
import stat
import struct
import sys
import tempfile
from pathlib import Path

from knockgui.core.errors import PermissionProblem

FOLDER_NAME = "knockgui"


def _check(folder: Path, uid: int) -> str:
    """Why ``folder`` is not a private folder of ``uid`` ("" when it is one)."""
    try:
        info = os.lstat(folder)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if info.st_uid != uid:
        return f"belongs to another user (uid {info.st_uid})"
    if info.st_mode & 0o077:
        return f"can be reached by other users (mode {stat.S_IMODE(info.st_mode):o})"
    return ""


def _ensure(folder: Path, uid: int) -> Path:
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise PermissionProblem(
            f"Could not create the private folder {folder} ({exc.strerror or exc}); check the permissions of "
            f"{folder.parent}."
        ) from None
    problem = _check(folder, uid)
    if problem:
        raise PermissionProblem(
            f"The folder {folder} {problem}, so knockgui will not use it for its local socket; "
            "remove it (or let its owner remove it) and start again."
        )
    return folder


def private_dir(env: dict[str, str] | None = None, tmp: str | None = None) -> Path:
    """This user's private folder for knockgui's sockets (created); PermissionProblem when none is safe."""
    env = dict(os.environ) if env is None else env
    uid = os.getuid()
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime) and not _check(Path(runtime), uid):
        return _ensure(Path(runtime) / FOLDER_NAME, uid)
    base = Path(tmp if tmp is not None else tempfile.gettempdir())
    return _ensure(base / f"{FOLDER_NAME}-{uid}", uid)


def peer_uid(fd: int) -> int | None:
    """The user id of the process at the other end of the connected Unix socket ``fd`` (None: unknown)."""
    if not sys.platform.startswith("linux") or not hasattr(socket, "SO_PEERCRED"):
        return None
    sock = socket.socket(fileno=os.dup(fd))
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return None
    finally:
        sock.close()
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)
