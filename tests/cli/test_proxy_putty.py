"""``knockgui-cli proxy`` as PuTTY's local proxy command (``plink -proxycmd "... proxy %host %port"``),
against the real sshd inside a knock-protected namespace router (the ``office`` fixture of
test_proxy_cli: the seed's rules, "Office" by IPv4, "Wrong" with a wrong sequence by IPv6)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need
from tests.testbed.netns import NamespaceRouter, wait_for
from tests.testbed.putty import PlinkClient, have_plink
from tests.testbed.sshd import SSHServer

# PuTTY substitutes %host (the host exactly as given to plink, lookup left to the proxy) and %port,
# and runs the result with /bin/sh -c.
PROXY = f"{shlex.quote(sys.executable)} -m knockgui.cli proxy %host %port"


def run(argv: list[str], *, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        argv, input=input, capture_output=True, timeout=60, stdin=None if input else subprocess.DEVNULL
    )


def proxies_left(address: str) -> list[str]:
    """Command lines of knockgui proxies still running for ``address``."""
    left = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"knockgui.cli" in cmdline and b"proxy" in cmdline and address.encode() in cmdline:
            left.append(b" ".join(cmdline).decode(errors="replace"))
    return left


@pytest.fixture
def plink(office: tuple[NamespaceRouter, SSHServer], tmp_path: Path) -> PlinkClient:
    need(have_plink())
    return PlinkClient(office[1], tmp_path / "putty")


@pytest.mark.root
@pytest.mark.keyring
def test_plink_logs_in_through_the_proxy_and_not_without(
    office: tuple[NamespaceRouter, SSHServer], plink: PlinkClient
) -> None:
    router, _sshd = office
    dropped = router.counters()["drop"]
    direct = subprocess.Popen(
        plink.argv(router.router4, "echo", "hello"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, _err = direct.communicate(timeout=3)  # plink has no connect timeout: it waits on the dropped SYNs
    except subprocess.TimeoutExpired:
        direct.kill()
        out, _err = direct.communicate(timeout=10)
    else:
        assert direct.returncode != 0
    assert b"hello" not in out
    assert router.counters()["drop"] > dropped and router.counters()["knock1_4"] == 0

    proxied = run(plink.argv(router.router4, "echo hello from $(hostname)", proxy=PROXY))
    assert proxied.returncode == 0, proxied.stderr
    assert proxied.stdout.startswith(b"hello from ")
    assert router.counters()["knock1_4"] == 1 and router.counters()["knock2_4"] == 1

    # %host is the name given to plink: the proxy finds the saved router by it (still open: no new knock).
    by_name = run(plink.argv("Office", "echo", "by name", proxy=PROXY))
    assert by_name.returncode == 0 and by_name.stdout == b"by name\n", by_name.stderr

    # A binary stream through plink's stdin and back: plink's end of input reaches the remote cat as EOF.
    payload = bytes(range(256)) * 4096  # 1 MiB, every byte value
    echoed = run(plink.argv(router.router4, "cat", proxy=PROXY), input=payload)
    assert echoed.returncode == 0, echoed.stderr
    assert echoed.stdout == payload
    assert router.counters()["knock1_4"] == 1
    # plink does not wait for its proxy command: each proxy ends on its own once plink has closed the pipes.
    assert wait_for(lambda: not proxies_left(router.router4), timeout=5), proxies_left(router.router4)


@pytest.mark.root
@pytest.mark.keyring
def test_plink_shows_the_proxys_sentence_only_with_proxy_diagnostics(
    office: tuple[NamespaceRouter, SSHServer], plink: PlinkClient
) -> None:
    router, _sshd = office
    wrong = "[" + router.router6 + "]"  # "Wrong": its sequence does not open the router
    sentence = f"knockgui-cli: Port 22 on {router.router6} did not answer within 1 s: the knock was probably not accepted".encode()

    # PuTTY's default ("Print proxy diagnostics in the terminal window: No") hides the proxy's stderr.
    hidden = run(plink.argv(wrong, "true", proxy=PROXY))
    assert hidden.returncode == 1
    assert b"Remote side unexpectedly closed network connection" in hidden.stderr
    assert sentence not in hidden.stderr

    # "Only until session starts" (saved in Default Settings, as PuTTY's GUI saves it) shows it ...
    sessions = Path(os.environ["HOME"]) / ".putty" / "sessions"
    sessions.mkdir(parents=True, exist_ok=True)
    (sessions / "Default%20Settings").write_text("ProxyLogToTerm=2\n")
    shown = run(plink.argv(wrong, "true", proxy=PROXY))
    assert shown.returncode == 1 and b"proxy: " + sentence in shown.stderr, shown.stderr
    (sessions / "Default%20Settings").unlink()
    # ... and so does plink -v.
    verbose = run(plink.argv(wrong, "true", proxy=PROXY, options=("-v",)))
    assert verbose.returncode == 1 and b"proxy: " + sentence in verbose.stderr, verbose.stderr
    assert b"Traceback" not in verbose.stderr and b"1338" not in verbose.stderr
    assert router.counters()["knock1_6"] == 0
