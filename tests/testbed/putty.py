"""PuTTY's command-line client ``plink`` (Debian package putty-tools) set up to log in to a test sshd.

``PlinkClient(sshd, workdir)`` converts the test's OpenSSH client key to a PuTTY ``.ppk`` with
``puttygen`` and pins the server's host key by its SHA-256 fingerprint (``-hostkey``), so ``plink``
logs in with no prompt (``-batch``) and keeps nothing of the user's: PuTTY writes only under the
test's HOME (``~/.putty``), which conftest makes private. ``argv(host, command, proxy=...)`` is the
argument list of one login.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.testbed.sshd import SSHServer


def have_plink() -> str:
    """'' when plink and puttygen are installed, else the reason they are needed."""
    for tool in ("plink", "puttygen"):
        if not shutil.which(tool):
            return f"needs '{tool}' (Debian package putty-tools)"
    return ""


class PlinkClient:
    def __init__(self, sshd: SSHServer, workdir: Path) -> None:
        self.sshd = sshd
        workdir.mkdir(parents=True, exist_ok=True)
        self.key = workdir / "client.ppk"
        subprocess.run(
            ["puttygen", str(sshd.client_key), "-O", "private", "-o", str(self.key)],
            check=True,
            capture_output=True,
            timeout=30,
        )
        listed = subprocess.run(
            ["ssh-keygen", "-l", "-E", "sha256", "-f", f"{sshd.host_key}.pub"],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        )
        self.host_key = listed.stdout.split()[1]  # "256 SHA256:... comment (ED25519)"
        if not self.host_key.startswith("SHA256:"):
            raise RuntimeError(f"unexpected ssh-keygen -l output: {listed.stdout!r}")

    def argv(self, host: str, *command: str, proxy: str = "", options: tuple[str, ...] = ()) -> list[str]:
        """``plink`` logging in to ``host`` (as given: a router's name works through the proxy) on the
        sshd's port with the test key, no prompts, and ``proxy`` as its ``-proxycmd`` when given."""
        argv = ["plink", "-ssh", "-batch", "-noagent", *options, "-i", str(self.key), "-hostkey", self.host_key]
        argv += ["-P", str(self.sshd.port), "-l", self.sshd.user]
        if proxy:
            argv += ["-proxycmd", proxy]
        return [*argv, host, *command]
