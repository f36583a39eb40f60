"""A real OpenSSH server inside a namespace router, with its own host key and a client key for the tests.

``SSHServer(router, workdir).start()`` writes a private config (PasswordAuthentication no, UsePAM no,
StrictModes no, only the test client's key authorised), runs ``ip netns exec NS /usr/sbin/sshd -D -e -f
CONFIG`` on the router's addresses (port 22 by default) and waits until it listens. The process is
registered with the router, so ``router.close()`` stops it. ``client_options()`` are the ssh options a
client needs to log in non-interactively with the test key.
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.testbed.netns import NamespaceRouter

SSHD = "/usr/sbin/sshd"


def have_sshd() -> str:
    """'' when a private sshd can be run here, else the reason it cannot."""
    if not Path(SSHD).exists():
        return "needs /usr/sbin/sshd (Debian package openssh-server)"
    for tool in ("ssh", "ssh-keygen"):
        if not shutil.which(tool):
            return f"needs '{tool}' (Debian package openssh-client)"
    return ""


class SSHServer:
    def __init__(self, router: NamespaceRouter, workdir: Path, port: int = 22) -> None:
        self.router = router
        self.workdir = workdir
        self.port = port
        self.host_key = workdir / "host_ed25519"
        self.client_key = workdir / "client_ed25519"
        self.config = workdir / "sshd_config"
        self.log = workdir / "sshd.log"
        self.user = getpass.getuser()

    def _keygen(self, path: Path) -> None:
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "knockgui-test", "-f", str(path)],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def start(self) -> SSHServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._keygen(self.host_key)
        self._keygen(self.client_key)
        authorized = self.workdir / "authorized_keys"
        authorized.write_text((self.client_key.with_suffix(".pub")).read_text())
        self.config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    f"ListenAddress {self.router.router4}",
                    f"ListenAddress {self.router.router6}",
                    f"HostKey {self.host_key}",
                    f"AuthorizedKeysFile {authorized}",
                    "PidFile none",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "StrictModes no",
                    "PubkeyAuthentication yes",
                    "PermitRootLogin prohibit-password",
                    "LogLevel VERBOSE",
                    "Subsystem sftp internal-sftp",
                ]
            )
            + "\n"
        )
        os.makedirs("/run/sshd", exist_ok=True)
        log = self.log.open("wb")
        try:
            self.router.popen(SSHD, "-D", "-e", "-f", str(self.config), stdout=log, stderr=log)
        finally:
            log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if "Server listening" in self.log.read_text(errors="replace"):
                return self
            time.sleep(0.02)
        raise RuntimeError(f"sshd did not start: {self.log.read_text(errors='replace')[-500:]}")

    def client_options(self) -> list[str]:
        """Options for ``ssh`` to log in with the test key, with no prompt and no user config."""
        return [
            "-F",
            "/dev/null",
            "-i",
            str(self.client_key),
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "ConnectTimeout=5",
        ]
