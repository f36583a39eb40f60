"""The real knockd daemon (Debian package ``knockd``) guarding a namespace router.

knockd sniffs the router's interface with libpcap, so it sees knocks even though the nftables rules
drop them. On the right sequence its ``start_command`` adds the knocker's address to the router's
``safe_4`` set, which the rules accept. It resets a sequence on any wrong or duplicate hit.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.testbed import stop_process
from tests.testbed.netns import NamespaceRouter, knock_ruleset, wait_for

# No knock stages in nftables: only "accept @safe_4, drop the rest". knockd does the knocking.
KNOCKD_RULESET = knock_ruleset([])

CONFIG = """\
[options]
    LogFile = {log}
    PidFile = {pid}
    Interface = {iface}

[knockgui]
    sequence      = {sequence}
    seq_timeout   = {seq_timeout}
    tcpflags      = syn
    start_command = /usr/sbin/nft add element inet knock safe_4 {{ %IP% }}
"""


def have_knockd() -> str:
    """'' when knockd can run here, else why not."""
    if not shutil.which("knockd") and not Path("/usr/sbin/knockd").exists():
        return "needs the 'knockd' program (Debian package knockd)"
    return ""


class Knockd:
    """knockd running inside ``router``'s namespace on its interface; use as a context manager."""

    def __init__(self, router: NamespaceRouter, workdir: Path, sequence: str = "1337:tcp,17954:udp",
                 seq_timeout: int = 15) -> None:  # fmt: skip
        self.router = router
        self.conf = workdir / "knockd.conf"
        self.log = workdir / "knockd.log"
        values = {"log": self.log, "pid": workdir / "knockd.pid", "iface": router.router_if}
        self.conf.write_text(CONFIG.format(sequence=sequence, seq_timeout=seq_timeout, **values))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Knockd:
        self.router.load_rules(KNOCKD_RULESET)
        self.log.touch()
        knockd = shutil.which("knockd") or "/usr/sbin/knockd"
        self.proc = self.router.popen(
            knockd, "-c", str(self.conf), "-i", self.router.router_if, "-D",
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if not wait_for(lambda: "listening on" in self.log_text() or self.proc.poll() is not None, 10):  # type: ignore[union-attr]
            self.stop()
            raise RuntimeError("knockd did not start: " + self.log_text()[-500:])
        if self.proc.poll() is not None:
            raise RuntimeError("knockd exited at start: " + self.log_text()[-500:])
        return self

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def opened(self) -> int:
        return self.log_text().count("OPEN SESAME")

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None

    def __enter__(self) -> Knockd:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
