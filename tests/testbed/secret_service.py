"""A private, real Secret Service: a D-Bus session bus and gnome-keyring-daemon in a temporary HOME.

Nothing here touches the user's own keyring: HOME, XDG dirs and the bus address are all private.
``env()`` gives the variables to run a program (or this process, via monkeypatch) against it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.testbed import stop_process


def have_secret_service() -> str:
    """'' when a private Secret Service can be started here, else the reason it cannot."""
    for tool in ("dbus-daemon", "gnome-keyring-daemon"):
        if not shutil.which(tool):
            return f"needs '{tool}' (Debian packages dbus, gnome-keyring)"
    return ""


class SecretService:
    def __init__(self, unlocked: bool = True, password: str = "testbed-pw") -> None:
        self.unlocked = unlocked
        self.password = password
        self.home = Path(tempfile.mkdtemp(prefix="knockgui-keyring-"))
        self.runtime = self.home / "run"
        self.address = ""
        self._bus: subprocess.Popen[str] | None = None
        self._keyring: subprocess.Popen[str] | None = None

    def env(self) -> dict[str, str]:
        return {
            "HOME": str(self.home),
            "XDG_RUNTIME_DIR": str(self.runtime),
            "XDG_DATA_HOME": str(self.home / ".local/share"),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "DBUS_SESSION_BUS_ADDRESS": self.address,
        }

    def start(self) -> SecretService:
        self.runtime.mkdir(mode=0o700)
        env = {**os.environ, **self.env()}
        env.pop("DISPLAY", None)  # no prompter can ever appear: a locked keyring stays locked
        self._bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self._bus.stdout is not None
        self.address = self._bus.stdout.readline().strip()
        if not self.address:
            self.close()
            raise RuntimeError("the private dbus-daemon did not start")
        env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        args = ["gnome-keyring-daemon", "--foreground", "--components=secrets"]
        if self.unlocked:
            args.append("--unlock")
        self._keyring = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self._keyring.stdin is not None
        if self.unlocked:
            self._keyring.stdin.write(self.password)
        self._keyring.stdin.close()
        self._wait_for_name(env)
        return self

    def _wait_for_name(self, env: dict[str, str]) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            out = subprocess.run(
                [
                    "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames",
                ],
                capture_output=True, text=True, env=env,
            ).stdout  # fmt: skip
            if "org.freedesktop.secrets" in out:
                return
            time.sleep(0.05)
        self.close()
        raise RuntimeError("gnome-keyring-daemon did not take the org.freedesktop.secrets name")

    def close(self) -> None:
        for proc in (self._keyring, self._bus):
            stop_process(proc)
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> SecretService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
