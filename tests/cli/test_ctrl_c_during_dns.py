"""Ctrl-C while a DNS lookup hangs ends the CLI at once (issue 16 item 9: it took 7-8 s).

Real parts: a private mount and network namespace (``unshare -m -n``) whose /etc/resolv.conf (bind
mounted there only) names 127.0.0.1, where a UDP socket swallows every query unanswered, so the real
resolver waits its 5 s per try. The CLI knocks a name there and gets SIGINT half a second later.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import need
from tests.testbed import reset_sigint

SWALLOW = "import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 53)); time.sleep(60)"


def test_ctrl_c_while_the_dns_lookup_hangs_ends_the_cli_at_once(tmp_path: Path) -> None:
    need("" if os.geteuid() == 0 else "needs root (a private mount and network namespace)")
    need("" if shutil.which("unshare") else "needs unshare (util-linux)")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:5 attempts:2\n")
    script = (
        f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && "
        f'{{ {sys.executable} -c "{SWALLOW}" </dev/null >/dev/null 2>&1 & }} && sleep 0.3 && '
        f"exec {sys.executable} -m knockgui.cli knock dns-hang.example 9:udp"
    )
    proc = subprocess.Popen(
        ["unshare", "-m", "-n", "sh", "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=reset_sigint,
    )
    try:
        time.sleep(1.5)  # the shell set up, the CLI started and is waiting for the resolver
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)  # the CLI is the exec'd shell: proc.pid
        sent = time.monotonic()
        _out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the swallowing listener
        except ProcessLookupError:
            pass
        proc.wait()
    assert proc.returncode == 130 and err.strip().endswith("Cancelled."), (proc.returncode, err)
    assert took < 2.0, f"the CLI took {took:.1f} s to end after Ctrl-C"
